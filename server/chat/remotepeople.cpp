#include "remotepeople.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

QByteArray RemotePeople::encode(const QString &node, const QList<Person> &people)
{
    QJsonArray list;
    for (const Person &person : people) {
        list.append(QJsonObject{{"name"_L1, person.name}, {"identity"_L1, person.identity},
            {"rooms"_L1, QJsonArray::fromStringList(person.rooms)}});
    }
    return QJsonDocument(QJsonObject{{"node"_L1, node}, {"people"_L1, list}})
        .toJson(QJsonDocument::Compact);
}

bool RemotePeople::decode(const QByteArray &snapshot, QString *node, QList<Person> *people)
{
    const QJsonObject object = QJsonDocument::fromJson(snapshot).object();
    *node = object.value("node"_L1).toString();
    if (node->isEmpty() || !object.value("people"_L1).isArray()) {
        return false;
    }
    people->clear();
    for (const QJsonValue &value : object.value("people"_L1).toArray()) {
        const QJsonObject entry = value.toObject();
        Person person{entry.value("name"_L1).toString(), entry.value("identity"_L1).toString(), {}};
        if (person.name.isEmpty() || person.identity.isEmpty()) {
            return false;
        }
        for (const QJsonValue &room : entry.value("rooms"_L1).toArray()) {
            person.rooms.append(room.toString());
        }
        people->append(person);
    }
    return true;
}

RemotePeople::Change RemotePeople::update(
    const QString &node, const QList<Person> &people, qint64 nowMs)
{
    Change change;
    Node &known = m_nodes[node];
    known.heardAt = nowMs;
    QHash<QString, Person> now;
    for (const Person &person : people) {
        now.insert(person.identity, person);
    }
    for (auto it = known.people.cbegin(); it != known.people.cend(); ++it) {
        if (!now.contains(it.key())) {
            remove(it.value(), change);
        }
    }
    for (auto it = now.cbegin(); it != now.cend(); ++it) {
        if (!known.people.contains(it.key())) {
            add(it.value(), change);
        } else {
            Person &before = m_people[it.key()].person;
            for (const QString &room : it->rooms) {
                if (!before.rooms.contains(room)) {
                    change.entered.append({it.value(), room});
                }
            }
            for (const QString &room : std::as_const(before.rooms)) {
                if (!it->rooms.contains(room)) {
                    change.parted.append({it.value(), room});
                }
            }
            before = it.value();
        }
    }
    known.people = std::move(now);
    return change;
}

RemotePeople::Change RemotePeople::expire(qint64 nowMs)
{
    Change change;
    for (auto node = m_nodes.begin(); node != m_nodes.end();) {
        if (nowMs - node->heardAt <= NodeTimeoutMs) {
            ++node;
            continue;
        }
        for (const Person &person : std::as_const(node->people)) {
            remove(person, change);
        }
        node = m_nodes.erase(node);
    }
    return change;
}

const RemotePeople::Person *RemotePeople::byName(const QString &key) const
{
    const auto identity = m_identityOfName.constFind(key);
    if (identity == m_identityOfName.constEnd()) {
        return nullptr;
    }
    const auto online = m_people.constFind(*identity);
    return online == m_people.constEnd() ? nullptr : &online->person;
}

QList<RemotePeople::Person> RemotePeople::people() const
{
    QList<Person> list;
    list.reserve(m_people.size());
    for (const Online &online : m_people) {
        list.append(online.person);
    }
    return list;
}

void RemotePeople::add(const Person &person, Change &change)
{
    Online &online = m_people[person.identity];
    online.person = person;
    if (++online.nodes == 1) {
        m_identityOfName.insert(person.name.toCaseFolded(), person.identity);
        change.arrived.append(person);
    }
}

void RemotePeople::remove(const Person &person, Change &change)
{
    const auto online = m_people.find(person.identity);
    if (online == m_people.end() || --online->nodes > 0) {
        return;
    }
    const QString key = online->person.name.toCaseFolded();
    if (m_identityOfName.value(key) == person.identity) {
        m_identityOfName.remove(key);
    }
    change.departed.append(online->person);
    m_people.erase(online);
}

#include "presencebatch.h"

#include <algorithm>
#include <vector>

void PresenceBatch::arrived(const QString &room, const QString &name)
{
    record(room, name, true, {});
}

void PresenceBatch::departed(const QString &room, const QString &name, const QString &reason)
{
    record(room, name, false, reason);
}

void PresenceBatch::record(const QString &room, const QString &name, bool in, const QString &reason)
{
    QHash<QString, Person> &people = m_rooms[room];
    const QString key = name.toCaseFolded();
    auto person = people.find(key);
    if (person == people.end()) {
        // Its first change in this window: before it, the person was where it has just left.
        person = people.insert(key, Person{name, !in, in, {}, 0});
    }
    person->name = name;
    person->isIn = in;
    if (!in) {
        person->reason = reason;
    }
    person->order = ++m_lastOrder;
}

PresenceBatch::Change PresenceBatch::take(const QString &room)
{
    Change change{room, {}, {}};
    const QHash<QString, Person> people = m_rooms.take(room);
    std::vector<const Person *> changed;
    for (const Person &person : people) {
        if (person.wasIn != person.isIn) {
            changed.push_back(&person);
        }
    }
    std::sort(changed.begin(), changed.end(),
        [](const Person *a, const Person *b) { return a->order < b->order; });
    for (const Person *person : changed) {
        if (person->isIn) {
            change.joined.append(person->name);
        } else {
            change.left.append({person->name, person->reason});
        }
    }
    return change;
}

QList<PresenceBatch::Change> PresenceBatch::takeAll()
{
    QList<Change> changes;
    changes.reserve(m_rooms.size());
    for (const QString &room : m_rooms.keys()) {
        changes.append(take(room));
    }
    return changes;
}

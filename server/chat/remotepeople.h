#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <utility>

// Who is online on a cluster's other servers, as each last said. Every server publishes the
// whole list of its people (a snapshot) whenever it changes and every second; a server not heard
// from for NodeTimeoutMs is gone, and its people with it. A person online on several servers (an
// account signed in twice) is one person here.
class RemotePeople
{
public:
    static constexpr qint64 NodeTimeoutMs = 3000;

    struct Person
    {
        QString name;
        QString identity;
        QStringList rooms; // keys
    };
    // People new to the other servers, people no other server has any more, and people who
    // stayed but entered or left rooms (each with the room's key).
    struct Change
    {
        QList<Person> arrived;
        QList<Person> departed;
        QList<std::pair<Person, QString>> entered;
        QList<std::pair<Person, QString>> parted;
    };

    static QByteArray encode(const QString &node, const QList<Person> &people);
    // False for anything that is not a snapshot.
    static bool decode(const QByteArray &snapshot, QString *node, QList<Person> *people);

    Change update(const QString &node, const QList<Person> &people, qint64 nowMs);
    Change expire(qint64 nowMs);

    // By case-folded name.
    const Person *byName(const QString &key) const;
    bool hasIdentity(const QString &identity) const { return m_people.contains(identity); }
    // Every person once, whatever servers they are on.
    QList<Person> people() const;
    qsizetype size() const { return m_people.size(); }

private:
    struct Node
    {
        QHash<QString, Person> people; // by identity
        qint64 heardAt = 0;
    };
    struct Online
    {
        Person person;
        int nodes = 0; // how many servers list it
    };
    void add(const Person &person, Change &change);
    void remove(const Person &person, Change &change);

    QHash<QString, Node> m_nodes;
    QHash<QString, Online> m_people; // by identity
    QHash<QString, QString> m_identityOfName; // case-folded name -> identity
};

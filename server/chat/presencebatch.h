#pragma once

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

// Who came into and who left each big room since its last presence frame, reduced to the net
// change: someone who came and went again within the window is in neither list, and so is
// someone who went and came back. A room of a thousand people then costs one frame per window
// for its people to read, however many arrive at once, instead of one frame per arrival.
//
// People are told apart by their case-folded name, as the room's member lists do.
//
// Not thread-safe: the ChatRoom calls it under its lock.
class PresenceBatch
{
public:
    struct Departure
    {
        QString name;
        QString reason; // of the latest departure in the window
    };
    struct Change
    {
        QString room; // the room's key, as it was recorded
        QStringList joined; // in the order they came
        QList<Departure> left; // in the order they went
    };

    // name came into room (a key).
    void arrived(const QString &room, const QString &name);
    // name left room (a key), for reason.
    void departed(const QString &room, const QString &name, const QString &reason);

    bool isEmpty() const { return m_rooms.isEmpty(); }
    bool isPending(const QString &room) const { return m_rooms.contains(room); }
    // The net change of room since its window opened (empty lists if nothing changed in the
    // end); the next change opens a new window.
    Change take(const QString &room);
    // take() for every room with a window open, in no particular order.
    QList<Change> takeAll();
    void clear() { m_rooms.clear(); }

private:
    struct Person
    {
        QString name; // as spelled at the latest change
        bool wasIn = false; // in the room when the window opened
        bool isIn = false; // in the room after the latest change
        QString reason;
        qint64 order = 0; // when the latest change happened
    };
    void record(const QString &room, const QString &name, bool in, const QString &reason);

    QHash<QString, QHash<QString, Person>> m_rooms; // room key -> case-folded name -> change
    qint64 m_lastOrder = 0;
};

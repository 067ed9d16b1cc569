#include "roomdirectory.h"

RoomDirectory::RoomDirectory()
{
    create(QString::fromLatin1(Protocol::DefaultRoom));
}

void RoomDirectory::restore(const QList<MessageStore::Room> &rooms)
{
    for (const MessageStore::Room &stored : rooms) {
        Room &room = m_rooms[key(stored.name)];
        room.name = stored.name;
        room.topic = stored.topic;
        room.accounts = QSet<QString>(stored.members.cbegin(), stored.members.cend());
    }
}

const RoomDirectory::Room *RoomDirectory::find(const QString &key) const
{
    const auto room = m_rooms.constFind(key);
    return room == m_rooms.constEnd() ? nullptr : &*room;
}

bool RoomDirectory::create(const QString &name)
{
    const QString k = key(name);
    if (m_rooms.contains(k)) {
        return false;
    }
    m_rooms.insert(k, Room{name, {}, {}});
    return true;
}

QSet<QString> RoomDirectory::roomsOf(const QString &identity) const
{
    QSet<QString> keys;
    for (auto room = m_rooms.cbegin(); room != m_rooms.cend(); ++room) {
        if (room->accounts.contains(identity)) {
            keys.insert(room.key());
        }
    }
    return keys;
}

void RoomDirectory::addAccount(const QString &key, const QString &identity)
{
    const auto room = m_rooms.find(key);
    if (room != m_rooms.end()) {
        room->accounts.insert(identity);
    }
}

void RoomDirectory::removeAccount(const QString &key, const QString &identity)
{
    const auto room = m_rooms.find(key);
    if (room != m_rooms.end()) {
        room->accounts.remove(identity);
    }
}

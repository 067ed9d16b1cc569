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
        room.isPrivate = stored.isPrivate;
        room.owner = stored.owner;
        room.invited = QSet<QString>(stored.invited.cbegin(), stored.invited.cend());
    }
}

const RoomDirectory::Room *RoomDirectory::find(const QString &key) const
{
    const auto room = m_rooms.constFind(key);
    return room == m_rooms.constEnd() ? nullptr : &*room;
}

bool RoomDirectory::create(
    const QString &name, bool isPrivate, const QString &owner, const QString &topic)
{
    const QString k = key(name);
    if (m_rooms.contains(k)) {
        return false;
    }
    m_rooms.insert(k, Room{name, topic, {}, isPrivate, owner, {}});
    return true;
}

void RoomDirectory::setTopic(const QString &key, const QString &topic)
{
    const auto room = m_rooms.find(key);
    if (room != m_rooms.end()) {
        room->topic = topic;
    }
}

void RoomDirectory::invite(const QString &key, const QString &identity)
{
    const auto room = m_rooms.find(key);
    if (room != m_rooms.end()) {
        room->invited.insert(identity);
    }
}

void RoomDirectory::rename(const QString &from, const QString &to)
{
    for (Room &room : m_rooms) {
        if (room.owner == from) {
            room.owner = to;
        }
        if (room.invited.remove(from)) {
            room.invited.insert(to);
        }
    }
}

void RoomDirectory::forgetInvitations(const QString &identity)
{
    for (Room &room : m_rooms) {
        room.invited.remove(identity);
    }
}

bool RoomDirectory::takeInvitation(const QString &key, const QString &identity)
{
    const auto room = m_rooms.find(key);
    return room != m_rooms.end() && room->invited.remove(identity);
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

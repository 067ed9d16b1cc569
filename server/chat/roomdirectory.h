#pragma once

#include "messagestore.h"

#include <QHash>
#include <QMap>
#include <QSet>
#include <QString>

#include <optional>

// The rooms that exist, their topics, whether they are private and who made them, which
// accounts belong to each (a guest's rooms live with its person in the ChatRoom and end with its
// session), and who is invited to a private room. Keys are room names in lower case. general
// always exists, public and owned by nobody.
//
// Not thread-safe: the ChatRoom calls it under its lock.
class RoomDirectory
{
public:
    struct Room
    {
        QString name; // as it was first spelt
        QString topic;
        QSet<QString> accounts; // the identities of the accounts in it
        bool isPrivate = false;
        QString owner; // the identity of whoever made it
        QSet<QString> invited; // identities that may join it (private rooms)
    };

    RoomDirectory();

    static QString key(const QString &name) { return name.toLower(); }

    // The store's rooms, at start-up.
    void restore(const QList<MessageStore::Room> &rooms);

    const Room *find(const QString &key) const;
    // Makes the room if there is none; true if it was made.
    bool create(const QString &name, bool isPrivate = false, const QString &owner = {},
        const QString &topic = {});
    void setTopic(const QString &key, const QString &topic);
    void invite(const QString &key, const QString &identity);
    // True (and the invitation used up) if identity was invited to the room.
    bool takeInvitation(const QString &key, const QString &identity);
    // A guest who registered: what it owned and was invited to is the account's.
    void rename(const QString &from, const QString &to);
    // A guest session that ended: its invitations go with it.
    void forgetInvitations(const QString &identity);
    qsizetype size() const { return m_rooms.size(); }
    // The rooms an account belongs to.
    QSet<QString> roomsOf(const QString &identity) const;
    void addAccount(const QString &key, const QString &identity);
    void removeAccount(const QString &key, const QString &identity);
    // By key.
    const QMap<QString, Room> &rooms() const { return m_rooms; }

private:
    QMap<QString, Room> m_rooms; // by key
};

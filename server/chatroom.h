#pragma once

#include "protocol.h"

#include <QHash>
#include <QStringList>
#include <mutex>

class Outbox;

// Who is online, and the one place where chat traffic is ordered. Every worker thread calls in
// here; one mutex makes each operation atomic. A broadcast takes the next id, encodes the frame
// once and pushes the same bytes to every member's outbox while still holding the lock, so
// every client's queue receives chat in id order.
class ChatRoom
{
public:
    // motd is sent in each welcome, with "{name}" replaced by the newcomer's name.
    explicit ChatRoom(QString motd = {});

    // Registers name for outbox: the newcomer gets welcome, the others joined.
    Protocol::ErrorCode join(const QString &name, Outbox *outbox);
    // Unregisters name (if present) and tells the others why it left.
    void leave(const QString &name, const QString &reason);

    Protocol::ErrorCode say(const QString &from, const QString &text);
    // Delivers to the recipient and echoes to the sender; nobody else sees it.
    Protocol::ErrorCode sendPrivate(const QString &from, const QString &to, const QString &text);

    // Queues the users frame for outbox in the room's order, so it never contradicts a
    // joined or left queued before it.
    void sendUsers(Outbox *outbox) const;
    QStringList users() const;
    int userCount() const;
    qint64 lastId() const;

    // Stops all traffic for a shutdown: joins fail and leaves are no longer announced.
    void close();

private:
    struct Member
    {
        QString name;
        Outbox *outbox = nullptr;
    };

    static QString key(const QString &name) { return name.toCaseFolded(); }
    QStringList usersLocked() const;
    void broadcastLocked(const QByteArray &frame, const QString &exceptKey = {});

    mutable std::mutex
        m_mutex; // pthread-based, so ThreadSanitizer sees it (QMutex uses raw futexes)
    QHash<QString, Member> m_members; // keyed by case-folded name
    QString m_motd;
    qint64 m_lastId = 0;
    bool m_closed = false;
};

#pragma once

#include "protocol.h"
#include "storedmessage.h"

#include <QHash>
#include <QList>
#include <QMap>
#include <QStringList>

#include <deque>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>

class Outbox;

// Something the room has put in order but not yet handed to the outboxes.
struct RoomEvent
{
    qint64 seq = 0; // the room's order of events
    QByteArray frame; // encoded once, shared by every recipient
    QString to; // the case-folded name of the one recipient; empty: every member
    QString alsoTo; // a second recipient (a private message's sender)
    std::optional<StoredMessage> message; // stored before it is delivered
};

// Who is online, and the one place where chat traffic is ordered. Every worker thread calls in
// here; one mutex makes each operation atomic. Each operation takes the next sequence number
// (and a message the next id), encodes its frame once and queues it as a RoomEvent.
//
// With a pipeline attached (the server's StoreWorker), events wait until the store thread has
// committed the messages among them, and only then go to the outboxes, in sequence order: no
// client is ever shown a message that a crash could still lose. Without one, events are delivered
// at once. A member receives the events sequenced after it joined, so welcome, the replay of
// what it missed and the live traffic never overlap.
class ChatRoom
{
public:
    // motd is sent in each welcome, with "{name}" replaced by the newcomer's name. Past
    // presenceLimit members, joins and departures are not announced, and name lists stop there.
    explicit ChatRoom(QString motd = {}, int presenceLimit = std::numeric_limits<int>::max());

    // From now on events wait for deliver(); wake is called (holding the room's lock) each time
    // the queue of waiting events stops being empty.
    void setPipeline(std::function<void()> wake);
    // Continues the id sequence after the store's last id and recognises the cids of recent
    // messages (oldest first).
    void restore(qint64 lastId, const QList<StoredMessage> &withCid);

    struct Joined
    {
        Protocol::ErrorCode error = Protocol::ErrorCode::None;
        QStringList users; // including the newcomer (at most presenceLimit names)
        int userCount = 0; // everyone online
        qint64 lastId = 0; // the newest id before the newcomer; it gets every later one live
        QString motd;
    };
    // Registers name for outbox and tells the others. The caller sends the welcome.
    Joined join(const QString &name, Outbox *outbox);
    // Unregisters name (if present) and tells the others why it left.
    void leave(const QString &name, const QString &reason);

    struct Posted
    {
        Protocol::ErrorCode error = Protocol::ErrorCode::None;
        qint64 id = 0;
        bool repeated = false; // the sender already posted this cid: nothing new was sent
    };
    Posted say(const QString &from, const QString &text, const QString &cid = {});
    // Delivers to the recipient and echoes to the sender; nobody else sees it.
    Posted sendPrivate(
        const QString &from, const QString &to, const QString &text, const QString &cid = {});
    // Queues the users frame for name in the room's order, so it never contradicts a joined or
    // left queued before it.
    void sendUsers(const QString &name);
    // Queues a frame for every member.
    void announce(const QByteArray &frame);

    QStringList users() const;
    int userCount() const;
    qint64 lastId() const;

    // For the pipeline: the waiting events in order, then (once stored) back to deliver them.
    QList<RoomEvent> takePending();
    void deliver(const QList<RoomEvent> &events);

    // Stops all traffic for a shutdown: joins fail and leaves are no longer announced.
    void close();

    // How many recent cids are remembered per room to recognise a retried send.
    static constexpr int CidWindow = 10000;

private:
    struct Member
    {
        QString name;
        Outbox *outbox = nullptr;
        qint64 joinSeq = 0; // receives only events after this
    };

    static QString key(const QString &name) { return name.toCaseFolded(); }
    QStringList usersLocked() const;
    std::optional<qint64> findCidLocked(const QString &from, const QString &cid) const;
    void rememberCidLocked(const QString &from, const QString &cid, qint64 id);
    qint64 queueLocked(RoomEvent event);
    void deliverLocked(const RoomEvent &event);

    mutable std::mutex
        m_mutex; // pthread-based, so ThreadSanitizer sees it (QMutex uses raw futexes)
    QMap<QString, Member> m_members; // keyed by case-folded name, so in the users' order
    QString m_motd;
    const int m_presenceLimit;
    qint64 m_lastId = 0;
    qint64 m_lastSeq = 0;
    std::function<void()> m_wake; // set: events wait in m_pending
    QList<RoomEvent> m_pending;
    QHash<QString, qint64> m_cids; // "sender\ncid" -> id
    std::deque<QString> m_cidOrder; // oldest first, at most CidWindow
    bool m_closed = false;
};

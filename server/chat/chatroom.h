#pragma once

#include "protocol.h"
#include "storepipeline.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QStringList>

#include <deque>
#include <limits>
#include <mutex>
#include <optional>

class Outbox;

// Who is online, and the one place where chat traffic is ordered. Every worker thread calls in
// here; one mutex makes each operation atomic. Each operation takes the next sequence number
// (and a message the next id), encodes its frame once and queues it as an event.
//
// With the store attached (StorePipeline), events wait until the store thread has committed the
// messages among them, and only then go to the outboxes, in sequence order: no client is ever
// shown a message that a crash could still lose. Reads (a newcomer's welcome and the replay of
// what it missed, history pages, a retried message) are events too, answered by the store
// thread after everything sequenced before them is stored: they never block a client's thread, and
// a reply never contradicts the traffic around it. Without the store, events are delivered at once
// and reads find nothing.
//
// A member receives the events sequenced after it joined, so its welcome, the replay and the
// live traffic never overlap.
class ChatRoom : public StorePipeline
{
public:
    // motd is sent in each welcome, with "{name}" replaced by the newcomer's name. Past
    // presenceLimit members, joins and departures are not announced, and name lists stop there.
    explicit ChatRoom(QString motd = {}, int presenceLimit = std::numeric_limits<int>::max());

    struct Joined
    {
        Protocol::ErrorCode error = Protocol::ErrorCode::None;
        QStringList users; // including the newcomer (at most presenceLimit names)
        int userCount = 0; // everyone online
        qint64 lastId = 0; // the newest id before the newcomer; it gets every later one live
        QString motd;
    };
    // Registers name for outbox and tells the others. The newcomer's outbox gets its welcome
    // and, given since, the messages after since that it may see (at most Protocol::MaxReplay;
    // welcome says how many, and flags a gap).
    Joined join(const QString &name, Outbox *outbox, std::optional<qint64> since = {});
    // Unregisters name (if present) and tells the others why it left.
    void leave(const QString &name, const QString &reason);

    struct Posted
    {
        Protocol::ErrorCode error = Protocol::ErrorCode::None;
        qint64 id = 0;
        bool repeated = false; // the sender already posted this cid: only the sender hears of it
    };
    // A cid the sender already used is not posted again; the sender alone gets the stored copy.
    // A sender that is not a member is refused (NotRegistered).
    Posted say(const QString &from, const QString &text, const QString &cid = {});
    // Delivers to the recipient and echoes to the sender; nobody else sees it.
    Posted sendPrivate(
        const QString &from, const QString &to, const QString &text, const QString &cid = {});

    // Replies for one member, queued in the room's order. A reply goes to the membership that
    // asked, never to someone who takes the name after it has left.
    // The users frame, so it never contradicts a joined or left queued before it.
    void sendUsers(const QString &name);
    // A history page, read once everything before it is stored.
    void sendHistory(const QString &name, const MessageStore::Query &query);
    // frame, behind everything queued for name so far; an empty frame is a marker the
    // member's session recognises.
    void sendAfterQueued(const QString &name, const QByteArray &frame);

    QStringList users() const;
    int userCount() const;
    qint64 lastId() const;

    // Stops all traffic for a shutdown: joins fail and leaves are no longer announced.
    void close();

    // StorePipeline, for the store thread.
    void restore(qint64 lastId, const QList<StoredMessage> &withCid) override;
    void attach(std::function<void()> wake) override;
    Batch takeBatch() override;
    void deliverBatch(const QList<MessageStore::Page> &pages) override;
    void announce(const QByteArray &frame) override;

private:
    // A reply that needs the store: what to read, and how to turn the page into frames.
    struct Read
    {
        enum class Kind { Welcome, History, Resend };
        Kind kind = Kind::History;
        std::optional<MessageStore::Query> query;
        QJsonObject welcome; // Kind::Welcome
        std::optional<qint64> since; // Kind::Welcome: what the client asked to resume from
    };
    struct Event
    {
        qint64 seq = 0; // the room's order of events
        QList<QByteArray> frames; // encoded once, shared by every recipient
        qint64 toMember = 0; // set: only this membership
        QString to; // set: the case-folded name of the one recipient
        QString alsoTo; // a second recipient (a private message's sender)
        std::optional<StoredMessage> message; // stored before it is delivered
        std::optional<Read> read;
    };
    struct Member
    {
        QString name;
        Outbox *outbox = nullptr;
        qint64 id = 0;
        qint64 joinSeq = 0; // receives only events after this
    };

    static QString key(const QString &name) { return name.toCaseFolded(); }
    static QList<QByteArray> answer(const Read &read, const MessageStore::Page &page);
    QStringList usersLocked() const;
    std::optional<qint64> findCidLocked(const QString &from, const QString &cid) const;
    void rememberCidLocked(const QString &from, const QString &cid, qint64 id);
    Posted postLocked(StoredMessage message, const QString &to);
    // Queues event for name's membership alone (if name is a member).
    void queueForLocked(const QString &name, Event event);
    void queueLocked(Event event);
    void deliverLocked(const Event &event);

    mutable std::mutex m_mutex;
    QMap<QString, Member> m_members; // keyed by case-folded name, so in the users' order
    QHash<qint64, QString> m_memberKeys; // membership id -> key
    QString m_motd;
    const int m_presenceLimit;
    qint64 m_lastId = 0;
    qint64 m_lastSeq = 0;
    qint64 m_lastMember = 0;
    std::function<void()> m_wake; // set: events wait in m_pending
    QList<Event> m_pending;
    QList<Event> m_inFlight; // taken by the store thread, not yet delivered
    QHash<QString, qint64> m_cids; // "sender\ncid" -> id
    std::deque<QString> m_cidOrder; // oldest first, at most CidWindow
    bool m_closed = false;
};

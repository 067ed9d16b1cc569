#pragma once

#include "presencebatch.h"
#include "protocol.h"
#include "remotepeople.h"
#include "roomdirectory.h"
#include "sentcids.h"
#include "storepipeline.h"

#include <QHash>
#include <QHostAddress>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QSet>
#include <QStringList>

#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <vector>

class Outbox;

// Who is online, and the one place where chat traffic is ordered. Every worker thread calls in
// here; one mutex makes each operation atomic. Each operation takes the next sequence number
// (and a message the next id), encodes its frame once and queues it as an event.
//
// Someone online is a person: a name and the identity behind it, an account ("a:12") or one
// guest session ("g:..."). A person has one membership per connection: an account may be signed
// in from several at once, each of which gets everything the person is sent, while presence
// lists the person once. Private messages go to identities, never to names, so nobody who takes
// a name later reads what was sent to or by whoever had it before.
//
// With the store attached (StorePipeline), events wait until the store thread has committed the
// messages among them, and only then go to the outboxes, in sequence order: no client is ever
// shown a message that a crash could still lose. Reads (a newcomer's welcome and the replay of
// what it missed, history pages, a retried message) are events too, answered by the store
// thread after everything sequenced before them is stored: they never block a client's thread, and
// a reply never contradicts the traffic around it. Without the store, events are delivered at once
// and reads find nothing.
//
// A membership receives the events sequenced after it joined, so its welcome, the replay and the
// live traffic never overlap.
class ChatRoom : public StorePipeline
{
public:
    // motd is sent in each welcome, with "{name}" replaced by the newcomer's name. Past
    // presenceLimit people, joins and departures are not announced, and name lists stop there.
    // In a room of more than presenceBatch people, they are announced by flushPresence(), as
    // one presence frame per room.
    explicit ChatRoom(QString motd = {}, int presenceLimit = std::numeric_limits<int>::max(),
        int presenceBatch = std::numeric_limits<int>::max());
    // The greeting of the welcomes from now on (a reloaded configuration), from any thread.
    void setMotd(const QString &motd);

    struct Newcomer
    {
        QString name;
        QString identity; // "a:<account id>" or "g:<uuid>"
        bool account = false;
        QString token; // set: sent once in the welcome, after a password sign-in
        Outbox *outbox = nullptr;
        std::optional<qint64> since; // replay what came after it
        // Called, under the room's lock, to close this membership from another thread (a
        // password change); it must only post to the membership's own thread.
        std::function<void()> revoke;
        // revocations() read before the newcomer's credentials were checked: if its identity
        // was revoked since, the credentials may be stale, and the join is refused.
        qint64 checkedAt = 0;
        Protocol::Role role = Protocol::Role::None; // told in the welcome
        QHostAddress address = {}; // where the connection comes from, for an address ban
        // Called, under the room's lock, when a moderator puts the membership out (dismiss()):
        // like revoke, it must only post to the membership's own thread, which is to send the
        // notice, then bye with reason, and close.
        std::function<void(const QJsonObject &notice, const QString &reason)> dismiss = {};
    };
    struct Joined
    {
        Protocol::ErrorCode error = Protocol::ErrorCode::None;
        qint64 member = 0; // the membership, for every later call
        QStringList users; // including the newcomer (at most presenceLimit names)
        int userCount = 0; // everyone online
        qint64 lastId = 0; // the newest id before the newcomer; it gets every later one live
        QString motd;
    };
    // Adds a membership for the newcomer: a new person (announced to the others), or another
    // connection of an account already online. NameTaken if someone else has the name;
    // AuthFailed if the identity was revoked after checkedAt. Its
    // outbox gets its welcome and, given since, the messages after since that it may see (at
    // most Protocol::MaxReplay; welcome says how many, and flags a gap); an account also gets
    // the private messages that waited for it while it was offline.
    Joined join(const Newcomer &newcomer);
    // Ends the membership (unknown ones are ignored); once a person has none, it has left, and
    // the others are told why.
    void leave(qint64 member, const QString &reason);

    struct Posted
    {
        Protocol::ErrorCode error = Protocol::ErrorCode::None;
        qint64 id = 0;
        bool repeated = false; // the sender already posted this cid: only the sender hears of it
    };
    // A cid the sender's identity already used is not posted again; the sender alone gets the
    // stored copy. A membership that has ended is refused (NotRegistered).
    // room: a key (RoomDirectory::key); NoSuchRoom, or NotMember if the sender is not in it.
    Posted say(qint64 member, const QString &text, const QString &cid = {},
        const QString &room = QString::fromLatin1(Protocol::DefaultRoom));
    // An account that is not online but may be written to: it gets the message at sign-in.
    struct Offline
    {
        QString name; // as the account spells it
        QString identity;
    };
    // Delivers to the recipient's connections and the sender's; nobody else sees it. A recipient
    // who is not online is NoSuchUser, unless offline names its account: then the message is
    // stored for it (or delivered, if it came online meanwhile).
    Posted sendPrivate(qint64 member, const QString &to, const QString &text,
        const QString &cid = {}, const std::optional<Offline> &offline = {});

    // Replies for one membership, queued in the room's order; they go to that membership only,
    // never to a later one.
    // The users frame, so it never contradicts a joined or left queued before it.
    void sendUsers(qint64 member);
    // A history page of what the membership's identity may see, read once everything before it
    // is stored: of room (a key), or, if room is empty, of general and its private messages.
    // NotMember (or NoSuchRoom) if it may not read the room.
    Protocol::ErrorCode sendHistory(qint64 member, MessageStore::Query query, const QString &room);
    // A history page of the private conversation between the member and the person (with, an
    // identity; see identityOf); the answer names it as the request did (name).
    void sendConversation(
        qint64 member, MessageStore::Query query, const QString &with, const QString &name);
    // The identity of the person online under name, or nothing.
    std::optional<QString> identityOf(const QString &name) const;

    // Rooms. Joining a room that does not exist makes it. Each answers the membership with a
    // room frame (join) and tells the room's members with joined or left (the person's own
    // connections included); an account's rooms are kept in the store.
    // A private room can be joined only by those invited to it (NotInvited).
    Protocol::ErrorCode joinRoom(qint64 member, const QString &room);
    // Whether the membership's person is in the room (a key or a name).
    bool isIn(qint64 member, const QString &room) const;
    Protocol::ErrorCode partRoom(qint64 member, const QString &room);
    // A new room, its maker in it and its owner; RoomExists if the name is taken.
    Protocol::ErrorCode createRoom(
        qint64 member, const QString &room, bool isPrivate, const QString &topic);
    // name may then join room; it is told (invited) if it is online. A member may invite
    // whoever is online, or the account offline names; anyone else is NoSuchUser.
    Protocol::ErrorCode invite(qint64 member, const QString &room, const QString &name,
        const std::optional<Offline> &offline = {});
    // By a member; in a private room, by its owner only (NotOwner). Its people get the topic.
    Protocol::ErrorCode setTopic(qint64 member, const QString &room, const QString &topic);
    // An account's read marker in room moves to id (kept; a guest's are not).
    Protocol::ErrorCode markRead(qint64 member, const QString &room, qint64 id);
    // The rooms frame: the public rooms and the private ones the member's person is in, and
    // whether it is in each.
    void sendRooms(qint64 member);
    // frame, behind everything queued for the membership so far; an empty frame is a marker
    // the session recognises.
    void sendAfterQueued(qint64 member, const QByteArray &frame);

    // A guest who registered: its person now stands for the account, and the store hands the
    // guest's messages to the account in order with the traffic around it (those still on
    // their way to it included).
    void promote(qint64 member, const QString &identity);
    // A password change: every connection of identity but except is closed (its revoke), and
    // a sign-in whose credentials were checked before this cannot join. Any thread (the store
    // thread calls it in the same step that commits the change).
    void revoke(const QString &identity, qint64 except);
    // A counter that revoke() raises: read it before checking credentials (Newcomer::checkedAt).
    qint64 revocations() const;

    // Moderation (the Moderator decides; these only do it, each in the room's order).
    // Who is online under name: the person, the rooms (keys) it is in, and the addresses of its
    // connections.
    struct Online
    {
        QString name;
        QString identity;
        QStringList rooms;
        QList<QHostAddress> addresses;
    };
    std::optional<Online> online(const QString &name) const;
    // A room by key as everyone may know it: its name, its owner's identity, whether private.
    struct RoomInfo
    {
        QString name;
        QString owner;
        bool isPrivate = false;
    };
    std::optional<RoomInfo> roomInfo(const QString &room) const;
    // Puts every connection of identity out: each gets notice, then bye with reason, and its
    // person leaves with that reason. How many connections it had.
    int dismiss(const QString &identity, const QJsonObject &notice, const QString &reason);
    // The same for every connection whose address covered() says yes (an address ban).
    int dismissAddresses(const std::function<bool(const QHostAddress &)> &covered,
        const QJsonObject &notice, const QString &reason);
    // notice to the people in each of rooms (keys), with "room" set to the room's name; alsoTo
    // (an identity) gets each once even if it is not in the room.
    void noticeRooms(const QStringList &rooms, const QJsonObject &notice, const QString &alsoTo);
    // notice to every connection of identity (nothing if it is not online).
    void noticePerson(const QString &identity, const QJsonObject &notice);
    // Takes identity out of room (a key), online or not (an account's membership is stored):
    // its people, and identity's connections, get left with reason and then notice ("room"
    // set), alsoTo once as for noticeRooms. NotMember if it was not in the room.
    Protocol::ErrorCode removeFromRoom(const QString &room, const QString &identity,
        const QString &reason, const QJsonObject &notice, const QString &alsoTo);
    // The greeting moderators set (the motd frame), which later welcomes carry instead of the
    // server's own (--motd) until it is set empty again; "{name}" becomes the newcomer's name.
    void setMotdOverride(const QString &motd);

    QStringList users() const;
    int userCount() const;
    // Events queued for the store thread's next batch (the metrics' queue depth).
    qsizetype waitingForStore() const;
    qint64 lastId() const;

    // Queues a presence frame (or a few, for many names) for each room whose joins and
    // departures waited since the last call; each comes in the room's order like a joined. The
    // server calls it every ServerConfig::presenceIntervalMs; when nothing waits it costs a lock.
    void flushPresence();

    // Stops all traffic for a shutdown: what waits in flushPresence() goes first, then joins
    // fail and leaves are no longer announced.
    void close();
    // Cluster mode, set before the store is attached: a message takes its id from the store as
    // it is committed (so that ids are one order across every server on the database), and is
    // delivered from there, through deliverStored(), like those the other servers posted.
    void setSequencedByStore(bool sequenced);

    // StorePipeline, for the store thread.
    void restore(qint64 lastId, const QList<StoredMessage> &withCid,
        const QList<MessageStore::Room> &rooms) override;
    void attach(std::function<void()> wake) override;
    Batch takeBatch() override;
    void deliverBatch(const QList<MessageStore::Page> &pages) override;
    QList<qint64> deliverStored(const QList<StoredMessage> &messages) override;
    std::optional<QByteArray> presenceSnapshot(const QString &node, bool force) override;
    void applyPresence(const QByteArray &snapshot, const QString &ownNode, qint64 nowMs) override;
    void expirePresence(qint64 nowMs) override;
    void applyRoomChanges(const QList<RoomChange> &changes) override;
    void settleCreations(
        const QStringList &made, const QList<MessageStore::Room> &madeElsewhere) override;
    void announce(const QByteArray &frame) override;

    // How many cids are remembered to recognise a retried send (SentCids).
    static constexpr int CidsPerSender = SentCids::PerSender;
    static constexpr int OfflineCids = SentCids::OfflinePerSender;
    static constexpr int OfflineWindows = SentCids::OfflineSenders;
    // Rooms there may be on the server; joining or making another is too_many_rooms.
    static constexpr int MaxRooms = 10000;

private:
    // A reply that needs the store: what to read, and how to turn the page into frames.
    struct Read
    {
        enum class Kind { Welcome, History, Resend, Room };
        Kind kind = Kind::History;
        std::optional<MessageStore::Query> query;
        QJsonObject welcome; // Kind::Welcome, Kind::Room: the frame, to be given unread counts
        std::optional<qint64> since; // Kind::Welcome: what the client asked to resume from
        // Kind::History: what the request named ({"room": R} or {"with": N}), repeated in the
        // answer so a client with several requests out knows which conversation a page is for.
        QJsonObject about;
    };
    struct Event
    {
        qint64 seq = 0; // the room's order of events
        QList<QByteArray> frames; // encoded once, shared by every recipient
        qint64 toMember = 0; // set: only this membership
        QString to; // set: only the connections of this identity ...
        QString alsoTo; // ... and of this one (a private message's sender)
        std::optional<StoredMessage> message; // stored before it is delivered
        std::optional<Read> read;
        std::optional<Transfer> transfer; // stored in order with the messages
        QString room; // set: only the connections of people in this room (and alsoTo's)
        QList<RoomChange> roomChanges; // stored in order with the messages
    };
    struct Person
    {
        QString name;
        QString identity;
        QString formerIdentity; // a registered guest's, for what was addressed to it before
        QList<qint64> members; // its connections, oldest first
        // The keys of the rooms it is in, each with the sequence number it entered at: it gets
        // a room's events sequenced after that only.
        // (A map: most people are in a room or two, and a hash reserves room for dozens.)
        QMap<QString, qint64> rooms;
    };
    struct Member
    {
        QString key; // its person's
        Outbox *outbox = nullptr;
        qint64 joinSeq = 0; // receives only events after this
        std::function<void()> revoke;
        mutable qsizetype share = -1; // deliverLocked's, during a batch
        QHostAddress address;
        std::function<void(const QJsonObject &, const QString &)> dismiss;
    };
    // A membership in a room, as deliverLocked walks it.
    struct Seat
    {
        const Member *member = nullptr; // valid until m_members changes (m_seats is cleared)
        qint64 enteredAt = 0; // its person gets the room's events sequenced after this
    };
    static Event bytesEvent(const QByteArray &frame); // frame encoded already
    static Event frameEvent(const QJsonObject &frame);
    // frame for the people in room (a key).
    static Event roomEvent(const QJsonObject &frame, const QString &room);
    static Event readEvent(Read read);
    static QString key(const QString &name) { return name.toCaseFolded(); }
    static QList<QByteArray> answer(const Read &read, const MessageStore::Page &page);
    static QList<QByteArray> failedAnswer(const Read &read);
    // A welcome's rooms, or a room frame, with how much of each is unread.
    static QJsonObject withUnread(QJsonObject frame, const QHash<QString, int> &unread);
    // The room frame for member, with its unread count (from the store, for an account).
    void queueRoomLocked(qint64 member, const Person &person, const QJsonObject &frame);
    QStringList usersLocked() const;
    // Everyone online, on this server and (cluster mode) the others, each person once.
    int userCountLocked() const;
    // Who is online, or in which rooms, changed here: seats are listed again, and the cluster's
    // other servers hear of it.
    void peopleChangedLocked();
    // Tells the rooms here who came to or went from the cluster's other servers.
    void announceRemoteLocked(const RemotePeople::Change &change);
    // The names of the people online in room, in order.
    QStringList roomMembersLocked(const QString &room) const;
    // Puts person in room (keeping it, for an account) with changes, and tells the room.
    void enterLocked(Person &person, const QString &room, Event changes);
    // Tells room's people (and alsoTo's connections) that person came (joined) or went (left,
    // with reason): at once in a small room, in the next presence frame in a big one. Call it
    // once m_roomSizes counts the change.
    void announceLocked(const Person &person, const QString &room, const QString &reason = {},
        const QString &alsoTo = {});
    // The presence frames for what waited in one room, queued now.
    void queuePresenceLocked(const PresenceBatch::Change &change);
    // flushPresence(); nothing past the presence limit.
    void flushPresenceLocked();
    void queueAllPresenceLocked();
    // Someone is no longer in room (a key): m_roomSizes counts one fewer.
    void leftRoomLocked(const QString &room);
    const Person *personLocked(qint64 member) const;
    // The room as person may know it: nothing if there is none, or if it is private and person
    // is not in it (so its existence does not leak through no_such_room and not_member).
    const RoomDirectory::Room *roomForLocked(const Person &person, const QString &key) const;
    Posted postLocked(qint64 member, StoredMessage message, const QString &to,
        const std::optional<Offline> &offline);
    // The event that delivers a message with its id: to its room's people, or to the two
    // identities of a private one; and always to its sender, as its acknowledgement.
    static Event messageEvent(const StoredMessage &message);
    // Queues event for that membership alone (if it is still one).
    void queueForLocked(qint64 member, Event event);
    void queueLocked(Event event);
    // Delivers events, in order, to the memberships each is for.
    void deliverLocked(const QList<Event> &events);
    // The person online under identity (or under it as a guest, before registering).
    const Person *personOfIdentityLocked(const QString &identity) const;
    // The room's seats (a key), listed again after any change of who is online or where.
    const std::vector<Seat> &seatsLocked(const QString &room);

    mutable std::mutex m_mutex;
    QMap<QString, Person> m_people; // keyed by case-folded name, so in the users' order
    QHash<QString, QString> m_identityKeys; // identity -> its person's key
    QHash<qint64, Member> m_members;
    QHash<QString, std::vector<Seat>> m_seats; // by room; cleared whenever people or rooms change
    QString m_motd;
    QString m_motdOverride; // set: welcomes carry it instead of m_motd
    const int m_presenceLimit;
    const int m_presenceBatch;
    QHash<QString, qsizetype> m_roomSizes; // room key -> people in it (absent: none)
    PresenceBatch m_presence; // what waits for flushPresence()
    qint64 m_lastId = 0;
    qint64 m_lastSeq = 0;
    qint64 m_lastMember = 0;
    std::function<void()> m_wake; // set: events wait in m_pending
    QList<Event> m_pending;
    bool m_sequencedByStore = false;
    RemotePeople m_remote; // cluster mode: who is online on the other servers
    qint64 m_peopleVersion = 0; // counts changes of who is online here, or where
    qint64 m_publishedVersion = -1; // the one presenceSnapshot() last gave
    QList<StoredMessage> m_unsequenced; // posted, waiting for the store to give them ids
    // Their cids (and those of the store's batch in flight), by sender identity: a retry that
    // comes before the first is stored is not posted twice.
    QHash<QString, QSet<QString>> m_unsequencedCids;
    // Cluster mode: rooms made here and not yet stored. Until they are, no other server's
    // message in a room of that name is delivered here: if one made it first (its private room,
    // say), this server's is not that room.
    QSet<QString> m_unconfirmedRooms;
    QList<Event> m_inFlight; // taken by the store thread, not yet delivered
    SentCids m_cids;
    RoomDirectory m_directory;
    qint64 m_revocations = 0;
    QHash<QString, qint64> m_revokedAt; // identity -> m_revocations when it was last revoked
    bool m_closed = false;
};

#pragma once

#include "accountstore.h"
#include "leaderboard.h"
#include "moderationstore.h"
#include "storedmessage.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <variant>

class QSqlQuery;
class SqlBackend;

// The database behind the history, the leaderboard and the accounts, through Qt Sql: an SQLite
// file by default, or PostgreSQL (SqlBackend says how each is reached and set up; the queries are
// the same). Like every Qt Sql connection it is used only in the thread that opened it (the
// server's StoreWorker; tests use it directly).
//
// An SQLite database runs in WAL mode. With synchronous=NORMAL (the default) a committed batch
// survives a crash of the server process; a power cut or kernel crash can undo the batches
// committed since the last checkpoint. With fullSync (synchronous=FULL) every commit is on disk
// before it returns, so nothing committed is ever lost.
class MessageStore
{
public:
    // Version 1: messages and meta; 2: the sender's cid, and the leaderboard; 3: indexes that
    // let history() read only the messages its viewer may see; 4: accounts and their sign-in
    // tokens; 5: messages belong to identities (accounts or guest sessions), not names, and
    // private messages to an offline account wait for it; 6: rooms, their members, and the room
    // of each message; 7: accounts' roles, and the bans and mutes in force.
    static constexpr int SchemaVersion = 7;

    struct Options
    {
        // A file, ":memory:" for a database that lives as long as the store, or a PostgreSQL URL
        // (postgresql://user@host/database).
        QString location;
        bool fullSync = false;
        // SQLite only: lets the file grow by at most this many pages past what it holds once
        // opened (0: no cap). SQLite then fails writes exactly as on a full disk, which is how
        // tests make one.
        qint64 maxPageCount = 0;
        // The server's own (the default): no other server may open it while this one has it.
        // A command run beside a running server (natter-server --grant) opens it shared.
        bool exclusive = true;
    };

    // Opens (creating it if needed) and upgrades the schema; the error says what is wrong in
    // words an operator can act on.
    static std::variant<std::unique_ptr<MessageStore>, QString> open(const Options &options);
    ~MessageStore();

    MessageStore(const MessageStore &) = delete;
    MessageStore &operator=(const MessageStore &) = delete;

    // A guest who registered: its messages become the account's (rewrites both identities).
    struct Transfer
    {
        QString from;
        QString to;
    };
    // A room made, an account joining, leaving or invited to one, or a new topic.
    struct RoomChange
    {
        enum class Kind { Create, Join, Part, Invite, Topic, Read };
        Kind kind = Kind::Join;
        QString room; // its key
        QString name; // Create: as it is spelt; Join, Part, Invite, Read: the account's identity
        QString topic; // Create, Topic
        bool isPrivate = false; // Create
        QString owner; // Create: the identity of whoever made it
        qint64 id = 0; // Read: the newest message id read
        QString by = {}; // Topic, Invite: who did it, for the notices of a cluster's servers

        static RoomChange created(const QString &room, const QString &name, const QString &topic,
            bool isPrivate, const QString &owner)
        {
            return {Kind::Create, room, name, topic, isPrivate, owner, 0, {}};
        }
        static RoomChange of(Kind kind, const QString &room, const QString &identity)
        {
            return {kind, room, identity, {}, false, {}, 0, {}};
        }
        static RoomChange newTopic(const QString &room, const QString &topic, const QString &by)
        {
            return {Kind::Topic, room, {}, topic, false, {}, 0, by};
        }
        static RoomChange readUpTo(const QString &room, const QString &identity, qint64 id)
        {
            return {Kind::Read, room, identity, {}, false, {}, id, {}};
        }
    };
    // Writes everything in one transaction, the transfers and room changes after the messages:
    // all of it is stored, or (false) none of it.
    bool write(const QList<StoredMessage> &messages, const QList<Leaderboard::Entry> &scores,
        const QList<Transfer> &transfers = {}, const QList<RoomChange> &roomChanges = {});
    // Cluster mode: like write(), but the messages get their ids here, after every id any
    // server on the database has committed. The transaction holds the database's sequence lock
    // from reading the last id to its commit, so ids are committed in their order: whoever sees
    // an id committed can read every id below it. The messages with their ids, or nothing if none
    // of it was stored.
    // Ids start above floor whatever the database says (the newest id this server delivered).
    std::optional<QList<StoredMessage>> writeSequenced(QList<StoredMessage> messages,
        const QList<Leaderboard::Entry> &scores, const QList<Transfer> &transfers,
        const QList<RoomChange> &roomChanges, qint64 floor = 0);
    // The rooms (keys) the last write's Create changes did not make, since a room of that name
    // was there already (made by another of a cluster's servers).
    QStringList lostCreations() const { return m_lostCreations; }
    // Every message after id, in id order, at most limit (to whomever it was sent, with its
    // undelivered flag); nothing if the database could not be read.
    std::optional<QList<StoredMessage>> messagesAfter(qint64 id, int limit) const;
    // Deletes, oldest first, at most limit messages written before olderThanMs (0: any age) or
    // not among the newest keepNewest (0: all of them are): both limits apply. The newest message
    // is never deleted, so that ids go on from it. How many were deleted, or nothing on failure.
    std::optional<int> pruneMessages(qint64 olderThanMs, qint64 keepNewest, int limit);
    // Private messages that waited for an account, delivered after all (cluster mode: to it,
    // online on this server).
    bool markDelivered(const QList<qint64> &ids);
    // Opens the connection again if the database dropped it (a restart of PostgreSQL); false if
    // it is still not there.
    bool ensureConnected();

    struct Room
    {
        QString name;
        QString topic;
        QStringList members; // accounts' identities
        bool isPrivate = false;
        QString owner; // an identity; empty for general and rooms made before owners
        QStringList invited; // accounts invited and not joined yet
    };
    // Every room, general first.
    QList<Room> rooms() const;
    QString lastError() const { return m_lastError; }
    bool isPostgres() const;

    // The newest message's id (0: none yet); nothing if it cannot be read.
    std::optional<qint64> lastId() const;
    // The newest id committed, as noted beside the database at each commit (0: none noted).
    // Above lastId(), the database lost commits that clients may have seen (a damaged -wal):
    // ids must go on from here, not from lastId(), or they would be handed out twice.
    qint64 issuedIdFloor() const;

    struct Query
    {
        // An identity ("a:12", "g:..."): sees messages to everyone and private messages to or
        // from it.
        QString viewer;
        qint64 after = 0; // ids greater than this ...
        qint64 before = std::numeric_limits<qint64>::max(); // ... and less than this
        int limit = Protocol::DefaultHistoryPage;
        bool newest = true; // the newest `limit` in the range, else the oldest
        // read() only: also hand over the private messages waiting for viewer since it was
        // offline (any before `before`, in id order with the page; those in the gap of a page
        // with `more` are left to paging), and mark them delivered.
        bool takeUndelivered = false;
        // The rooms whose messages it sees, by key; and whether its private messages too.
        QStringList rooms = {QString::fromLatin1(Protocol::DefaultRoom)};
        bool privateMessages = true;
        // read() only: count what viewer has not read in each of rooms (Page::unread).
        bool countUnread = false;
        // Set: of the private messages, only those between viewer and this identity.
        QString with = {};
        // Only viewer's own messages, in any room or conversation (a retried send's copy).
        bool ownOnly = false;
    };
    struct Page
    {
        QList<StoredMessage> messages; // in id order
        bool more = false; // the range holds more than `limit`
        QHash<QString, int> unread; // by room key, when the query asked
        // The database could not be read (a damaged file, a lost connection): the page is not
        // what the range holds, and must not be shown as if it were.
        bool failed = false;
    };
    Page history(const Query &query) const;
    // history(query) (nothing for a limit of 0), with the undelivered messages if it asks.
    Page read(const Query &query);
    // How SQLite runs history(query), one EXPLAIN QUERY PLAN line each: lets tests prove that
    // no step walks past messages the viewer may not see.
    QStringList historyPlan(const Query &query) const;

    // The newest `count` messages that carried a cid and a sender identity, oldest first.
    QList<StoredMessage> recentWithCid(int count) const;
    // Messages to each of rooms after viewer's read marker, its own not counted; a room without
    // a marker counts as read.
    // Only ids below before count: what comes later arrives live.
    QHash<QString, int> unread(
        const QString &viewer, const QStringList &rooms, qint64 before) const;
    // The accounts' best results; a guest's are never stored.
    QList<Leaderboard::Entry> scores() const;
    // One transfer, in a transaction of its own.
    bool transferIdentity(const QString &from, const QString &to);

    // Accounts. A name is an account's whatever its case (names are ASCII). The store keeps
    // only what cannot be turned back into a secret: the Argon2id string made from the password
    // elsewhere, and the SHA-256 digest of each sign-in token, so a copy of the file signs
    // nobody in. None of these logs a hash or a digest.
    // The accounts and their sign-in tokens, in the same database.
    AccountStore &accounts() { return m_accounts; }
    const AccountStore &accounts() const { return m_accounts; }
    // The bans and mutes in force, and the greeting moderators set, in the same database.
    ModerationStore &moderation() { return m_moderation; }

private:
    MessageStore(QString connectionName, std::unique_ptr<SqlBackend> backend);
    std::optional<QString> migrate();
    bool write(QList<StoredMessage> &messages, const QList<Leaderboard::Entry> &scores,
        const QList<Transfer> &transfers, const QList<RoomChange> &roomChanges, bool sequence);
    // In the caller's transaction.
    bool transferLocked(const Transfer &transfer);
    bool changeRoomLocked(const RoomChange &change);

    const QString m_connectionName;
    mutable QString m_lastError;
    // The statements run with every batch, prepared once (PostgreSQL parses and plans each
    // PREPARE: a round trip each time would cost more than the insert).
    QSqlQuery &prepared(const QString &sql) const;

    const std::unique_ptr<SqlBackend> m_backend;
    bool m_fullSync = false;
    mutable std::map<QString, std::unique_ptr<QSqlQuery>> m_prepared;
    QStringList m_lostCreations;
    qint64 m_sequenceFloor = 0;
    AccountStore m_accounts{m_connectionName, *m_backend};
    ModerationStore m_moderation{m_connectionName};
};

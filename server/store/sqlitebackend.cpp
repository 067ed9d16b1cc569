#include "sqlitebackend.h"

#include "storelog.h"

#include <QDir>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

// Each step takes the schema to its version from the one before; a new version only ever appends
// a step, so any older database is brought up to date by running the steps it has not seen.
const QList<SqlBackend::Migration> &SqliteBackend::migrations() const
{
    static const QList<Migration> steps{
        {
            1,
            {
                u"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"_s,
                u"CREATE TABLE messages (id INTEGER PRIMARY KEY, sender TEXT NOT NULL, "
                "recipient TEXT, text TEXT NOT NULL, ts INTEGER NOT NULL)"_s,
            },
        },
        {
            2,
            {
                u"ALTER TABLE messages ADD COLUMN cid TEXT"_s,
                u"CREATE TABLE scores (name_key TEXT PRIMARY KEY, name TEXT NOT NULL, "
                "score REAL NOT NULL, seconds REAL NOT NULL, right_answers INTEGER NOT NULL, "
                "wrong_answers INTEGER NOT NULL, ts INTEGER NOT NULL)"_s,
            },
        },
        {
            3,
            {
                // What history() reads instead of every message in its id range: the public
                // messages, and the private ones by each participant's name. The expressions must
                // be the query's own, lower() included, for SQLite to pick these indexes; being
                // indexes, they cover the rows written before this step as well as every later one.
                u"CREATE INDEX messages_public ON messages (id) WHERE recipient IS NULL"_s,
                u"CREATE INDEX messages_from ON messages (lower(sender), id) "
                "WHERE recipient IS NOT NULL"_s,
                u"CREATE INDEX messages_to ON messages (lower(recipient), id) "
                "WHERE recipient IS NOT NULL"_s,
            },
        },
        {
            4,
            {
                // name_key is the case-folded name, as in scores, so that one name in any case is
                // one account. A token is kept only as its digest, the key it is looked up by.
                u"CREATE TABLE accounts (id INTEGER PRIMARY KEY, name_key TEXT NOT NULL UNIQUE, "
                "name TEXT NOT NULL, password_hash TEXT NOT NULL, created INTEGER NOT NULL)"_s,
                u"CREATE TABLE tokens (digest BLOB PRIMARY KEY, account INTEGER NOT NULL "
                "REFERENCES accounts(id) ON DELETE CASCADE, peer TEXT NOT NULL, "
                "created INTEGER NOT NULL, last_used INTEGER NOT NULL)"_s,
                // What revokeOtherTokens() finds an account's tokens by.
                u"CREATE INDEX tokens_account ON tokens (account)"_s,
            },
        },
        {
            5,
            {
                // A name no longer says whose a private message is: a later guest may take the
                // name. Private messages written before this step have no identities and are
                // read by nobody (the README says so); the name indexes go with them.
                u"ALTER TABLE messages ADD COLUMN sender_identity TEXT"_s,
                u"ALTER TABLE messages ADD COLUMN recipient_identity TEXT"_s,
                u"ALTER TABLE messages ADD COLUMN undelivered INTEGER"_s,
                u"DROP INDEX messages_from"_s, u"DROP INDEX messages_to"_s,
                u"CREATE INDEX messages_from ON messages (sender_identity, id) "
                "WHERE recipient IS NOT NULL"_s,
                u"CREATE INDEX messages_to ON messages (recipient_identity, id) "
                "WHERE recipient IS NOT NULL"_s,
                u"CREATE INDEX messages_undelivered ON messages (recipient_identity, id) "
                "WHERE undelivered IS NOT NULL"_s,
                // Scores are kept by account ("a:12" as the key) from now on; a key without the
                // prefix is a name from before accounts, and is no longer read.
            },
        },
        {
            6,
            {
                // Rooms. Every message to everyone so far was said in general, and every account
                // is in it; a room's members are kept for accounts (a guest's last a session).
                u"CREATE TABLE rooms (name_key TEXT PRIMARY KEY, name TEXT NOT NULL, "
                "topic TEXT NOT NULL DEFAULT '', private INTEGER NOT NULL DEFAULT 0, owner TEXT, "
                "created INTEGER NOT NULL)"_s,
                u"INSERT INTO rooms (name_key, name, created) VALUES ('general', 'general', 0)"_s,
                u"CREATE TABLE room_members (room TEXT NOT NULL REFERENCES rooms(name_key), "
                "identity TEXT NOT NULL, PRIMARY KEY (room, identity))"_s,
                u"INSERT INTO room_members (room, identity) SELECT 'general', 'a:' || id "
                "FROM accounts"_s,
                u"CREATE TABLE room_invites (room TEXT NOT NULL REFERENCES rooms(name_key), "
                "identity TEXT NOT NULL, PRIMARY KEY (room, identity))"_s,
                // How far each account has read in each room; what came before accounts counts as
                // read.
                u"CREATE TABLE read_markers (identity TEXT NOT NULL, room TEXT NOT NULL, "
                "last_read INTEGER NOT NULL, PRIMARY KEY (identity, room))"_s,
                u"INSERT INTO read_markers (identity, room, last_read) SELECT 'a:' || id, "
                u"'general', "
                "(SELECT coalesce(max(id), 0) FROM messages) FROM accounts"_s,
                u"ALTER TABLE messages ADD COLUMN room TEXT"_s,
                u"UPDATE messages SET room = 'general' WHERE recipient IS NULL"_s,
                u"DROP INDEX messages_public"_s,
                u"CREATE INDEX messages_room ON messages (room, id) WHERE recipient IS NULL"_s,
            },
        },
        {
            7,
            {
                // Moderation: an account's role (NULL: none), and the bans and mutes in force. A
                // ban's target is an identity ("a:12"; a guest's "g:..." lasts its session) or,
                // for an address ban, a subnet in CIDR form; room is the room's key for a ban
                // from one room, '' otherwise, so that one kind, target and room is one ban.
                // until_ms NULL: for good.
                u"ALTER TABLE accounts ADD COLUMN role TEXT"_s,
                u"CREATE TABLE bans (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, "
                "target TEXT NOT NULL, room TEXT NOT NULL DEFAULT '', "
                "name TEXT NOT NULL DEFAULT '', until_ms INTEGER, by_name TEXT NOT NULL, "
                "reason TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL)"_s,
                u"CREATE UNIQUE INDEX bans_target ON bans (kind, target, room)"_s,
            },
        },
    };
    return steps;
}

SqliteBackend::SqliteBackend(QString path, bool exclusive)
    : m_path(std::move(path))
    , m_exclusive(exclusive)
{
}

SqliteBackend::~SqliteBackend() = default;

QString SqliteBackend::damagedAdvice() const
{
    return u"Stop the server and restore %1 from a backup (natter-server --backup makes one), "
           "or save what it still holds with: sqlite3 %1 .recover | sqlite3 recovered.db"_s.arg(
               m_path);
}

std::optional<QString> SqliteBackend::lock()
{
    m_lock = std::make_unique<QLockFile>(m_path + ".lock"_L1);
    // Only a lock whose process is gone is stale, however long the server has been running.
    m_lock->setStaleLockTime(0);
    if (m_lock->tryLock(0)) {
        return std::nullopt;
    }
    if (m_lock->error() == QLockFile::LockFailedError) {
        qint64 pid = 0;
        QString host;
        QString application;
        m_lock->getLockInfo(&pid, &host, &application);
        return u"the database %1 is in use by another natter-server (process %2 on %3). One "
               "server per database file: stop that one first, or give this one another --db."_s
                   .arg(m_path)
                   .arg(pid)
                   .arg(host);
    }
    return u"cannot create the lock file %1.lock next to the database"_s.arg(m_path);
}

std::optional<QString> SqliteBackend::open(const QString &connectionName)
{
    if (m_path != ":memory:"_L1) {
        const QFileInfo file(m_path);
        if (!QDir().mkpath(file.absolutePath())) {
            return u"cannot create the directory %1 for the database %2"_s.arg(
                file.absolutePath(), m_path);
        }
        if (file.isDir()) {
            return u"the database %1 is a directory"_s.arg(m_path);
        }
        // SQLite would take an empty file for a new database; but ours are never empty, so it is
        // a copy or a restore that went wrong, and starting afresh would hide that.
        if (file.exists() && file.size() == 0) {
            return u"the database %1 is an empty file: a copy or restore that failed? Restore it "
                   "from a backup, or delete it to start a new, empty history."_s.arg(m_path);
        }
        if (m_exclusive) {
            if (const auto error = lock()) {
                return error;
            }
        }
    }
    QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, connectionName);
    db.setDatabaseName(m_path);
    db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=5000"_s);
    if (!db.open()) {
        return u"cannot open the database %1: %2"_s.arg(m_path, storeErrorText(db.lastError()));
    }
    return std::nullopt;
}

std::variant<int, QString> SqliteBackend::schemaVersion(QSqlDatabase db) const
{
    QSqlQuery query(db);
    // The first read of the file is where SQLite finds out that it is no database at all.
    if (!query.exec(u"PRAGMA user_version"_s) || !query.next()) {
        return u"%1 is not a Natter database, or it is damaged: %2"_s.arg(
            m_path, storeErrorText(query.lastError()));
    }
    return query.value(0).toInt();
}

void SqliteBackend::recordIssuedId(qint64 id)
{
    if (!m_exclusive || m_path == ":memory:"_L1) {
        return;
    }
    if (!m_issued) {
        m_issued = std::make_unique<QFile>(m_path + ".ids"_L1);
        if (!m_issued->open(QIODevice::ReadWrite | QIODevice::Unbuffered)) {
            qCWarning(lcStore).noquote() << "cannot note the ids handed out in"
                                         << m_issued->fileName() << m_issued->errorString();
            return;
        }
    }
    // A fixed width, so that a shorter number never leaves the end of a longer one behind.
    const QByteArray text = QByteArray::number(id).rightJustified(20, '0') + '\n';
    if (!m_issued->seek(0) || m_issued->write(text) != text.size()) {
        qCWarning(lcStore).noquote() << "cannot note the ids handed out in" << m_issued->fileName()
                                     << m_issued->errorString();
    }
}

qint64 SqliteBackend::issuedIdFloor() const
{
    QFile file(m_path + ".ids"_L1);
    if (m_path == ":memory:"_L1 || !file.open(QIODevice::ReadOnly)) {
        return 0;
    }
    return file.readLine().trimmed().toLongLong();
}

std::optional<QString> SqliteBackend::checkIntegrity(QSqlDatabase db) const
{
    if (m_path == ":memory:"_L1) {
        return std::nullopt;
    }
    // integrity_check also compares every index with its table, which costs a sort per index;
    // quick_check reads every page once, which is what finds a damaged one. Both stop at 100
    // problems.
    constexpr qint64 SmallFileBytes = 64 * 1024 * 1024;
    const QString check = QFileInfo(m_path).size() <= SmallFileBytes ? u"PRAGMA integrity_check"_s
                                                                     : u"PRAGMA quick_check"_s;
    QSqlQuery query(db);
    if (!query.exec(check)) {
        return u"the database %1 is damaged (%2). %3"_s.arg(
            m_path, storeErrorText(query.lastError()), damagedAdvice());
    }
    QStringList problems;
    while (query.next()) {
        problems.append(query.value(0).toString());
    }
    if (query.lastError().isValid()) {
        problems.append(storeErrorText(query.lastError()));
    }
    if (problems == QStringList{u"ok"_s}) {
        return std::nullopt;
    }
    return u"the database %1 is damaged (%2 problem%3; the first: %4). %5"_s.arg(m_path)
        .arg(problems.size())
        .arg(problems.size() == 1 ? ""_L1 : "s"_L1)
        .arg(problems.value(0), damagedAdvice());
}

std::optional<QString> SqliteBackend::configure(QSqlDatabase db, bool fullSync)
{
    QSqlQuery query(db);
    const QStringList pragmas{
        u"PRAGMA journal_mode = WAL"_s,
        fullSync ? u"PRAGMA synchronous = FULL"_s : u"PRAGMA synchronous = NORMAL"_s,
        // SQLite enforces REFERENCES (a token's account) only when asked, per connection.
        u"PRAGMA foreign_keys = ON"_s,
    };
    for (const QString &pragma : pragmas) {
        if (!query.exec(pragma)) {
            return storeErrorText(query.lastError());
        }
    }
    return std::nullopt;
}

std::optional<QString> SqliteBackend::capGrowth(QSqlDatabase db, qint64 pages)
{
    QSqlQuery query(db);
    const qint64 used
        = query.exec(u"PRAGMA page_count"_s) && query.next() ? query.value(0).toLongLong() : -1;
    if (used < 0 || !query.exec(u"PRAGMA max_page_count = %1"_s.arg(used + pages))) {
        return storeErrorText(query.lastError());
    }
    return std::nullopt;
}

QString SqliteBackend::recordSchemaVersion(int version) const
{
    return u"PRAGMA user_version = %1"_s.arg(version);
}

QString SqliteBackend::explainPrefix() const
{
    return u"EXPLAIN QUERY PLAN "_s;
}

QString SqliteBackend::bytesType() const
{
    return u"BLOB"_s;
}

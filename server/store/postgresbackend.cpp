#include "postgresbackend.h"

#include "storelog.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QUrlQuery>

using namespace Qt::StringLiterals;

PostgresBackend::PostgresBackend(const QString &url)
    : m_url(url)
{
}

std::optional<QString> PostgresBackend::open(const QString &connectionName)
{
    const QString shown = m_url.toString(QUrl::RemovePassword | QUrl::RemoveQuery);
    if (!m_url.isValid() || m_url.path().size() < 2) {
        return u"%1 is not a PostgreSQL URL like postgresql://user@host:5432/natter"_s.arg(shown);
    }
    QSqlDatabase db = QSqlDatabase::addDatabase(u"QPSQL"_s, connectionName);
    if (!db.isValid()) {
        return u"cannot use the database %1: Qt's PostgreSQL driver is not installed (Debian: "
               "libqt6sql6-psql)"_s.arg(shown);
    }
    db.setHostName(m_url.host());
    db.setPort(m_url.port(-1));
    db.setUserName(m_url.userName());
    db.setPassword(m_url.password());
    db.setDatabaseName(m_url.path().mid(1));
    // libpq's own options ride in the query (sslmode=require, ...); a server that does not
    // answer must not hold up the start for long.
    QStringList options{u"connect_timeout=10"_s, u"application_name=natter-server"_s};
    const QUrlQuery query(m_url);
    for (const auto &[key, value] : query.queryItems(QUrl::FullyDecoded)) {
        options.append(key + u'=' + value);
    }
    db.setConnectOptions(options.join(u';'));
    if (!db.open()) {
        return u"cannot open the database %1: %2"_s.arg(shown, storeErrorText(db.lastError()));
    }
    return std::nullopt;
}

std::optional<QString> PostgresBackend::configure(QSqlDatabase db, bool fullSync)
{
    // As --db-sync says for an SQLite file. normal: a commit returns once PostgreSQL has it, so a
    // crash of natter-server loses nothing, and a crash of the database's machine may lose its
    // last fraction of a second (PostgreSQL's asynchronous commit, which never corrupts). full:
    // a commit returns once it is on disk.
    QSqlQuery query(db);
    for (const QString &statement :
        {fullSync ? u"SET synchronous_commit = on"_s : u"SET synchronous_commit = off"_s,
            u"SET client_min_messages = warning"_s,
            // writeSequenced reads the last id after taking the sequence lock: it must see what
            // committed while it waited, whatever the database's default.
            u"SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED"_s}) {
        if (!query.exec(statement)) {
            return storeErrorText(query.lastError());
        }
    }
    return std::nullopt;
}

std::optional<QString> PostgresBackend::capGrowth(QSqlDatabase, qint64)
{
    return u"a cap on the database's size is for SQLite files only"_s;
}

std::variant<int, QString> PostgresBackend::schemaVersion(QSqlDatabase db) const
{
    const QString shown = m_url.toString(QUrl::RemovePassword | QUrl::RemoveQuery);
    QSqlQuery query(db);
    if (!query.exec(u"SELECT to_regclass('meta') IS NOT NULL, (SELECT count(*) FROM "
                    "information_schema.tables WHERE table_schema = current_schema())"_s)
        || !query.next()) {
        return u"cannot read the database %1: %2"_s.arg(shown, storeErrorText(query.lastError()));
    }
    if (!query.value(0).toBool()) {
        if (query.value(1).toLongLong() > 0) {
            return u"%1 holds tables but is not a Natter database: give natter-server a database "
                   "of its own"_s.arg(shown);
        }
        return 0;
    }
    if (!query.exec(u"SELECT value FROM meta WHERE key = 'schema_version'"_s) || !query.next()) {
        return u"%1 is not a Natter database, or it is damaged: no schema version"_s.arg(shown);
    }
    return query.value(0).toInt();
}

QStringList PostgresBackend::lockSchema() const
{
    // Held until the upgrade commits: a second node starting at the same time waits, then finds
    // the schema up to date.
    return {u"SELECT pg_advisory_xact_lock(hashtext('natter-schema'))"_s};
}

QStringList PostgresBackend::lockSequence() const
{
    return {u"SELECT pg_advisory_xact_lock(hashtext('natter-sequence'))"_s};
}

QString PostgresBackend::recordSchemaVersion(int version) const
{
    return u"INSERT INTO meta (key, value) VALUES ('schema_version', '%1') ON CONFLICT (key) "
           "DO UPDATE SET value = excluded.value"_s.arg(version);
}

// Version 6's schema in one step, the same tables and indexes as an SQLite file's after its
// first six; each later version is a step of its own, as for SQLite, so that a database made by
// an older server is brought up to date. Identities and keys compare bytewise (COLLATE "C"), as
// SQLite's do, so rooms sort the same on both.
const QList<SqlBackend::Migration> &PostgresBackend::migrations() const
{
    static const QList<Migration> steps{
        {
            6,
            {
                u"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"_s,
                u"CREATE TABLE messages (id BIGINT PRIMARY KEY, sender TEXT NOT NULL, "
                "recipient TEXT, text TEXT NOT NULL, ts BIGINT NOT NULL, cid TEXT, "
                "sender_identity TEXT COLLATE \"C\", recipient_identity TEXT COLLATE \"C\", "
                "undelivered INTEGER, room TEXT COLLATE \"C\")"_s,
                u"CREATE INDEX messages_from ON messages (sender_identity, id) "
                "WHERE recipient IS NOT NULL"_s,
                u"CREATE INDEX messages_to ON messages (recipient_identity, id) "
                "WHERE recipient IS NOT NULL"_s,
                u"CREATE INDEX messages_undelivered ON messages (recipient_identity, id) "
                "WHERE undelivered IS NOT NULL"_s,
                u"CREATE INDEX messages_room ON messages (room, id) WHERE recipient IS NULL"_s,
                u"CREATE TABLE scores (name_key TEXT COLLATE \"C\" PRIMARY KEY, "
                "name TEXT NOT NULL, score DOUBLE PRECISION NOT NULL, "
                "seconds DOUBLE PRECISION NOT NULL, right_answers INTEGER NOT NULL, "
                "wrong_answers INTEGER NOT NULL, ts BIGINT NOT NULL)"_s,
                u"CREATE TABLE accounts (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
                "name_key TEXT COLLATE \"C\" NOT NULL UNIQUE, name TEXT NOT NULL, "
                "password_hash TEXT NOT NULL, created BIGINT NOT NULL)"_s,
                u"CREATE TABLE tokens (digest BYTEA PRIMARY KEY, account BIGINT NOT NULL "
                "REFERENCES accounts(id) ON DELETE CASCADE, peer TEXT NOT NULL, "
                "created BIGINT NOT NULL, last_used BIGINT NOT NULL)"_s,
                u"CREATE INDEX tokens_account ON tokens (account)"_s,
                u"CREATE TABLE rooms (name_key TEXT COLLATE \"C\" PRIMARY KEY, "
                "name TEXT NOT NULL, topic TEXT NOT NULL DEFAULT '', "
                "private INTEGER NOT NULL DEFAULT 0, owner TEXT COLLATE \"C\", "
                "created BIGINT NOT NULL)"_s,
                u"INSERT INTO rooms (name_key, name, created) VALUES ('general', 'general', 0)"_s,
                u"CREATE TABLE room_members (room TEXT COLLATE \"C\" NOT NULL "
                "REFERENCES rooms(name_key), identity TEXT COLLATE \"C\" NOT NULL, "
                "PRIMARY KEY (room, identity))"_s,
                u"CREATE TABLE room_invites (room TEXT COLLATE \"C\" NOT NULL "
                "REFERENCES rooms(name_key), identity TEXT COLLATE \"C\" NOT NULL, "
                "PRIMARY KEY (room, identity))"_s,
                u"CREATE TABLE read_markers (identity TEXT COLLATE \"C\" NOT NULL, "
                "room TEXT COLLATE \"C\" NOT NULL, last_read BIGINT NOT NULL, "
                "PRIMARY KEY (identity, room))"_s,
            },
        },
        {
            7,
            {
                // Moderation, as SQLite's step 7 explains.
                u"ALTER TABLE accounts ADD COLUMN role TEXT"_s,
                u"CREATE TABLE bans (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
                "kind TEXT COLLATE \"C\" NOT NULL, target TEXT COLLATE \"C\" NOT NULL, "
                "room TEXT COLLATE \"C\" NOT NULL DEFAULT '', name TEXT NOT NULL DEFAULT '', "
                "until_ms BIGINT, by_name TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', "
                "created BIGINT NOT NULL)"_s,
                u"CREATE UNIQUE INDEX bans_target ON bans (kind, target, room)"_s,
            },
        },
    };
    return steps;
}

QString PostgresBackend::explainPrefix() const
{
    return u"EXPLAIN "_s;
}

QString PostgresBackend::bytesType() const
{
    return u"BYTEA"_s;
}

QString PostgresBackend::damagedAdvice() const
{
    return u"See the PostgreSQL server's log for the cause."_s;
}

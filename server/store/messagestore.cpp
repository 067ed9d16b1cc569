#include "messagestore.h"

#include "storelog.h"

#include <QAtomicInteger>
#include <QDir>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace {

// Each step takes the schema from version i to i + 1; a new version only ever appends a step,
// so any older database is brought up to date by running the steps it has not seen.
const QList<QStringList> &migrations()
{
    static const QList<QStringList> steps{
        {
            u"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"_s,
            u"CREATE TABLE messages (id INTEGER PRIMARY KEY, sender TEXT NOT NULL, "
            "recipient TEXT, text TEXT NOT NULL, ts INTEGER NOT NULL)"_s,
        },
        {
            u"ALTER TABLE messages ADD COLUMN cid TEXT"_s,
            u"CREATE TABLE scores (name_key TEXT PRIMARY KEY, name TEXT NOT NULL, "
            "score REAL NOT NULL, seconds REAL NOT NULL, right_answers INTEGER NOT NULL, "
            "wrong_answers INTEGER NOT NULL, ts INTEGER NOT NULL)"_s,
        },
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
    };
    return steps;
}

QString nextConnectionName()
{
    static QAtomicInteger<quint64> counter;
    return u"natter-store-%1"_s.arg(counter.fetchAndAddRelaxed(1));
}

QSqlDatabase database(const QString &connectionName)
{
    return QSqlDatabase::database(connectionName, false);
}

StoredMessage readMessage(const QSqlQuery &query)
{
    return {query.value(0).toLongLong(), query.value(1).toString(), query.value(2).toString(),
        query.value(3).toString(), query.value(4).toLongLong(), query.value(5).toString()};
}

// The columns readAccount() expects, in its order.
constexpr auto AccountColumns = "accounts.id, accounts.name, accounts.password_hash, "
                                "accounts.created"_L1;

MessageStore::Account readAccount(const QSqlQuery &query)
{
    return {query.value(0).toLongLong(), query.value(1).toString(),
        query.value(2).toString().toLatin1(), query.value(3).toLongLong()};
}

// Hashes are ASCII text in a TEXT column: bound as a QByteArray, SQLite would keep a BLOB.
QString hashText(const QByteArray &passwordHash)
{
    return QString::fromLatin1(passwordHash);
}

// The one check between a caller's mistake and a plain password in the file.
bool isArgon2idHash(const QByteArray &passwordHash)
{
    return passwordHash.startsWith("$argon2id$") && passwordHash.size() > 10;
}

bool isDigest(const QByteArray &digest)
{
    return digest.size() == 32; // SHA-256
}

// A viewer's history is three ranges of the schema 3 indexes: the public messages, the private
// ones it sent and those it received. Each stops after limit + 1 ids, the most a page can take
// from it, so a page costs the same however many other people's messages lie in between; only
// then are the rows themselves read, by id. A message to oneself is in two ranges, and IN
// counts it once.
bool prepareHistory(QSqlQuery &query, const MessageStore::Query &q, const QString &prefix)
{
    const QString order = q.newest ? u"DESC"_s : u"ASC"_s;
    const QString range = u"id > ? AND id < ? ORDER BY id %1 LIMIT ?"_s.arg(order);
    const QString sql = prefix
        + u"SELECT id, sender, recipient, text, ts, cid FROM messages WHERE id IN ("
          "SELECT id FROM (SELECT id FROM messages WHERE recipient IS NULL AND %1) "
          "UNION ALL SELECT id FROM (SELECT id FROM messages "
          "WHERE recipient IS NOT NULL AND lower(sender) = ? AND %1) "
          "UNION ALL SELECT id FROM (SELECT id FROM messages "
          "WHERE recipient IS NOT NULL AND lower(recipient) = ? AND %1)) "
          "ORDER BY id %2 LIMIT ?"_s.arg(range, order);
    if (!query.prepare(sql)) {
        return false;
    }
    const QString viewer = q.viewer.toCaseFolded(); // names are ASCII, as SQLite's lower() is
    const int rows = q.limit + 1; // one more than a page tells whether there is more
    const auto bindRange = [&] {
        query.addBindValue(q.after);
        query.addBindValue(q.before);
        query.addBindValue(rows);
    };
    bindRange();
    query.addBindValue(viewer);
    bindRange();
    query.addBindValue(viewer);
    bindRange();
    query.addBindValue(rows);
    return true;
}

} // namespace

MessageStore::MessageStore(QString connectionName)
    : m_connectionName(std::move(connectionName))
{
}

MessageStore::~MessageStore()
{
    database(m_connectionName).close();
    QSqlDatabase::removeDatabase(m_connectionName);
}

std::variant<std::unique_ptr<MessageStore>, QString> MessageStore::open(const Options &options)
{
    const bool inMemory = options.path == ":memory:"_L1;
    if (!inMemory) {
        const QFileInfo file(options.path);
        if (!QDir().mkpath(file.absolutePath())) {
            return u"cannot create the directory %1 for the database %2"_s.arg(
                file.absolutePath(), options.path);
        }
        if (file.isDir()) {
            return u"the database %1 is a directory"_s.arg(options.path);
        }
    }
    std::unique_ptr<MessageStore> store(new MessageStore(nextConnectionName()));
    QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, store->m_connectionName);
    db.setDatabaseName(options.path);
    db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=5000"_s);
    if (!db.open()) {
        return u"cannot open the database %1: %2"_s.arg(options.path, db.lastError().text());
    }

    QSqlQuery query(db);
    // The first read of the file is where SQLite finds out that it is no database at all.
    if (!query.exec(u"PRAGMA user_version"_s) || !query.next()) {
        return u"%1 is not a Natter database, or it is damaged: %2"_s.arg(
            options.path, query.lastError().text());
    }
    const int version = query.value(0).toInt();
    if (version > SchemaVersion) {
        return u"%1 was written by a newer natter-server (schema %2; this one knows up to %3). "
               "Run the newer server, or start this one with another --db."_s.arg(options.path)
                   .arg(version)
                   .arg(SchemaVersion);
    }
    const QStringList pragmas{
        u"PRAGMA journal_mode = WAL"_s,
        options.fullSync ? u"PRAGMA synchronous = FULL"_s : u"PRAGMA synchronous = NORMAL"_s,
        // SQLite enforces REFERENCES (a token's account) only when asked, per connection.
        u"PRAGMA foreign_keys = ON"_s,
    };
    for (const QString &pragma : pragmas) {
        if (!query.exec(pragma)) {
            return u"cannot set up the database %1: %2"_s.arg(
                options.path, query.lastError().text());
        }
    }
    if (const auto error = store->migrate()) {
        return u"cannot upgrade the database %1: %2"_s.arg(options.path, *error);
    }
    // SQLite opens a file it may not write read-only without a word; find out now, not at the
    // first message.
    query.prepare(u"INSERT OR REPLACE INTO meta (key, value) VALUES ('opened_by', ?)"_s);
    query.addBindValue(u"natter-server %1"_s.arg(QLatin1StringView(NATTER_VERSION)));
    if (!query.exec()) {
        return u"cannot write to the database %1: %2"_s.arg(options.path, query.lastError().text());
    }
    // Counted from what the schema already takes, so that a test's full disk comes after the
    // same amount of history whatever tables and indexes later schema versions add.
    if (options.maxPageCount > 0) {
        const qint64 used
            = query.exec(u"PRAGMA page_count"_s) && query.next() ? query.value(0).toLongLong() : -1;
        if (used < 0
            || !query.exec(u"PRAGMA max_page_count = %1"_s.arg(used + options.maxPageCount))) {
            return u"cannot set up the database %1: %2"_s.arg(
                options.path, query.lastError().text());
        }
    }
    return store;
}

std::optional<QString> MessageStore::migrate()
{
    QSqlDatabase db = database(m_connectionName);
    QSqlQuery query(db);
    query.exec(u"PRAGMA user_version"_s);
    query.next();
    const int version = query.value(0).toInt();
    for (int step = version; step < migrations().size(); ++step) {
        if (!db.transaction()) {
            return db.lastError().text();
        }
        QStringList statements = migrations().at(step);
        statements.append(u"PRAGMA user_version = %1"_s.arg(step + 1));
        for (const QString &statement : statements) {
            if (!query.exec(statement)) {
                const QString error = query.lastError().text();
                db.rollback();
                return error;
            }
        }
        if (!db.commit()) {
            return db.lastError().text();
        }
    }
    return std::nullopt;
}

bool MessageStore::write(
    const QList<StoredMessage> &messages, const QList<Leaderboard::Entry> &scores)
{
    QSqlDatabase db = database(m_connectionName);
    if (!db.transaction()) {
        m_lastError = db.lastError().text();
        return false;
    }
    QSqlQuery insert(db);
    insert.prepare(u"INSERT INTO messages (id, sender, recipient, text, ts, cid) "
                   "VALUES (?, ?, ?, ?, ?, ?)"_s);
    QSqlQuery score(db);
    score.prepare(u"INSERT OR REPLACE INTO scores (name_key, name, score, seconds, "
                  "right_answers, wrong_answers, ts) VALUES (?, ?, ?, ?, ?, ?, ?)"_s);
    bool ok = true;
    for (const StoredMessage &message : messages) {
        insert.addBindValue(message.id);
        insert.addBindValue(message.from);
        insert.addBindValue(message.isPrivate() ? QVariant(message.to) : QVariant());
        insert.addBindValue(message.text);
        insert.addBindValue(message.msecs);
        insert.addBindValue(message.cid.isEmpty() ? QVariant() : QVariant(message.cid));
        if (!insert.exec()) {
            m_lastError = insert.lastError().text();
            ok = false;
            break;
        }
    }
    for (qsizetype i = 0; ok && i < scores.size(); ++i) {
        const Leaderboard::Entry &entry = scores.at(i);
        for (const QVariant &value : {QVariant(entry.name.toCaseFolded()), QVariant(entry.name),
                 QVariant(entry.score), QVariant(entry.seconds), QVariant(entry.right),
                 QVariant(entry.wrong), QVariant(entry.when.toMSecsSinceEpoch())}) {
            score.addBindValue(value);
        }
        if (!score.exec()) {
            m_lastError = score.lastError().text();
            ok = false;
        }
    }
    if (ok && !db.commit()) {
        m_lastError = db.lastError().text();
        ok = false;
    }
    if (!ok) {
        db.rollback();
    }
    return ok;
}

qint64 MessageStore::lastId() const
{
    QSqlQuery query(database(m_connectionName));
    if (query.exec(u"SELECT max(id) FROM messages"_s) && query.next()) {
        return query.value(0).toLongLong();
    }
    return 0;
}

MessageStore::Page MessageStore::history(const Query &q) const
{
    QSqlQuery query(database(m_connectionName));
    Page page;
    if (!prepareHistory(query, q, QString()) || !query.exec()) {
        qCWarning(lcStore).noquote() << "cannot read the history:" << query.lastError().text();
        return page;
    }
    while (query.next()) {
        page.messages.append(readMessage(query));
    }
    if (page.messages.size() > q.limit) {
        page.more = true;
        page.messages.removeLast();
    }
    if (q.newest) {
        std::reverse(page.messages.begin(), page.messages.end());
    }
    return page;
}

QStringList MessageStore::historyPlan(const Query &q) const
{
    QSqlQuery query(database(m_connectionName));
    QStringList plan;
    if (!prepareHistory(query, q, u"EXPLAIN QUERY PLAN "_s) || !query.exec()) {
        plan.append(u"error: "_s + query.lastError().text());
        return plan;
    }
    while (query.next()) {
        plan.append(query.value(3).toString()); // id, parent, notused, detail
    }
    return plan;
}

QList<StoredMessage> MessageStore::recentWithCid(int count) const
{
    QSqlQuery query(database(m_connectionName));
    query.prepare(u"SELECT id, sender, recipient, text, ts, cid FROM messages "
                  "WHERE cid IS NOT NULL ORDER BY id DESC LIMIT ?"_s);
    query.addBindValue(count);
    QList<StoredMessage> messages;
    if (query.exec()) {
        while (query.next()) {
            messages.prepend(readMessage(query));
        }
    }
    return messages;
}

QList<Leaderboard::Entry> MessageStore::scores() const
{
    QSqlQuery query(database(m_connectionName));
    QList<Leaderboard::Entry> entries;
    if (query.exec(
            u"SELECT name, score, seconds, right_answers, wrong_answers, ts FROM scores"_s)) {
        while (query.next()) {
            entries.append({query.value(0).toString(), query.value(1).toDouble(),
                query.value(2).toDouble(), query.value(3).toInt(), query.value(4).toInt(),
                QDateTime::fromMSecsSinceEpoch(query.value(5).toLongLong(), Qt::UTC)});
        }
    }
    return entries;
}

std::optional<MessageStore::Account> MessageStore::account(const QString &name) const
{
    QSqlQuery query(database(m_connectionName));
    query.prepare(u"SELECT %1 FROM accounts WHERE name_key = ?"_s.arg(AccountColumns));
    query.addBindValue(name.toCaseFolded());
    if (!query.exec()) {
        qCWarning(lcStore).noquote() << "cannot read an account:" << query.lastError().text();
        return std::nullopt;
    }
    if (!query.next()) {
        return std::nullopt;
    }
    return readAccount(query);
}

std::optional<MessageStore::Account> MessageStore::createAccount(
    const QString &name, const QByteArray &passwordHash, qint64 nowMs)
{
    if (name.isEmpty() || !isArgon2idHash(passwordHash)) {
        qCWarning(lcStore) << "refused to create an account with an empty name or a password"
                              " hash that is not Argon2id";
        return std::nullopt;
    }
    QSqlQuery query(database(m_connectionName));
    // OR IGNORE: a name taken in any case is an answer, not an error, and the UNIQUE key
    // decides it in the same statement that would insert, so no check can go stale.
    query.prepare(u"INSERT OR IGNORE INTO accounts (name_key, name, password_hash, created) "
                  "VALUES (?, ?, ?, ?)"_s);
    query.addBindValue(name.toCaseFolded());
    query.addBindValue(name);
    query.addBindValue(hashText(passwordHash));
    query.addBindValue(nowMs);
    if (!query.exec()) {
        qCWarning(lcStore).noquote() << "cannot create an account:" << query.lastError().text();
        return std::nullopt;
    }
    if (query.numRowsAffected() != 1) {
        qCInfo(lcStore).noquote() << "the name" << name << "is an account already";
        return std::nullopt;
    }
    return Account{query.lastInsertId().toLongLong(), name, passwordHash, nowMs};
}

bool MessageStore::setPasswordHash(qint64 accountId, const QByteArray &passwordHash)
{
    if (!isArgon2idHash(passwordHash)) {
        qCWarning(lcStore) << "refused a password hash that is not Argon2id for account"
                           << accountId;
        return false;
    }
    QSqlQuery query(database(m_connectionName));
    query.prepare(u"UPDATE accounts SET password_hash = ? WHERE id = ?"_s);
    query.addBindValue(hashText(passwordHash));
    query.addBindValue(accountId);
    if (!query.exec()) {
        qCWarning(lcStore).noquote()
            << "cannot change the password of account" << accountId << query.lastError().text();
        return false;
    }
    if (query.numRowsAffected() != 1) {
        qCWarning(lcStore) << "cannot change the password of account" << accountId
                           << "which does not exist";
        return false;
    }
    return true;
}

bool MessageStore::addToken(
    qint64 accountId, const QByteArray &digest, const QString &peer, qint64 nowMs)
{
    if (!isDigest(digest)) {
        qCWarning(lcStore) << "refused a token digest of" << digest.size()
                           << "bytes instead of 32 for account" << accountId;
        return false;
    }
    QSqlQuery query(database(m_connectionName));
    query.prepare(u"INSERT INTO tokens (digest, account, peer, created, last_used) "
                  "VALUES (?, ?, ?, ?, ?)"_s);
    query.addBindValue(digest);
    query.addBindValue(accountId);
    query.addBindValue(peer);
    query.addBindValue(nowMs);
    query.addBindValue(nowMs);
    // Fails for an account that does not exist (foreign_keys) and for a digest stored already.
    if (!query.exec()) {
        qCWarning(lcStore).noquote()
            << "cannot add a token for account" << accountId << query.lastError().text();
        return false;
    }
    return true;
}

std::optional<MessageStore::Account> MessageStore::accountForToken(
    const QByteArray &digest, qint64 nowMs, qint64 idleExpiryMs)
{
    if (!isDigest(digest)) {
        return std::nullopt;
    }
    QSqlDatabase db = database(m_connectionName);
    QSqlQuery query(db);
    query.prepare(u"SELECT %1, tokens.last_used FROM tokens "
                  "JOIN accounts ON accounts.id = tokens.account WHERE tokens.digest = ?"_s.arg(
                      AccountColumns));
    query.addBindValue(digest);
    if (!query.exec()) {
        qCWarning(lcStore).noquote() << "cannot look up a token:" << query.lastError().text();
        return std::nullopt;
    }
    if (!query.next()) {
        return std::nullopt;
    }
    const Account found = readAccount(query);
    const qint64 lastUsed = query.value(4).toLongLong();
    query.finish();

    QSqlQuery update(db);
    if (nowMs - lastUsed > idleExpiryMs) {
        update.prepare(u"DELETE FROM tokens WHERE digest = ?"_s);
        update.addBindValue(digest);
        if (!update.exec()) {
            qCWarning(lcStore).noquote() << "cannot delete an expired token of account" << found.id
                                         << update.lastError().text();
        }
        return std::nullopt;
    }
    // max(): a clock that steps back must not make a token look older than its last use.
    update.prepare(u"UPDATE tokens SET last_used = max(last_used, ?) WHERE digest = ?"_s);
    update.addBindValue(nowMs);
    update.addBindValue(digest);
    if (!update.exec()) {
        // Not touched, the token expires from its previous use: refuse rather than sign in
        // with a lifetime the file does not record.
        qCWarning(lcStore).noquote() << "cannot record the use of a token of account" << found.id
                                     << update.lastError().text();
        return std::nullopt;
    }
    return found;
}

bool MessageStore::revokeToken(const QByteArray &digest)
{
    QSqlQuery query(database(m_connectionName));
    query.prepare(u"DELETE FROM tokens WHERE digest = ?"_s);
    query.addBindValue(digest);
    if (!query.exec()) {
        qCWarning(lcStore).noquote() << "cannot revoke a token:" << query.lastError().text();
        return false;
    }
    return query.numRowsAffected() == 1;
}

int MessageStore::revokeOtherTokens(qint64 accountId, const QByteArray &keepDigest)
{
    QSqlQuery query(database(m_connectionName));
    if (keepDigest.isEmpty()) {
        query.prepare(u"DELETE FROM tokens WHERE account = ?"_s);
        query.addBindValue(accountId);
    } else {
        query.prepare(u"DELETE FROM tokens WHERE account = ? AND digest != ?"_s);
        query.addBindValue(accountId);
        query.addBindValue(keepDigest);
    }
    if (!query.exec()) {
        qCWarning(lcStore).noquote()
            << "cannot revoke the tokens of account" << accountId << query.lastError().text();
        return -1;
    }
    return query.numRowsAffected();
}

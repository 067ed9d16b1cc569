#include "messagestore.h"

#include "sqlbackend.h"
#include "storelog.h"

#include <QAtomicInteger>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>

using namespace Qt::StringLiterals;

namespace {

QString nextConnectionName()
{
    static QAtomicInteger<quint64> counter;
    return u"natter-store-%1"_s.arg(counter.fetchAndAddRelaxed(1));
}

QSqlDatabase database(const QString &connectionName)
{
    return QSqlDatabase::database(connectionName, false);
}

// The columns readMessage() expects, in its order.
constexpr auto MessageColumns
    = "id, sender, recipient, text, ts, cid, sender_identity, recipient_identity, room"_L1;

StoredMessage readMessage(const QSqlQuery &query)
{
    return {query.value(0).toLongLong(), query.value(1).toString(), query.value(2).toString(),
        query.value(3).toString(), query.value(4).toLongLong(), query.value(5).toString(),
        query.value(6).toString(), query.value(7).toString(), false, query.value(8).toString()};
}

QVariant nullIfEmpty(const QString &value)
{
    return value.isEmpty() ? QVariant() : QVariant(value);
}

// A null QString is bound as NULL; an empty text column wants ''.
QVariant notNull(const QString &value)
{
    return value.isNull() ? QVariant(u""_s) : QVariant(value);
}

// A viewer's history is ranges of the indexes: each of its rooms' messages, the private ones
// its identity sent and those it received. Each stops after limit + 1 ids, the most a page can
// take from it, so a page costs the same however many other messages lie in between; only then
// are the rows themselves read, by id. A message to oneself is in two ranges, and IN counts it
// once.
bool prepareHistory(QSqlQuery &query, const MessageStore::Query &q, const QString &prefix)
{
    const QString order = q.newest ? u"DESC"_s : u"ASC"_s;
    const QString range = u"id > ? AND id < ? ORDER BY id %1 LIMIT ?"_s.arg(order);
    QStringList ranges;
    if (q.ownOnly) {
        // By id, a range of the primary key as narrow as the page: one row, for a resend.
        if (!query.prepare(prefix
                + u"SELECT %1 FROM messages WHERE sender_identity = ? AND %2"_s.arg(
                    MessageColumns, range))) {
            return false;
        }
        query.addBindValue(q.viewer);
        query.addBindValue(q.after);
        query.addBindValue(q.before);
        query.addBindValue(q.limit + 1);
        return true;
    }
    // PostgreSQL wants a name for each subquery.
    const auto named = [&ranges] {
        return u"range%1"_s.arg(ranges.size());
    };
    for (qsizetype i = 0; i < q.rooms.size(); ++i) {
        ranges.append(u"SELECT id FROM (SELECT id FROM messages WHERE recipient IS NULL "
                      "AND room = ? AND %1) AS %2"_s.arg(range, named()));
    }
    if (q.privateMessages) {
        // With someone: the other side is checked on the rows each index range yields.
        const auto other = [&q](const QString &column) {
            return q.with.isEmpty() ? QString() : u"AND %1 = ? "_s.arg(column);
        };
        ranges.append(u"SELECT id FROM (SELECT id FROM messages "
                      "WHERE recipient IS NOT NULL AND sender_identity = ? %1AND %2) AS %3"_s.arg(
                          other(u"recipient_identity"_s), range, named()));
        ranges.append(
            u"SELECT id FROM (SELECT id FROM messages "
            "WHERE recipient IS NOT NULL AND recipient_identity = ? %1AND %2) AS %3"_s.arg(
                other(u"sender_identity"_s), range, named()));
    }
    if (ranges.isEmpty()) {
        ranges.append(u"SELECT id FROM messages WHERE 1 = 0"_s);
    }
    const QString sql = prefix
        + u"SELECT %1 FROM messages WHERE id IN (%2) ORDER BY id %3 LIMIT ?"_s.arg(
            MessageColumns, ranges.join(u" UNION ALL "_s), order);
    if (!query.prepare(sql)) {
        return false;
    }
    const int rows = q.limit + 1; // one more than a page tells whether there is more
    const auto bindRange = [&] {
        query.addBindValue(q.after);
        query.addBindValue(q.before);
        query.addBindValue(rows);
    };
    for (const QString &room : q.rooms) {
        query.addBindValue(room);
        bindRange();
    }
    if (q.privateMessages) {
        // An empty viewer matches no identity (NULL never equals it).
        for (int i = 0; i < 2; ++i) {
            query.addBindValue(q.viewer);
            if (!q.with.isEmpty()) {
                query.addBindValue(q.with);
            }
            bindRange();
        }
    }
    query.addBindValue(rows);
    return true;
}

} // namespace

MessageStore::MessageStore(QString connectionName, std::unique_ptr<SqlBackend> backend)
    : m_connectionName(std::move(connectionName))
    , m_backend(std::move(backend))
{
}

MessageStore::~MessageStore()
{
    m_prepared.clear(); // before their connection
    database(m_connectionName).close();
    QSqlDatabase::removeDatabase(m_connectionName);
}

std::variant<std::unique_ptr<MessageStore>, QString> MessageStore::open(const Options &options)
{
    const QString shown = SqlBackend::displayName(options.location);
    std::unique_ptr<MessageStore> store(new MessageStore(
        nextConnectionName(), SqlBackend::forLocation(options.location, options.exclusive)));
    store->m_fullSync = options.fullSync;
    SqlBackend &backend = *store->m_backend;
    if (const auto error = backend.open(store->m_connectionName)) {
        return *error;
    }
    QSqlDatabase db = database(store->m_connectionName);
    const std::variant<int, QString> version = backend.schemaVersion(db);
    if (const auto *error = std::get_if<QString>(&version)) {
        return *error;
    }
    if (const auto error = backend.checkIntegrity(db)) {
        return *error;
    }
    if (std::get<int>(version) > SchemaVersion) {
        return u"%1 was written by a newer natter-server (schema %2; this one knows up to %3). "
               "Run the newer server, or start this one with another --db."_s.arg(shown)
                   .arg(std::get<int>(version))
                   .arg(SchemaVersion);
    }
    // A command beside a running server (--grant) must not upgrade the schema under it.
    if (!options.exclusive && std::get<int>(version) != SchemaVersion) {
        return u"%1 has schema %2, and this natter-server works with %3: start the server of this "
               "version on it first (it upgrades the database), then run the command again."_s
                   .arg(shown)
                   .arg(std::get<int>(version))
                   .arg(SchemaVersion);
    }
    if (const auto error = backend.configure(db, options.fullSync)) {
        return u"cannot set up the database %1: %2"_s.arg(shown, *error);
    }
    if (!options.exclusive) {
        return store;
    }
    if (const auto error = store->migrate()) {
        return u"cannot upgrade the database %1: %2"_s.arg(shown, *error);
    }
    // SQLite opens a file it may not write read-only without a word; find out now, not at the
    // first message.
    QSqlQuery query(db);
    query.prepare(u"INSERT INTO meta (key, value) VALUES ('opened_by', ?) "
                  "ON CONFLICT (key) DO UPDATE SET value = excluded.value"_s);
    query.addBindValue(u"natter-server %1"_s.arg(QLatin1StringView(NATTER_VERSION)));
    if (!query.exec()) {
        return u"cannot write to the database %1: %2"_s.arg(
            shown, storeErrorText(query.lastError()));
    }
    // Counted from what the schema already takes, so that a test's full disk comes after the
    // same amount of history whatever tables and indexes later schema versions add.
    if (options.maxPageCount > 0) {
        if (const auto error = backend.capGrowth(db, options.maxPageCount)) {
            return u"cannot set up the database %1: %2"_s.arg(shown, *error);
        }
    }
    return store;
}

bool MessageStore::isPostgres() const
{
    return m_backend->isPostgres();
}

std::optional<QString> MessageStore::migrate()
{
    QSqlDatabase db = database(m_connectionName);
    QSqlQuery query(db);
    // All the steps a database has not taken, in one transaction: an upgrade happens whole or
    // not at all, and a second server upgrading at once waits for this one (lockSchema).
    if (!db.transaction()) {
        return storeErrorText(db.lastError());
    }
    const auto fail = [&](const QString &error) {
        db.rollback();
        return std::optional<QString>(error);
    };
    for (const QString &statement : m_backend->lockSchema()) {
        if (!query.exec(statement)) {
            return fail(storeErrorText(query.lastError()));
        }
    }
    const std::variant<int, QString> version = m_backend->schemaVersion(db);
    if (const auto *error = std::get_if<QString>(&version)) {
        return fail(*error);
    }
    int current = std::get<int>(version);
    for (const SqlBackend::Migration &step : m_backend->migrations()) {
        if (step.version <= current) {
            continue;
        }
        QStringList statements = step.statements;
        statements.append(m_backend->recordSchemaVersion(step.version));
        for (const QString &statement : statements) {
            if (!query.exec(statement)) {
                return fail(storeErrorText(query.lastError()));
            }
        }
        current = step.version;
    }
    if (!db.commit()) {
        return fail(storeErrorText(db.lastError()));
    }
    return std::nullopt;
}

bool MessageStore::write(const QList<StoredMessage> &messages,
    const QList<Leaderboard::Entry> &scores, const QList<Transfer> &transfers,
    const QList<RoomChange> &roomChanges)
{
    QList<StoredMessage> numbered = messages;
    return write(numbered, scores, transfers, roomChanges, false);
}

std::optional<QList<StoredMessage>> MessageStore::writeSequenced(QList<StoredMessage> messages,
    const QList<Leaderboard::Entry> &scores, const QList<Transfer> &transfers,
    const QList<RoomChange> &roomChanges, qint64 floor)
{
    m_sequenceFloor = floor;
    if (!write(messages, scores, transfers, roomChanges, true)) {
        return std::nullopt;
    }
    return messages;
}

bool MessageStore::write(QList<StoredMessage> &messages, const QList<Leaderboard::Entry> &scores,
    const QList<Transfer> &transfers, const QList<RoomChange> &roomChanges, bool sequence)
{
    m_lostCreations.clear();
    QSqlDatabase db = database(m_connectionName);
    if (!db.transaction()) {
        m_lastError = storeErrorText(db.lastError());
        return false;
    }
    if (sequence && !messages.isEmpty()) {
        // The lock is held to the commit: no other node takes an id in between, so ids are
        // committed in their order, and whoever sees one committed can read every id below it.
        for (const QString &statement : m_backend->lockSequence()) {
            QSqlQuery &lock = prepared(statement);
            if (!lock.exec()) {
                m_lastError = storeErrorText(lock.lastError());
                db.rollback();
                return false;
            }
            lock.finish();
        }
        QSqlQuery &last = prepared(u"SELECT coalesce(max(id), 0) FROM messages"_s);
        if (!last.exec() || !last.next()) {
            m_lastError = storeErrorText(last.lastError());
            db.rollback();
            return false;
        }
        // Never below what was handed out already, even by a database that lost its last
        // commits in a crash or was restored from a backup.
        qint64 id = std::max(last.value(0).toLongLong(), m_sequenceFloor);
        if (id > last.value(0).toLongLong()) {
            qCWarning(lcStore) << "the database's newest message id" << last.value(0).toLongLong()
                               << "is below" << m_sequenceFloor
                               << "handed out already: ids go on after that";
        }
        last.finish();
        for (StoredMessage &message : messages) {
            message.id = ++id;
        }
    }
    QSqlQuery &insert = prepared(u"INSERT INTO messages (id, sender, recipient, text, ts, cid, "
                                 "sender_identity, recipient_identity, undelivered, room) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"_s);
    QSqlQuery score(db);
    score.prepare(u"INSERT INTO scores (name_key, name, score, seconds, right_answers, "
                  "wrong_answers, ts) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name_key) DO "
                  "UPDATE SET name = excluded.name, score = excluded.score, seconds = "
                  "excluded.seconds, right_answers = excluded.right_answers, wrong_answers = "
                  "excluded.wrong_answers, ts = excluded.ts"_s);
    bool ok = true;
    for (const StoredMessage &message : messages) {
        insert.addBindValue(message.id);
        insert.addBindValue(message.from);
        insert.addBindValue(message.isPrivate() ? QVariant(message.to) : QVariant());
        insert.addBindValue(message.text);
        insert.addBindValue(message.msecs);
        insert.addBindValue(nullIfEmpty(message.cid));
        insert.addBindValue(nullIfEmpty(message.fromIdentity));
        insert.addBindValue(nullIfEmpty(message.toIdentity));
        insert.addBindValue(message.undelivered ? QVariant(1) : QVariant());
        // A message to everyone names no room only where rooms are not used: general.
        insert.addBindValue(message.isPrivate() ? QVariant()
                : message.room.isEmpty() ? QVariant(QString::fromLatin1(Protocol::DefaultRoom))
                                         : QVariant(message.room));
        if (!insert.exec()) {
            m_lastError = storeErrorText(insert.lastError());
            ok = false;
            break;
        }
    }
    for (qsizetype i = 0; ok && i < scores.size(); ++i) {
        const Leaderboard::Entry &entry = scores.at(i);
        for (const QVariant &value : {QVariant(entry.player), QVariant(entry.name),
                 QVariant(entry.score), QVariant(entry.seconds), QVariant(entry.right),
                 QVariant(entry.wrong), QVariant(entry.when.toMSecsSinceEpoch())}) {
            score.addBindValue(value);
        }
        if (!score.exec()) {
            m_lastError = storeErrorText(score.lastError());
            ok = false;
        }
    }
    for (qsizetype i = 0; ok && i < transfers.size(); ++i) {
        ok = transferLocked(transfers.at(i));
    }
    for (qsizetype i = 0; ok && i < roomChanges.size(); ++i) {
        ok = changeRoomLocked(roomChanges.at(i));
    }
    if (ok && !db.commit()) {
        m_lastError = storeErrorText(db.lastError());
        ok = false;
    }
    if (!ok) {
        db.rollback();
        m_prepared.clear(); // a statement that failed to prepare is not kept failing
    } else if (!messages.isEmpty()) {
        m_backend->recordIssuedId(messages.constLast().id);
    }
    return ok;
}

qint64 MessageStore::issuedIdFloor() const
{
    return m_backend->issuedIdFloor();
}

std::optional<qint64> MessageStore::lastId() const
{
    QSqlQuery query(database(m_connectionName));
    if (query.exec(u"SELECT coalesce(max(id), 0) FROM messages"_s) && query.next()) {
        return query.value(0).toLongLong();
    }
    m_lastError = storeErrorText(query.lastError());
    return std::nullopt;
}

std::optional<QList<StoredMessage>> MessageStore::messagesAfter(qint64 id, int limit) const
{
    QSqlQuery &query
        = prepared(u"SELECT %1, undelivered FROM messages WHERE id > ? ORDER BY id LIMIT ?"_s.arg(
            MessageColumns));
    query.addBindValue(id);
    query.addBindValue(limit);
    if (!query.exec()) {
        qCWarning(lcStore).noquote()
            << "cannot read new messages:" << storeErrorText(query.lastError());
        return std::nullopt;
    }
    QList<StoredMessage> messages;
    while (query.next()) {
        StoredMessage message = readMessage(query);
        message.undelivered = !query.value(9).isNull();
        messages.append(message);
    }
    if (query.lastError().isValid()) {
        qCCritical(lcStore).noquote()
            << "cannot read new messages:" << storeErrorText(query.lastError());
        query.finish();
        return std::nullopt;
    }
    query.finish(); // SQLite: no read transaction left open
    return messages;
}

std::optional<int> MessageStore::pruneMessages(qint64 olderThanMs, qint64 keepNewest, int limit)
{
    const std::optional<qint64> newest = lastId();
    if (!newest) {
        return std::nullopt;
    }
    if (olderThanMs <= 0 && keepNewest <= 0) {
        return 0;
    }
    // The oldest first, through the primary key: the rows to delete are where the scan starts.
    QSqlQuery query(database(m_connectionName));
    query.prepare(u"DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE id < ? "
                  "AND (ts < ? OR id <= ?) ORDER BY id LIMIT ?)"_s);
    query.addBindValue(*newest);
    query.addBindValue(olderThanMs > 0 ? olderThanMs : std::numeric_limits<qint64>::min());
    query.addBindValue(keepNewest > 0 ? *newest - keepNewest : std::numeric_limits<qint64>::min());
    query.addBindValue(limit);
    if (!query.exec()) {
        m_lastError = storeErrorText(query.lastError());
        return std::nullopt;
    }
    return query.numRowsAffected();
}

bool MessageStore::markDelivered(const QList<qint64> &ids)
{
    QSqlQuery query(database(m_connectionName));
    query.prepare(u"UPDATE messages SET undelivered = NULL WHERE id = ?"_s);
    for (const qint64 id : ids) {
        query.addBindValue(id);
        if (!query.exec()) {
            m_lastError = storeErrorText(query.lastError());
            return false;
        }
    }
    return true;
}

QSqlQuery &MessageStore::prepared(const QString &sql) const
{
    std::unique_ptr<QSqlQuery> &query = m_prepared[sql];
    if (!query) {
        query = std::make_unique<QSqlQuery>(database(m_connectionName));
        query->prepare(sql); // a failure shows when it runs
    }
    return *query;
}

bool MessageStore::ensureConnected()
{
    QSqlDatabase db = database(m_connectionName);
    if (db.isOpen()) {
        return true;
    }
    // A database server that restarted, or a connection it dropped: Qt's driver does not come
    // back by itself. The statements prepared on the old connection went with it.
    m_prepared.clear();
    if (!db.open() || m_backend->configure(db, m_fullSync)) {
        m_lastError = storeErrorText(db.lastError());
        db.close();
        return false;
    }
    qCWarning(lcStore).noquote() << "connected to the database again";
    return true;
}

MessageStore::Page MessageStore::history(const Query &q) const
{
    QSqlQuery query(database(m_connectionName));
    Page page;
    if (!prepareHistory(query, q, QString()) || !query.exec()) {
        qCWarning(lcStore).noquote()
            << "cannot read the history:" << storeErrorText(query.lastError());
        page.failed = true;
        return page;
    }
    while (query.next()) {
        page.messages.append(readMessage(query));
    }
    // A damaged page ends the rows early, as if the range had no more: next() says only false.
    if (query.lastError().isValid()) {
        qCCritical(lcStore).noquote()
            << "cannot read the history:" << storeErrorText(query.lastError()) << "-"
            << m_backend->damagedAdvice();
        return Page{{}, false, {}, true};
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
    if (!prepareHistory(query, q, m_backend->explainPrefix()) || !query.exec()) {
        plan.append(u"error: "_s + storeErrorText(query.lastError()));
        return plan;
    }
    while (query.next()) {
        // SQLite: id, parent, notused, detail; PostgreSQL: the line.
        plan.append(query.value(query.record().count() - 1).toString());
    }
    return plan;
}

QList<StoredMessage> MessageStore::recentWithCid(int count) const
{
    QSqlQuery query(database(m_connectionName));
    query.prepare(u"SELECT %1 FROM messages WHERE cid IS NOT NULL "
                  "AND sender_identity IS NOT NULL ORDER BY id DESC LIMIT ?"_s.arg(MessageColumns));
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
    if (!query.exec(u"SELECT name, score, seconds, right_answers, wrong_answers, ts, name_key "
                    "FROM scores WHERE substr(name_key, 1, 2) = 'a:'"_s)) {
        qCWarning(lcStore).noquote()
            << "cannot read the leaderboard:" << storeErrorText(query.lastError());
        return entries;
    }
    while (query.next()) {
        entries.append({query.value(0).toString(), query.value(1).toDouble(),
            query.value(2).toDouble(), query.value(3).toInt(), query.value(4).toInt(),
            QDateTime::fromMSecsSinceEpoch(query.value(5).toLongLong(), Qt::UTC),
            query.value(6).toString(), false});
    }
    return entries;
}

MessageStore::Page MessageStore::read(const Query &q)
{
    Page page = q.limit > 0 ? history(q) : Page{};
    if (page.failed) {
        return page;
    }
    if (q.countUnread && !q.viewer.isEmpty()) {
        page.unread = unread(q.viewer, q.rooms, q.before);
    }
    if (!q.takeUndelivered || q.viewer.isEmpty()) {
        return page;
    }
    QSqlDatabase db = database(m_connectionName);
    QSqlQuery query(db);
    query.prepare(
        u"SELECT %1 FROM messages WHERE undelivered IS NOT NULL "
        "AND recipient_identity = ? AND id < ? ORDER BY id LIMIT ?"_s.arg(MessageColumns));
    query.addBindValue(q.viewer);
    query.addBindValue(q.before);
    query.addBindValue(Protocol::MaxReplay);
    if (!query.exec()) {
        qCWarning(lcStore).noquote()
            << "cannot read undelivered messages:" << storeErrorText(query.lastError());
        return page;
    }
    // With a gap in the page, those that fall in it are left to the client's paging.
    const qint64 gapBefore = page.more ? page.messages.first().id : 0;
    QList<StoredMessage> waiting;
    QList<StoredMessage> shown;
    while (query.next()) {
        waiting.append(readMessage(query));
        if (waiting.last().id <= q.after || waiting.last().id >= gapBefore) {
            shown.append(waiting.last());
        }
    }
    if (waiting.isEmpty()) {
        return page;
    }
    QSqlQuery mark(db);
    mark.prepare(u"UPDATE messages SET undelivered = NULL WHERE undelivered IS NOT NULL "
                 "AND recipient_identity = ? AND id >= ? AND id <= ?"_s);
    mark.addBindValue(q.viewer);
    mark.addBindValue(waiting.first().id);
    mark.addBindValue(waiting.last().id);
    if (!mark.exec()) {
        // Delivered again at the next sign-in, then; the client drops an id it has.
        qCWarning(lcStore).noquote()
            << "cannot mark messages delivered:" << storeErrorText(mark.lastError());
    }
    for (const StoredMessage &message : std::as_const(shown)) {
        const auto at = std::lower_bound(page.messages.begin(), page.messages.end(), message.id,
            [](const StoredMessage &m, qint64 id) { return m.id < id; });
        if (at == page.messages.end() || at->id != message.id) {
            page.messages.insert(at, message);
        }
    }
    return page;
}

QHash<QString, int> MessageStore::unread(
    const QString &viewer, const QStringList &rooms, qint64 before) const
{
    QSqlQuery query(database(m_connectionName));
    // Through messages_room from the marker on; one's own messages are read.
    query.prepare(u"SELECT count(*) FROM messages WHERE recipient IS NULL AND room = ? AND id > "
                  "coalesce((SELECT last_read FROM read_markers WHERE identity = ? AND room = ?), "
                  "(SELECT coalesce(max(id), 0) FROM messages)) "
                  "AND id < ? AND (sender_identity IS NULL OR sender_identity != ?)"_s);
    QHash<QString, int> counts;
    for (const QString &room : rooms) {
        query.addBindValue(room);
        query.addBindValue(viewer);
        query.addBindValue(room);
        query.addBindValue(before);
        query.addBindValue(viewer);
        if (query.exec() && query.next()) {
            counts.insert(room, query.value(0).toInt());
        }
    }
    return counts;
}

bool MessageStore::transferIdentity(const QString &from, const QString &to)
{
    QSqlDatabase db = database(m_connectionName);
    if (!db.transaction()) {
        m_lastError = storeErrorText(db.lastError());
        return false;
    }
    if (!transferLocked({from, to})) {
        db.rollback();
        return false;
    }
    if (!db.commit()) {
        m_lastError = storeErrorText(db.lastError());
        return false;
    }
    return true;
}

bool MessageStore::changeRoomLocked(const RoomChange &change)
{
    QSqlQuery query(database(m_connectionName));
    switch (change.kind) {
    case RoomChange::Kind::Create:
        query.prepare(u"INSERT INTO rooms (name_key, name, topic, private, owner, created) "
                      "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"_s);
        query.addBindValue(change.room);
        query.addBindValue(change.name);
        query.addBindValue(notNull(change.topic));
        query.addBindValue(change.isPrivate ? 1 : 0);
        query.addBindValue(nullIfEmpty(change.owner));
        query.addBindValue(QDateTime::currentMSecsSinceEpoch());
        if (!query.exec()) {
            m_lastError = storeErrorText(query.lastError());
            return false;
        }
        // Another cluster server made a room of that name first: it is that one.
        if (query.numRowsAffected() == 0) {
            m_lostCreations.append(change.room);
        }
        return true;
    case RoomChange::Kind::Invite:
        query.prepare(u"INSERT INTO room_invites (room, identity) VALUES (?, ?) "
                      "ON CONFLICT DO NOTHING"_s);
        query.addBindValue(change.room);
        query.addBindValue(change.name);
        break;
    case RoomChange::Kind::Read:
        // A marker only moves forward: a device that read less cannot unread the room.
        query.prepare(
            u"INSERT INTO read_markers (identity, room, last_read) VALUES (?, ?, ?) "
            "ON CONFLICT (identity, room) "
            "DO UPDATE SET last_read = CASE WHEN excluded.last_read > read_markers.last_read "
            "THEN excluded.last_read ELSE read_markers.last_read END"_s);
        query.addBindValue(change.name);
        query.addBindValue(change.room);
        query.addBindValue(change.id);
        break;
    case RoomChange::Kind::Topic:
        query.prepare(u"UPDATE rooms SET topic = ? WHERE name_key = ?"_s);
        query.addBindValue(notNull(change.topic));
        query.addBindValue(change.room);
        break;
    case RoomChange::Kind::Join:
        // Into a private room only its owner and those invited, whatever a server believed (a
        // cluster's server may not know yet that a room of that name is someone's private one).
        query.prepare(u"INSERT INTO room_members (room, identity) SELECT name_key, CAST(? AS TEXT) "
                      "FROM rooms WHERE name_key = ? AND (private = 0 OR owner = ? OR EXISTS "
                      "(SELECT 1 FROM room_invites WHERE room = ? AND identity = ?)) "
                      "ON CONFLICT DO NOTHING"_s);
        for (const QString &value :
            {change.name, change.room, change.name, change.room, change.name}) {
            query.addBindValue(value);
        }
        if (!query.exec()) {
            m_lastError = storeErrorText(query.lastError());
            return false;
        }
        // An invitation is used up by joining.
        query.prepare(u"DELETE FROM room_invites WHERE room = ? AND identity = ?"_s);
        query.addBindValue(change.room);
        query.addBindValue(change.name);
        break;
    case RoomChange::Kind::Part:
        query.prepare(u"DELETE FROM room_members WHERE room = ? AND identity = ?"_s);
        query.addBindValue(change.room);
        query.addBindValue(change.name);
        break;
    }
    if (!query.exec()) {
        m_lastError = storeErrorText(query.lastError());
        return false;
    }
    return true;
}

QList<MessageStore::Room> MessageStore::rooms() const
{
    QSqlQuery query(database(m_connectionName));
    QList<Room> rooms;
    QHash<QString, qsizetype> index;
    if (!query.exec(u"SELECT name_key, name, topic, private, owner FROM rooms "
                    "ORDER BY name_key != 'general', name_key"_s)) {
        qCWarning(lcStore).noquote()
            << "cannot read the rooms:" << storeErrorText(query.lastError());
        return rooms;
    }
    while (query.next()) {
        index.insert(query.value(0).toString(), rooms.size());
        rooms.append({query.value(1).toString(), query.value(2).toString(), {},
            query.value(3).toInt() != 0, query.value(4).toString(), {}});
    }
    for (const bool invites : {false, true}) {
        if (!query.exec(invites ? u"SELECT room, identity FROM room_invites"_s
                                : u"SELECT room, identity FROM room_members"_s)) {
            continue;
        }
        while (query.next()) {
            const auto at = index.constFind(query.value(0).toString());
            if (at != index.constEnd()) {
                (invites ? rooms[*at].invited : rooms[*at].members)
                    .append(query.value(1).toString());
            }
        }
    }
    return rooms;
}

bool MessageStore::transferLocked(const Transfer &transfer)
{
    QSqlQuery query(database(m_connectionName));
    // Its messages, the rooms it made and its invitations (an invitation to a room the account
    // has one to already goes).
    for (const QString &statement :
        {u"UPDATE messages SET sender_identity = ? WHERE sender_identity = ?"_s,
            u"UPDATE messages SET recipient_identity = ? WHERE recipient_identity = ?"_s,
            u"UPDATE rooms SET owner = ? WHERE owner = ?"_s,
            u"DELETE FROM room_invites WHERE room IN (SELECT room FROM room_invites "
            "WHERE identity = ?) AND identity = ?"_s,
            u"UPDATE room_invites SET identity = ? WHERE identity = ?"_s}) {
        query.prepare(statement);
        query.addBindValue(transfer.to);
        query.addBindValue(transfer.from);
        if (!query.exec()) {
            m_lastError = storeErrorText(query.lastError());
            return false;
        }
    }
    return true;
}

#include "idrange.h"
#include "messagestore.h"
#include "postgresserver.h"
#include "sqlitefile.h"

#include <QCryptographicHash>
#include <QFile>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <atomic>
#include <thread>

using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(MessageStore::Query)

// MessageStore on real SQLite files: writing and reading back, continuing after a reopen,
// paging, private-message privacy by identity and the indexes that keep it cheap, messages
// waiting for an offline account, accounts and their tokens, schema upgrades and the files it
// must refuse. With NATTER_TEST_STORE=postgres the same cases run on a real PostgreSQL server
// the suite starts (each store a database of its own), but those about SQLite's files.
class tst_MessageStore : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void writeReadBackAndReopen();
    void pagingBothWays();
    void privateMessagesOnlyForTheTwo();
    void historyReadsOnlyVisibleRows_data();
    void historyReadsOnlyVisibleRows();
    void pagingPastManyHiddenMessages();
    void sameNameOtherIdentitySeesNothing();
    void undeliveredAreTakenOnce();
    void undeliveredInAPageGapAreLeftToPaging();
    void transferIdentityMovesGuestMessages();
    void leaderboardIsStored();
    void accountsByNameInAnyCase();
    void passwordChange();
    void tokensFindTouchAndExpire();
    void tokensPerAccountAreBounded();
    void tokensRevoke();
    void accountsPersistAcrossReopen();
    void noSecretInTheFile();
    void upgradesVersionOne();
    void upgradesVersionTwo();
    void upgradesVersionThree();
    void upgradesVersionSix();
    void rolesBansAndTheGreeting();
    void refusesBadFiles_data();
    void refusesBadFiles();
    void oneStorePerFile();
    void aDamagedPageFailsTheReadInsteadOfEndingIt();
    void fullDatabaseFailsTheWholeBatch();
    void refusesForeignOrNewerPostgresDatabases();
    void sequencedWritesFromSeveralServers();

private:
    std::unique_ptr<MessageStore> open(const QString &path, qint64 maxPages = 0);
    // Where the store called name lives: a file in this case's directory, or a database of the
    // suite's PostgreSQL server made for this case.
    QString path(const QString &name);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<PostgresServer> m_postgres; // with NATTER_TEST_STORE=postgres
    QHash<QString, QString> m_databases; // this case's, by name
    int m_databaseCount = 0;
};

namespace {

// The identity the tests give a name: one guest session per name, whatever its case.
QString guest(const QString &name)
{
    return u"g:"_s + name.toLower();
}

// A message from (and, if private, to) the guest sessions named so.
StoredMessage message(qint64 id, const QString &from, const QString &text, const QString &to = {})
{
    StoredMessage m;
    m.id = id;
    m.from = from;
    m.to = to;
    m.text = text;
    m.msecs = 1'700'000'000'000 + id;
    m.fromIdentity = guest(from);
    m.toIdentity = to.isEmpty() ? QString() : guest(to);
    return m;
}

// A private message between the identities given, whatever the names shown.
StoredMessage privateMessage(qint64 id, const QString &from, const QString &fromIdentity,
    const QString &to, const QString &toIdentity, bool undelivered = false)
{
    StoredMessage m = message(id, from, u"from %1 to %2"_s.arg(from, to), to);
    m.fromIdentity = fromIdentity;
    m.toIdentity = toIdentity;
    m.undelivered = undelivered;
    return m;
}

Leaderboard::Entry score(const QString &player, const QString &name, double points, double seconds,
    const QDateTime &when)
{
    return {name, points, seconds, int(points), 0, when, player, false};
}

QList<qint64> ids(const MessageStore::Page &page)
{
    QList<qint64> result;
    for (const StoredMessage &m : page.messages) {
        result.append(m.id);
    }
    return result;
}

// A connection to the store at location that is not MessageStore's, as another program's.
QSqlDatabase rawDatabase(const QString &location, const QString &connection)
{
    if (!location.startsWith("postgresql://"_L1)) {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, connection);
        db.setDatabaseName(location);
        return db;
    }
    const QUrl url(location);
    QSqlDatabase db = QSqlDatabase::addDatabase(u"QPSQL"_s, connection);
    db.setHostName(url.host());
    db.setPort(url.port());
    db.setUserName(url.userName());
    db.setDatabaseName(url.path().mid(1));
    return db;
}

// Runs SQL on a store the way another program would, outside MessageStore.
void runSql(const QString &path, const QStringList &statements)
{
    {
        QSqlDatabase db = rawDatabase(path, u"raw"_s);
        QVERIFY(db.open());
        QSqlQuery query(db);
        for (const QString &statement : statements) {
            QVERIFY2(query.exec(statement), qPrintable(statement));
        }
    }
    QSqlDatabase::removeDatabase(u"raw"_s);
}

// The tables exactly as schema version 1 made them.
QStringList versionOneSchema()
{
    return {u"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"_s,
        u"CREATE TABLE messages (id INTEGER PRIMARY KEY, sender TEXT NOT NULL, "
        "recipient TEXT, text TEXT NOT NULL, ts INTEGER NOT NULL)"_s};
}

// The statement that made the index, or an empty string if the file has no such index.
QString indexSql(const QString &path, const QString &index)
{
    QString sql;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"indexes"_s);
        db.setDatabaseName(path);
        if (db.open()) {
            QSqlQuery query(db);
            query.prepare(u"SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?"_s);
            query.addBindValue(index);
            if (query.exec() && query.next()) {
                sql = query.value(0).toString();
            }
        }
    }
    QSqlDatabase::removeDatabase(u"indexes"_s);
    return sql;
}

// The history indexes of schema 5 are by identity, none of them by name any more.
void verifyIdentityIndexes(const QString &path)
{
    const QString from = indexSql(path, u"messages_from"_s);
    const QString to = indexSql(path, u"messages_to"_s);
    const QString undelivered = indexSql(path, u"messages_undelivered"_s);
    QVERIFY2(from.contains(u"(sender_identity, id)"_s), qPrintable(from));
    QVERIFY2(to.contains(u"(recipient_identity, id)"_s), qPrintable(to));
    QVERIFY2(undelivered.contains(u"recipient_identity"_s), qPrintable(undelivered));
    // Schema 6: messages to everyone by room.
    QVERIFY(indexSql(path, u"messages_public"_s).isEmpty());
    QVERIFY2(indexSql(path, u"messages_room"_s).contains(u"(room, id)"_s),
        qPrintable(indexSql(path, u"messages_room"_s)));
    for (const QString &sql : {from, to, undelivered}) {
        QVERIFY2(!sql.contains(u"lower("_s), qPrintable(sql));
    }
}

// The number of messages in the file, however many of them anyone may read.
int messageCount(const QString &path)
{
    int count = -1;
    {
        QSqlDatabase db = rawDatabase(path, u"count"_s);
        if (db.open()) {
            QSqlQuery query(u"SELECT count(*) FROM messages"_s, db);
            if (query.next()) {
                count = query.value(0).toInt();
            }
        }
    }
    QSqlDatabase::removeDatabase(u"count"_s);
    return count;
}

// The tables exactly as schema version 2 made them.
QStringList versionTwoSchema()
{
    return versionOneSchema()
        + QStringList{u"ALTER TABLE messages ADD COLUMN cid TEXT"_s,
            u"CREATE TABLE scores (name_key TEXT PRIMARY KEY, name TEXT NOT NULL, "
            "score REAL NOT NULL, seconds REAL NOT NULL, right_answers INTEGER NOT NULL, "
            "wrong_answers INTEGER NOT NULL, ts INTEGER NOT NULL)"_s};
}

constexpr qint64 Now = 1'700'000'000'000;
constexpr qint64 Day = 24 * 3600 * 1000;
constexpr qint64 IdleExpiry = 90 * Day; // the default the server will use

// What the server will make of a password elsewhere; the store only ever sees such strings.
const QByteArray AliceHash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0$"
                             "YWxpY2UtaGFzaC1ub3QtcmVhbGx5LWFyZ29uMg";
const QByteArray NewHash = "$argon2id$v=19$m=65536,t=3,p=4$bmV3c2FsdG5ld3NhbHQ$"
                           "bmV3LWhhc2gtbm90LXJlYWxseS1hcmdvbjI";

// A token as a client would hold it, and what the store keeps of it.
QByteArray digestOf(const QByteArray &token)
{
    return QCryptographicHash::hash(token, QCryptographicHash::Sha256);
}

// The account's password hash, or nothing if there is no such account.
QByteArray hashOf(const MessageStore &store, const QString &name)
{
    const auto account = store.accounts().account(name);
    return account ? account->passwordHash : QByteArray();
}

// Everything logged while it lives, so a test can say what the store gave away in its logs.
class LogCapture
{
public:
    LogCapture() { s_previous = qInstallMessageHandler(&LogCapture::handle); }
    ~LogCapture() { qInstallMessageHandler(s_previous); }
    QByteArray text() const { return s_text; }

private:
    static void handle(QtMsgType type, const QMessageLogContext &context, const QString &message)
    {
        s_text += message.toUtf8() + '\n';
        s_previous(type, context, message);
    }
    static inline QtMessageHandler s_previous = nullptr;
    static inline QByteArray s_text;
};

QByteArray fileBytes(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Everything the store keeps, as someone with a copy of it could read it: an SQLite file and its
// log byte for byte, or every value of every table of a PostgreSQL database.
QByteArray storedBytes(const QString &location)
{
    if (!location.startsWith("postgresql://"_L1)) {
        return fileBytes(location) + fileBytes(location + u"-wal"_s);
    }
    QByteArray bytes;
    {
        QSqlDatabase db = rawDatabase(location, u"dump"_s);
        if (db.open()) {
            for (const QString &table : db.tables()) {
                QSqlQuery query(u"SELECT * FROM %1"_s.arg(table), db);
                while (query.next()) {
                    for (int i = 0; i < query.record().count(); ++i) {
                        const QVariant value = query.value(i);
                        bytes += value.typeId() == QMetaType::QByteArray
                            ? value.toByteArray()
                            : value.toString().toUtf8();
                        bytes += '\n';
                    }
                }
            }
        }
    }
    QSqlDatabase::removeDatabase(u"dump"_s);
    return bytes;
}

// The first step of a history query plan that reads messages other than through one of the
// indexes by visibility or a lookup of a single id, or an empty string if there is none. A
// range of the primary key ("rowid>? AND rowid<?") counts as a scan: it is how the query
// without those indexes walked every message between the page's ends.
QString stepPastHiddenRows(const QStringList &plan)
{
    static const QRegularExpression readsMessages(u"\\bmessages\\b"_s);
    static const QRegularExpression allowed(
        u"^SEARCH messages USING (INTEGER PRIMARY KEY \\(rowid=\\?\\)$"
        "|(COVERING )?INDEX messages_(room|from|to) )"_s);
    if (plan.isEmpty()) {
        return u"(no plan)"_s;
    }
    for (const QString &step : plan) {
        if (step.startsWith(u"error"_s)
            || (step.contains(readsMessages) && !step.contains(allowed))) {
            return step;
        }
    }
    return {};
}

bool isVisibleTo(const StoredMessage &m, const QString &viewer)
{
    return !m.isPrivate() || m.fromIdentity == viewer || m.toIdentity == viewer;
}

} // namespace

void tst_MessageStore::initTestCase()
{
    if (qEnvironmentVariable("NATTER_TEST_STORE") == "postgres"_L1) {
        m_postgres = std::make_unique<PostgresServer>();
        QVERIFY2(m_postgres->start(), qPrintable(m_postgres->error()));
    }
}

void tst_MessageStore::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_databases.clear();
}

QString tst_MessageStore::path(const QString &name)
{
    if (!m_postgres) {
        return m_dir->filePath(name);
    }
    QString &url = m_databases[name];
    if (url.isEmpty()) {
        url = m_postgres->createDatabase(u"store%1"_s.arg(++m_databaseCount));
        if (url.isEmpty()) {
            qWarning().noquote() << m_postgres->error();
        }
    }
    return url;
}

std::unique_ptr<MessageStore> tst_MessageStore::open(const QString &path, qint64 maxPages)
{
    auto opened = MessageStore::open({path, false, maxPages});
    if (auto *error = std::get_if<QString>(&opened)) {
        qWarning().noquote() << *error;
        return nullptr;
    }
    return std::move(std::get<std::unique_ptr<MessageStore>>(opened));
}

void tst_MessageStore::writeReadBackAndReopen()
{
    const QString file = path(u"history.db"_s);
    {
        auto store = open(file);
        QVERIFY(store);
        QCOMPARE(store->lastId().value_or(-1), 0);
        StoredMessage withCid = message(2, u"bob"_s, u"ünïcode ✓\nsecond line"_s);
        withCid.cid = u"c-1"_s;
        // A cid without a sender identity is nobody's to resend with.
        StoredMessage anonymous = message(3, u"old"_s, u"before identities"_s);
        anonymous.cid = u"c-old"_s;
        anonymous.fromIdentity.clear();
        StoredMessage toDave = message(4, u"Carol"_s, u"to dave"_s, u"Dave"_s);
        toDave.cid = u"c-2"_s;
        QVERIFY(store->write({message(1, u"alice"_s, u"hello"_s), withCid, anonymous, toDave}, {}));
        const MessageStore::Page page = store->history({guest(u"carol"_s)});
        QCOMPARE(ids(page), (QList<qint64>{1, 2, 3, 4}));
        QVERIFY(!page.more);
        QCOMPARE(page.messages[1].text, withCid.text);
        QCOMPARE(page.messages[1].cid, u"c-1"_s);
        QCOMPARE(page.messages[1].msecs, withCid.msecs);
        QCOMPARE(page.messages[1].fromIdentity, u"g:bob"_s);
        QCOMPARE(page.messages[1].toIdentity, QString());
        QCOMPARE(page.messages[0].cid, QString());
        QCOMPARE(page.messages[2].fromIdentity, QString());
        QCOMPARE(page.messages[3].from, u"Carol"_s);
        QCOMPARE(page.messages[3].to, u"Dave"_s);
        QCOMPARE(page.messages[3].fromIdentity, u"g:carol"_s);
        QCOMPARE(page.messages[3].toIdentity, u"g:dave"_s);
        QVERIFY(!page.messages[3].undelivered);
    }
    auto reopened = open(file);
    QVERIFY(reopened);
    QCOMPARE(reopened->lastId().value_or(-1), 4);
    const QList<StoredMessage> cids = reopened->recentWithCid(10);
    QCOMPARE(cids.size(), 2);
    QCOMPARE(cids[0].from, u"bob"_s);
    QCOMPARE(cids[0].fromIdentity, u"g:bob"_s);
    QCOMPARE(cids[1].cid, u"c-2"_s);
    QCOMPARE(cids[1].fromIdentity, u"g:carol"_s);
    QCOMPARE(reopened->recentWithCid(1).size(), 1);
    QCOMPARE(reopened->recentWithCid(1).at(0).id, 4);
    QCOMPARE(ids(reopened->history({guest(u"dave"_s)})), (QList<qint64>{1, 2, 3, 4}));
    QVERIFY(reopened->write({message(5, u"alice"_s, u"again"_s)}, {}));
    QCOMPARE(reopened->lastId().value_or(-1), 5);
    // An id that exists already fails the batch instead of overwriting history.
    QVERIFY(!reopened->write({message(5, u"mallory"_s, u"overwrite"_s)}, {}));
    QCOMPARE(reopened->history({guest(u"x"_s)}).messages.last().from, u"alice"_s);
    QCOMPARE(reopened->history({guest(u"x"_s)}).messages.last().fromIdentity, u"g:alice"_s);
}

void tst_MessageStore::pagingBothWays()
{
    auto store = open(path(u"paging.db"_s));
    QVERIFY(store);
    QList<StoredMessage> batch;
    for (qint64 id = 1; id <= 120; ++id) {
        batch.append(message(id, u"alice"_s, QString::number(id)));
    }
    QVERIFY(store->write(batch, {}));

    MessageStore::Query latest{guest(u"bob"_s)};
    const MessageStore::Page newest = store->history(latest);
    QCOMPARE(ids(newest), idRange(71, 120));
    QVERIFY(newest.more);

    latest.before = 71;
    QCOMPARE(ids(store->history(latest)), idRange(21, 70));
    latest.before = 21;
    const MessageStore::Page first = store->history(latest);
    QCOMPARE(ids(first), idRange(1, 20));
    QVERIFY(!first.more);

    MessageStore::Query forward{
        guest(u"bob"_s), 100, std::numeric_limits<qint64>::max(), 15, false};
    const MessageStore::Page next = store->history(forward);
    QCOMPARE(ids(next), idRange(101, 115));
    QVERIFY(next.more);
    forward.after = 115;
    QCOMPARE(ids(store->history(forward)), idRange(116, 120));
    QVERIFY(!store->history(forward).more);

    // A bounded range, newest first, as the resume of a hello with since uses it.
    const MessageStore::Page replay = store->history({guest(u"bob"_s), 10, 31, 5, true});
    QCOMPARE(ids(replay), idRange(26, 30));
    QVERIFY(replay.more);
}

void tst_MessageStore::privateMessagesOnlyForTheTwo()
{
    auto store = open(path(u"dm.db"_s));
    QVERIFY(store);
    QVERIFY(store->write(
        {message(1, u"alice"_s, u"public"_s), message(2, u"Alice"_s, u"to bob"_s, u"Bob"_s),
            message(3, u"carol"_s, u"to alice"_s, u"alice"_s)},
        {}));
    QCOMPARE(ids(store->history({u"g:bob"_s})), (QList<qint64>{1, 2}));
    QCOMPARE(ids(store->history({u"g:alice"_s})), (QList<qint64>{1, 2, 3}));
    QCOMPARE(ids(store->history({u"g:carol"_s})), (QList<qint64>{1, 3}));
    QCOMPARE(ids(store->history({u"g:dave"_s})), (QList<qint64>{1}));
    // An identity that merely contains another one sees nothing more.
    QCOMPARE(ids(store->history({u"g:bobby"_s})), (QList<qint64>{1}));
    QCOMPARE(ids(store->history({u"g:bo"_s})), (QList<qint64>{1}));
    // A viewer is an identity: the bare names, in any case, see only the public message, as
    // does an account that happens to have one of those names and no viewer at all.
    for (const QString &viewer : {u"bob"_s, u"Bob"_s, u"alice"_s, u"a:1"_s, QString()}) {
        QCOMPARE(ids(store->history({viewer})), (QList<qint64>{1}));
    }
}

void tst_MessageStore::historyReadsOnlyVisibleRows_data()
{
    QTest::addColumn<MessageStore::Query>("query");
    QTest::newRow("newest page") << MessageStore::Query{u"g:bob"_s};
    QTest::newRow("earlier page") << MessageStore::Query{
        u"g:bob"_s, 0, 5000, Protocol::DefaultHistoryPage, true};
    QTest::newRow("oldest forward")
        << MessageStore::Query{u"g:bob"_s, 120, std::numeric_limits<qint64>::max(), 15, false};
    QTest::newRow("bounded range") << MessageStore::Query{u"g:bob"_s, 10, 31, 5, true};
    QTest::newRow("account") << MessageStore::Query{u"a:12"_s};
}

void tst_MessageStore::historyReadsOnlyVisibleRows()
{
    if (m_postgres) {
        QSKIP("the query plans checked are SQLite's");
    }
    QFETCH(MessageStore::Query, query);
    auto store = open(path(u"plan.db"_s));
    QVERIFY(store);
    QVERIFY(store->write(
        {message(1, u"alice"_s, u"public"_s), message(2, u"alice"_s, u"to bob"_s, u"bob"_s),
            message(3, u"carol"_s, u"to dave"_s, u"dave"_s)},
        {}));
    const QStringList plan = store->historyPlan(query);
    const QString joined = plan.join(u'\n');
    const QString bad = stepPastHiddenRows(plan);
    QVERIFY2(bad.isEmpty(), qPrintable(u"%1\nin the plan\n%2"_s.arg(bad, joined)));
    // Each of the three ranges is read through its own index, the private ones by identity.
    for (const QString &index : {u"messages_room"_s, u"messages_from"_s, u"messages_to"_s}) {
        QVERIFY2(joined.contains(index), qPrintable(joined));
    }
    QVERIFY2(joined.contains(u"sender_identity=?"_s), qPrintable(joined));
    QVERIFY2(joined.contains(u"recipient_identity=?"_s), qPrintable(joined));
    QVERIFY2(!joined.contains(u"messages_undelivered"_s), qPrintable(joined));
    store.reset();
    verifyIdentityIndexes(path(u"plan.db"_s));
}

void tst_MessageStore::pagingPastManyHiddenMessages()
{
    // Other people's private messages by the ten thousand, with bob's messages scattered
    // among them: public ones, private ones he sent or received in any case of his name, one
    // to himself, private ones between identities that merely contain his, and private ones
    // of another bob (another guest session that used his name).
    constexpr qint64 Count = 50'000;
    const QString viewer = guest(u"bob"_s);
    QList<StoredMessage> batch;
    batch.reserve(Count);
    for (qint64 id = 1; id <= Count; ++id) {
        const QString other = u"user%1"_s.arg(id % 97);
        if (id % 211 == 0) {
            batch.append(message(id, other, u"public"_s));
        } else if (id % 1009 == 0) {
            batch.append(message(id, u"BoB"_s, u"from bob"_s, other));
        } else if (id % 1013 == 0) {
            batch.append(message(id, other, u"to bob"_s, u"Bob"_s));
        } else if (id == 25'000) {
            batch.append(message(id, u"bob"_s, u"note to self"_s, u"bob"_s));
        } else if (id % 997 == 0) {
            batch.append(message(id, u"bobby"_s, u"not for bob"_s, u"abob"_s));
        } else if (id % 991 == 0) {
            batch.append(privateMessage(id, u"bob"_s, u"g:bob-2"_s, other, guest(other)));
        } else if (id % 983 == 0) {
            batch.append(privateMessage(id, other, guest(other), u"Bob"_s, u"g:bob-2"_s));
        } else {
            batch.append(message(id, other, u"secret"_s, u"user%1"_s.arg(id % 89)));
        }
    }
    QList<qint64> visible;
    for (const StoredMessage &m : std::as_const(batch)) {
        if (isVisibleTo(m, viewer)) {
            visible.append(m.id);
        }
    }
    QVERIFY(visible.size() > 250 && visible.size() < 400); // several pages, all but a few hidden

    auto store = open(path(u"hidden.db"_s));
    QVERIFY(store);
    QVERIFY(store->write(batch, {}));

    // Newest first, each page ending where the one before it began.
    QList<qint64> backwards;
    MessageStore::Query older{viewer};
    for (;;) {
        const MessageStore::Page page = store->history(older);
        QVERIFY(!page.messages.isEmpty());
        for (const StoredMessage &m : page.messages) {
            QVERIFY2(isVisibleTo(m, viewer), qPrintable(QString::number(m.id)));
        }
        backwards = ids(page) + backwards;
        QCOMPARE(page.more, backwards.size() < visible.size());
        if (!page.more) {
            break;
        }
        QCOMPARE(page.messages.size(), older.limit);
        older.before = page.messages.first().id;
    }
    QCOMPARE(backwards, visible);

    // Oldest first, in pages of an odd size.
    QList<qint64> forwards;
    MessageStore::Query newer{viewer, 0, std::numeric_limits<qint64>::max(), 37, false};
    for (;;) {
        const MessageStore::Page page = store->history(newer);
        forwards += ids(page);
        QCOMPARE(page.more, forwards.size() < visible.size());
        if (!page.more) {
            break;
        }
        newer.after = page.messages.last().id;
    }
    QCOMPARE(forwards, visible);

    // A bounded range in the middle, as a resume asks for it.
    const qint64 from = 10'000, to = 30'000;
    QList<qint64> inRange;
    for (const qint64 id : std::as_const(visible)) {
        if (id > from && id < to) {
            inRange.append(id);
        }
    }
    const MessageStore::Page bounded = store->history({viewer, from, to, 1000, true});
    QCOMPARE(ids(bounded), inRange);
    QVERIFY(!bounded.more);

    // The other side of a private message sees it too, and bob's none of it.
    const MessageStore::Page other = store->history({guest(u"USER5"_s), 0, 2000, 1000, false});
    QList<qint64> expected;
    for (const StoredMessage &m : std::as_const(batch)) {
        if (m.id < 2000 && isVisibleTo(m, u"g:user5"_s)) {
            expected.append(m.id);
        }
    }
    QCOMPARE(ids(other), expected);
    QVERIFY(expected.size() > 20);
    if (!m_postgres) { // PostgreSQL's planner picks by statistics that change as it gathers them
        QVERIFY(stepPastHiddenRows(store->historyPlan(older)).isEmpty());
    }
}

void tst_MessageStore::sameNameOtherIdentitySeesNothing()
{
    // Two guests called alice, one after the other: the second must not read what the first
    // and bob said to each other, although every row carries the name she now uses.
    auto store = open(path(u"samename.db"_s));
    QVERIFY(store);
    QVERIFY(store->write({message(1, u"alice"_s, u"public"_s),
                             privateMessage(2, u"alice"_s, u"g:alice1"_s, u"bob"_s, u"g:bob"_s),
                             privateMessage(3, u"bob"_s, u"g:bob"_s, u"alice"_s, u"g:alice1"_s),
                             message(4, u"bob"_s, u"public again"_s)},
        {}));
    QCOMPARE(ids(store->history({u"g:alice2"_s})), (QList<qint64>{1, 4}));
    QCOMPARE(ids(store->read({u"g:alice2"_s, 0, std::numeric_limits<qint64>::max(),
                 Protocol::DefaultHistoryPage, true, true})),
        (QList<qint64>{1, 4}));
    // Nor does her name as a viewer, or the identity the helper would give it.
    QCOMPARE(ids(store->history({u"alice"_s})), (QList<qint64>{1, 4}));
    QCOMPARE(ids(store->history({guest(u"alice"_s)})), (QList<qint64>{1, 4}));
    // The two who wrote them still see them.
    QCOMPARE(ids(store->history({u"g:alice1"_s})), (QList<qint64>{1, 2, 3, 4}));
    QCOMPARE(ids(store->history({u"g:bob"_s})), (QList<qint64>{1, 2, 3, 4}));
}

void tst_MessageStore::undeliveredAreTakenOnce()
{
    auto store = open(path(u"undelivered.db"_s));
    QVERIFY(store);
    QVERIFY(store->write({message(1, u"alice"_s, u"public"_s),
                             privateMessage(2, u"alice"_s, u"a:1"_s, u"bob"_s, u"a:2"_s, true),
                             privateMessage(3, u"alice"_s, u"a:1"_s, u"carol"_s, u"a:3"_s, true),
                             privateMessage(4, u"alice"_s, u"a:1"_s, u"bob"_s, u"a:2"_s)},
        {}));
    const MessageStore::Query take{u"a:2"_s, 0, std::numeric_limits<qint64>::max(), 0, true, true};

    // The sender's read takes nothing, and leaves bob's waiting.
    MessageStore::Query sender = take;
    sender.viewer = u"a:1"_s;
    QVERIFY(store->read(sender).messages.isEmpty());

    const MessageStore::Page first = store->read(take);
    QCOMPARE(ids(first), (QList<qint64>{2})); // only those waiting, and only bob's
    QVERIFY(!first.more);
    QCOMPARE(first.messages[0].text, u"from alice to bob"_s);
    QCOMPARE(first.messages[0].fromIdentity, u"a:1"_s);
    QCOMPARE(first.messages[0].toIdentity, u"a:2"_s);
    // Taken once: the next sign-in finds nothing waiting.
    QVERIFY(store->read(take).messages.isEmpty());
    // A read that does not ask takes nothing, and a read of carol's leaves bob's alone.
    MessageStore::Query carol = take;
    carol.viewer = u"a:3"_s;
    carol.takeUndelivered = false;
    QVERIFY(store->read(carol).messages.isEmpty());
    carol.takeUndelivered = true;
    QCOMPARE(ids(store->read(carol)), (QList<qint64>{3}));
    QVERIFY(store->read(carol).messages.isEmpty());
    // Delivered is not deleted: his history still has it.
    QCOMPARE(ids(store->history({u"a:2"_s})), (QList<qint64>{1, 2, 4}));
    QCOMPARE(ids(store->history({u"a:1"_s})), (QList<qint64>{1, 2, 3, 4}));

    // What is delivered stays delivered in the file.
    QVERIFY(store->write({privateMessage(5, u"carol"_s, u"a:3"_s, u"bob"_s, u"a:2"_s, true)}, {}));
    store.reset();
    store = open(path(u"undelivered.db"_s));
    QVERIFY(store);
    QCOMPARE(ids(store->read(take)), (QList<qint64>{5}));
    QVERIFY(store->read(take).messages.isEmpty());
}

void tst_MessageStore::undeliveredInAPageGapAreLeftToPaging()
{
    // Public messages 1..80 with private ones to two offline accounts among them.
    QList<StoredMessage> batch;
    for (qint64 id = 1; id <= 80; ++id) {
        if (id == 5 || id == 58 || id == 75) {
            batch.append(privateMessage(id, u"alice"_s, u"a:1"_s, u"bob"_s, u"a:2"_s, true));
        } else if (id == 4 || id == 66) {
            batch.append(privateMessage(id, u"alice"_s, u"a:1"_s, u"carol"_s, u"a:3"_s, true));
        } else {
            batch.append(message(id, u"alice"_s, QString::number(id)));
        }
    }
    auto store = open(path(u"gap.db"_s));
    QVERIFY(store);
    QVERIFY(store->write(batch, {}));

    // Bob's page before 70 has a gap (it is only the newest ten he may see, 66 being carol's):
    // 5 and 58 fall in it and are left to paging; 75 is not before 70 and waits.
    const MessageStore::Page page = store->read({u"a:2"_s, 0, 70, 10, true, true});
    QCOMPARE(ids(page), (QList<qint64>{59, 60, 61, 62, 63, 64, 65, 67, 68, 69}));
    QVERIFY(page.more);
    // The ones in the gap were handed over all the same: paging finds them, a sign-in no more.
    const MessageStore::Page waiting
        = store->read({u"a:2"_s, 0, std::numeric_limits<qint64>::max(), 0, true, true});
    QCOMPARE(ids(waiting), (QList<qint64>{75}));
    QVERIFY(store->read({u"a:2"_s, 0, std::numeric_limits<qint64>::max(), 0, true, true})
                .messages.isEmpty());
    const MessageStore::Page older = store->history({u"a:2"_s, 0, 59, 100, true});
    QVERIFY(ids(older).contains(5));
    QVERIFY(ids(older).contains(58));

    // Carol's page after 50 has no gap: 4, before its range, is merged in id order, and 66,
    // in the page already, is there once.
    const MessageStore::Page merged
        = store->read({u"a:3"_s, 50, std::numeric_limits<qint64>::max(), 100, true, true});
    QList<qint64> expected{4};
    for (qint64 id = 51; id <= 80; ++id) {
        if (id != 58 && id != 75) {
            expected.append(id);
        }
    }
    QCOMPARE(ids(merged), expected);
    QVERIFY(!merged.more);
    QVERIFY(store->read({u"a:3"_s, 0, std::numeric_limits<qint64>::max(), 0, true, true})
                .messages.isEmpty());
}

void tst_MessageStore::transferIdentityMovesGuestMessages()
{
    auto store = open(path(u"transfer.db"_s));
    QVERIFY(store);
    QVERIFY(store->write(
        {message(1, u"x"_s, u"public"_s), privateMessage(2, u"x"_s, u"g:x"_s, u"y"_s, u"g:y"_s),
            privateMessage(3, u"y"_s, u"g:y"_s, u"x"_s, u"g:x"_s),
            privateMessage(4, u"y"_s, u"g:y"_s, u"z"_s, u"g:z"_s),
            privateMessage(5, u"x"_s, u"g:x2"_s, u"y"_s, u"g:y"_s)},
        {}));
    QCOMPARE(ids(store->history({u"g:x"_s})), (QList<qint64>{1, 2, 3}));
    QCOMPARE(ids(store->history({u"a:9"_s})), (QList<qint64>{1}));

    QVERIFY(store->transferIdentity(u"g:x"_s, u"a:9"_s));
    const MessageStore::Page account = store->history({u"a:9"_s});
    QCOMPARE(ids(account), (QList<qint64>{1, 2, 3}));
    QCOMPARE(account.messages[1].fromIdentity, u"a:9"_s);
    QCOMPARE(account.messages[1].toIdentity, u"g:y"_s);
    QCOMPARE(account.messages[2].fromIdentity, u"g:y"_s);
    QCOMPARE(account.messages[2].toIdentity, u"a:9"_s);
    QCOMPARE(ids(store->history({u"g:x"_s})), (QList<qint64>{1}));
    // The other side keeps them, and nobody else's identity moved.
    QCOMPARE(ids(store->history({u"g:y"_s})), (QList<qint64>{1, 2, 3, 4, 5}));
    QCOMPARE(ids(store->history({u"g:x2"_s})), (QList<qint64>{1, 5}));
    QCOMPARE(ids(store->history({u"g:z"_s})), (QList<qint64>{1, 4}));
    // An identity with nothing to give moves nothing.
    QVERIFY(store->transferIdentity(u"g:nobody"_s, u"a:9"_s));
    QCOMPARE(ids(store->history({u"a:9"_s})), (QList<qint64>{1, 2, 3}));
}

void tst_MessageStore::leaderboardIsStored()
{
    const QString file = path(u"scores.db"_s);
    const QDateTime when = QDateTime::fromMSecsSinceEpoch(1'700'000'000'000, Qt::UTC);
    {
        auto store = open(file);
        QVERIFY(store);
        QVERIFY(store->write({}, {score(u"a:3"_s, u"Alice"_s, 3.5, 20.25, when)}));
        // Her new best replaces it, under the name she has now.
        QVERIFY(store->write({}, {score(u"a:3"_s, u"alice"_s, 5, 18, when)}));
        // Another account that shows the same name is another player.
        QVERIFY(store->write({}, {score(u"a:4"_s, u"alice"_s, 2, 30, when.addSecs(60))}));
        // A guest's entry, if one ever reached the store, is not an account's to load.
        Leaderboard::Entry guestEntry = score(u"g:alice"_s, u"alice"_s, 9, 1, when);
        guestEntry.guest = true;
        QVERIFY(store->write({}, {guestEntry}));
    }
    // A score keyed by a bare name, as before accounts, is no player's any more.
    runSql(file, {u"INSERT INTO scores VALUES ('bob', 'Bob', 7, 4, 7, 0, 5)"_s});
    auto store = open(file);
    QVERIFY(store);
    QList<Leaderboard::Entry> scores = store->scores();
    std::sort(
        scores.begin(), scores.end(), [](const Leaderboard::Entry &a, const Leaderboard::Entry &b) {
            return a.player < b.player;
        });
    QCOMPARE(scores.size(), 2);
    QCOMPARE(scores[0].player, u"a:3"_s);
    QCOMPARE(scores[0].name, u"alice"_s);
    QCOMPARE(scores[0].score, 5.0);
    QCOMPARE(scores[0].seconds, 18.0);
    QCOMPARE(scores[0].right, 5);
    QCOMPARE(scores[0].wrong, 0);
    QCOMPARE(scores[0].when, when);
    QVERIFY(!scores[0].guest);
    QCOMPARE(scores[1].player, u"a:4"_s);
    QCOMPARE(scores[1].name, u"alice"_s);
    QCOMPARE(scores[1].score, 2.0);
    QCOMPARE(scores[1].when, when.addSecs(60));
    QVERIFY(!scores[1].guest);
}

void tst_MessageStore::accountsByNameInAnyCase()
{
    auto store = open(path(u"accounts.db"_s));
    QVERIFY(store);
    QVERIFY(!store->accounts().account(u"alice"_s));
    const auto created = store->accounts().createAccount(u"Alice"_s, AliceHash, Now);
    QVERIFY(created);
    QVERIFY(created->id > 0);
    QCOMPARE(created->name, u"Alice"_s);
    QCOMPARE(created->passwordHash, AliceHash);
    QCOMPARE(created->created, Now);

    for (const QString &asked : {u"Alice"_s, u"alice"_s, u"ALICE"_s, u"aLiCe"_s}) {
        const auto found = store->accounts().account(asked);
        QVERIFY2(found, qPrintable(asked));
        QCOMPARE(found->id, created->id);
        QCOMPARE(found->name, u"Alice"_s); // as registered, not as asked
        QCOMPARE(found->passwordHash, AliceHash);
        QCOMPARE(found->created, Now);
    }
    // The name is taken in every case, and the first account is left as it was.
    for (const QString &again : {u"Alice"_s, u"alice"_s, u"ALICE"_s}) {
        QVERIFY2(!store->accounts().createAccount(again, NewHash, Now + 1), qPrintable(again));
    }
    QCOMPARE(hashOf(*store, u"alice"_s), AliceHash);
    QVERIFY(!store->accounts().account(u"alic"_s));
    QVERIFY(!store->accounts().account(u"alice2"_s));

    const auto bob = store->accounts().createAccount(u"bob"_s, NewHash, Now);
    QVERIFY(bob);
    QVERIFY(bob->id != created->id);
    // Neither an empty name nor a hash that is not Argon2id, such as a plain password.
    QVERIFY(!store->accounts().createAccount(QString(), AliceHash, Now));
    QVERIFY(!store->accounts().createAccount(u"carol"_s, "hunter2", Now));
    QVERIFY(!store->accounts().createAccount(u"carol"_s, QByteArray(), Now));
    QVERIFY(!store->accounts().account(u"carol"_s));
}

void tst_MessageStore::passwordChange()
{
    auto store = open(path(u"password.db"_s));
    QVERIFY(store);
    const auto alice = store->accounts().createAccount(u"alice"_s, AliceHash, Now);
    const auto bob = store->accounts().createAccount(u"bob"_s, AliceHash, Now);
    QVERIFY(alice && bob);
    QVERIFY(store->accounts().setPasswordHash(alice->id, NewHash));
    QCOMPARE(hashOf(*store, u"ALICE"_s), NewHash);
    QCOMPARE(hashOf(*store, u"bob"_s), AliceHash); // only hers changed
    QVERIFY(!store->accounts().setPasswordHash(alice->id, "plain password"));
    QVERIFY(!store->accounts().setPasswordHash(alice->id, QByteArray()));
    QCOMPARE(hashOf(*store, u"alice"_s), NewHash);
    QVERIFY(!store->accounts().setPasswordHash(bob->id + 1000, NewHash)); // no such account
    // A change made from a hash read before another change does not undo it.
    QVERIFY(!store->accounts().setPasswordHash(alice->id, AliceHash, AliceHash));
    QCOMPARE(hashOf(*store, u"alice"_s), NewHash);
    QVERIFY(store->accounts().setPasswordHash(alice->id, AliceHash, NewHash));
    QCOMPARE(hashOf(*store, u"alice"_s), AliceHash);
}

void tst_MessageStore::tokensPerAccountAreBounded()
{
    auto store = open(path(u"manytokens.db"_s));
    QVERIFY(store);
    const auto alice = store->accounts().createAccount(u"alice"_s, AliceHash, Now);
    QVERIFY(alice);
    const int count = AccountStore::MaxTokensPerAccount + 20;
    for (int i = 0; i < count; ++i) {
        QVERIFY(store->accounts().addToken(
            alice->id, digestOf("token " + QByteArray::number(i)), u"p"_s, Now + i));
    }
    // The newest are kept, the oldest beyond the bound are gone.
    QVERIFY(store->accounts().accountForToken(
        digestOf("token " + QByteArray::number(count - 1)), Now + count, IdleExpiry));
    QVERIFY(store->accounts().accountForToken(
        digestOf("token " + QByteArray::number(count - AccountStore::MaxTokensPerAccount)),
        Now + count, IdleExpiry));
    QVERIFY(!store->accounts().accountForToken(
        digestOf("token " + QByteArray::number(count - AccountStore::MaxTokensPerAccount - 1)),
        Now + count, IdleExpiry));
}

void tst_MessageStore::tokensFindTouchAndExpire()
{
    auto store = open(path(u"tokens.db"_s));
    QVERIFY(store);
    const auto alice = store->accounts().createAccount(u"Alice"_s, AliceHash, Now);
    QVERIFY(alice);
    const QByteArray token = digestOf("alice's first token");
    QVERIFY(store->accounts().addToken(alice->id, token, u"laptop"_s, Now));
    QVERIFY(
        !store->accounts().addToken(alice->id, token, u"again"_s, Now)); // a digest is stored once
    QVERIFY(
        !store->accounts().addToken(alice->id + 1000, digestOf("x"), u"p"_s, Now)); // no account
    QVERIFY(!store->accounts().addToken(alice->id, "not a digest", u"p"_s, Now));
    // Given for a password that is no longer the account's: not stored.
    QVERIFY(!store->accounts().addToken(alice->id, digestOf("stale"), u"p"_s, Now, NewHash));
    QVERIFY(!store->accounts().accountForToken(digestOf("stale"), Now, IdleExpiry));
    QVERIFY(store->accounts().addToken(alice->id, digestOf("current"), u"p"_s, Now, AliceHash));
    QVERIFY(store->accounts().accountForToken(digestOf("current"), Now, IdleExpiry));
    QVERIFY(!store->accounts().accountForToken(digestOf("never issued"), Now, IdleExpiry));
    QVERIFY(!store->accounts().accountForToken(QByteArray(), Now, IdleExpiry));

    auto found = store->accounts().accountForToken(token, Now + Day, IdleExpiry);
    QVERIFY(found);
    QCOMPARE(found->id, alice->id);
    QCOMPARE(found->name, u"Alice"_s);
    QCOMPARE(found->passwordHash, AliceHash);

    // Every use restarts the idle time: 89 days after each use is still in time, again and
    // again, long past 90 days from its creation.
    qint64 now = Now + Day;
    for (int i = 0; i < 3; ++i) {
        now += IdleExpiry - Day;
        QVERIFY2(store->accounts().accountForToken(token, now, IdleExpiry),
            qPrintable(QString::number(i)));
    }
    QVERIFY(store->accounts().accountForToken(
        token, now + IdleExpiry, IdleExpiry)); // exactly at the limit
    now += IdleExpiry;
    // A clock that steps back neither refuses the token nor moves its last use back.
    QVERIFY(store->accounts().accountForToken(token, now - 10 * Day, IdleExpiry));
    QVERIFY(store->accounts().accountForToken(token, now + IdleExpiry, IdleExpiry));
    now += IdleExpiry;

    // One millisecond too late: refused, and gone for good.
    QVERIFY(!store->accounts().accountForToken(token, now + IdleExpiry + 1, IdleExpiry));
    QVERIFY(!store->accounts().accountForToken(token, now + 1, IdleExpiry));
    QVERIFY(!store->accounts().revokeToken(token));
    // A shorter expiry applies to the tokens that already exist.
    const QByteArray other = digestOf("alice's second token");
    QVERIFY(store->accounts().addToken(alice->id, other, u"phone"_s, Now));
    QVERIFY(!store->accounts().accountForToken(other, Now + 2 * Day, Day));
}

void tst_MessageStore::tokensRevoke()
{
    auto store = open(path(u"revoke.db"_s));
    QVERIFY(store);
    const auto alice = store->accounts().createAccount(u"alice"_s, AliceHash, Now);
    const auto bob = store->accounts().createAccount(u"bob"_s, AliceHash, Now);
    QVERIFY(alice && bob);
    const QByteArray laptop = digestOf("laptop"), phone = digestOf("phone"),
                     tablet = digestOf("tablet"), bobs = digestOf("bob's");
    QVERIFY(store->accounts().addToken(alice->id, laptop, u"laptop"_s, Now));
    QVERIFY(store->accounts().addToken(alice->id, phone, u"phone"_s, Now));
    QVERIFY(store->accounts().addToken(alice->id, tablet, u"tablet"_s, Now));
    QVERIFY(store->accounts().addToken(bob->id, bobs, u"bob"_s, Now));
    const auto valid = [&](const QByteArray &digest) {
        return store->accounts().accountForToken(digest, Now + 1, IdleExpiry).has_value();
    };

    // Logout: that token only.
    QVERIFY(store->accounts().revokeToken(tablet));
    QVERIFY(!valid(tablet));
    QVERIFY(!store->accounts().revokeToken(tablet)); // nothing left to revoke
    QVERIFY(valid(laptop) && valid(phone) && valid(bobs));

    // A password change on the laptop: the laptop stays signed in, nobody else's token moves.
    QVERIFY(store->accounts().addToken(alice->id, tablet, u"tablet"_s, Now));
    QCOMPARE(store->accounts().revokeOtherTokens(alice->id, laptop), 2);
    QVERIFY(valid(laptop));
    QVERIFY(!valid(phone));
    QVERIFY(!valid(tablet));
    QVERIFY(valid(bobs));
    QCOMPARE(store->accounts().revokeOtherTokens(alice->id, laptop), 0);

    // Revoke all: an empty digest keeps none.
    QVERIFY(store->accounts().addToken(alice->id, phone, u"phone"_s, Now));
    QCOMPARE(store->accounts().revokeOtherTokens(alice->id, QByteArray()), 2);
    QVERIFY(!valid(laptop));
    QVERIFY(!valid(phone));
    QVERIFY(valid(bobs));
    // Another account's digest keeps nothing of this one's, and takes nothing of its own.
    QVERIFY(store->accounts().addToken(alice->id, phone, u"phone"_s, Now));
    QCOMPARE(store->accounts().revokeOtherTokens(alice->id, bobs), 1);
    QVERIFY(valid(bobs));
}

void tst_MessageStore::accountsPersistAcrossReopen()
{
    const QString file = path(u"persist.db"_s);
    qint64 aliceId = 0;
    {
        auto store = open(file);
        QVERIFY(store);
        const auto alice = store->accounts().createAccount(u"Alice"_s, AliceHash, Now);
        QVERIFY(alice);
        aliceId = alice->id;
        QVERIFY(store->accounts().setPasswordHash(aliceId, NewHash));
        QVERIFY(store->accounts().addToken(aliceId, digestOf("kept"), u"laptop"_s, Now));
        QVERIFY(store->accounts().addToken(aliceId, digestOf("revoked"), u"phone"_s, Now));
        QVERIFY(store->accounts().revokeToken(digestOf("revoked")));
        QVERIFY(store->accounts().accountForToken(digestOf("kept"), Now + 50 * Day, IdleExpiry));
        QVERIFY(store->write({message(1, u"Alice"_s, u"hi"_s)}, {}));
    }
    auto store = open(file);
    QVERIFY(store);
    const auto alice = store->accounts().account(u"alice"_s);
    QVERIFY(alice);
    QCOMPARE(alice->id, aliceId);
    QCOMPARE(alice->name, u"Alice"_s);
    QCOMPARE(alice->passwordHash, NewHash);
    QCOMPARE(alice->created, Now);
    QVERIFY(!store->accounts().createAccount(u"ALICE"_s, AliceHash, Now));
    QVERIFY(!store->accounts().accountForToken(digestOf("revoked"), Now + 50 * Day, IdleExpiry));
    // The last use before the reopen counts: 130 days after creation, 80 after that use.
    const auto kept
        = store->accounts().accountForToken(digestOf("kept"), Now + 130 * Day, IdleExpiry);
    QVERIFY(kept);
    QCOMPARE(kept->id, aliceId);
    QCOMPARE(store->lastId().value_or(-1), 1);
}

void tst_MessageStore::noSecretInTheFile()
{
    // What a client knows and the file must not: a password and a token, in no encoding.
    const QByteArray password = "correct horse battery staple";
    const QByteArray newPassword = "Tr0ub4dor&3 but longer";
    QByteArray tokenBytes;
    for (int i = 0; i < 32; ++i) {
        tokenBytes.append(char(0xa5 ^ (i * 37)));
    }
    const QByteArray token
        = tokenBytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    const QByteArray secondToken = "second-token-" + token.left(20);
    // Another account, with a hash in the exact form the server's PasswordHasher writes.
    const QByteArray bobHash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g";
    const QByteArray bobPassword = "correct horse battery";
    const QByteArray bobToken = "Qm9iJ3Mgc2lnbi1pbiB0b2tlbiwgbm90IGEgZGlnZXN0";

    const QString file = path(u"secrets.db"_s);
    LogCapture log;
    {
        auto store = open(file);
        QVERIFY(store);
        // A caller that passes the secrets themselves is refused, not obeyed.
        QVERIFY(!store->accounts().createAccount(u"alice"_s, password, Now));
        const auto alice = store->accounts().createAccount(u"alice"_s, AliceHash, Now);
        QVERIFY(alice);
        QVERIFY(!store->accounts().addToken(alice->id, token, u"laptop"_s, Now));
        QVERIFY(!store->accounts().setPasswordHash(alice->id, newPassword));
        QVERIFY(store->accounts().addToken(alice->id, digestOf(token), u"laptop"_s, Now));
        QVERIFY(store->accounts().addToken(alice->id, digestOf(secondToken), u"phone"_s, Now));
        QVERIFY(store->accounts().accountForToken(digestOf(token), Now + Day, IdleExpiry));
        QVERIFY(store->accounts().setPasswordHash(alice->id, NewHash));
        QCOMPARE(store->accounts().revokeOtherTokens(alice->id, digestOf(token)), 1);
        const auto bob = store->accounts().createAccount(u"bob"_s, bobHash, Now);
        QVERIFY(bob);
        QVERIFY(!store->accounts().createAccount(u"bobby"_s, bobPassword, Now));
        QVERIFY(store->accounts().addToken(bob->id, digestOf(bobToken), u"bob"_s, Now));
        // A digest stored already is refused, and the database's complaint names the key.
        QVERIFY(!store->accounts().addToken(bob->id, digestOf(bobToken), u"bob"_s, Now));
    }
    const QByteArray bytes = storedBytes(file);
    // The scan sees what was stored, so an absence below means something.
    QVERIFY(bytes.contains(NewHash));
    QVERIFY(bytes.contains(digestOf(token)));
    QVERIFY(bytes.contains(bobHash));
    QVERIFY(bytes.contains(digestOf(bobToken)));

    QList<QByteArray> secrets;
    for (const QByteArray &secret :
        {password, newPassword, token, tokenBytes, secondToken, bobPassword, bobToken}) {
        secrets << secret << secret.toHex() << secret.toHex().toUpper() << secret.toBase64()
                << secret.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals)
                << QString::fromLatin1(secret).toUtf8();
    }
    for (const QByteArray &secret : std::as_const(secrets)) {
        QVERIFY2(!bytes.contains(secret), secret.toHex().constData());
    }
    // Nor the digest spelled out, as someone logging or binding it as text would leave it.
    QVERIFY(!bytes.contains(digestOf(token).toHex()));
    QVERIFY(!bytes.contains(digestOf(token).toBase64()));
    QVERIFY(!bytes.contains(digestOf(bobToken).toHex()));

    // The refusals above were logged, and the logs give away no secret, hash or digest.
    const QByteArray logged = log.text();
    QVERIFY2(logged.contains("Argon2id"), logged.constData());
    QVERIFY2(logged.contains("digest"), logged.constData());
    for (const QByteArray &secret : std::as_const(secrets)) {
        QVERIFY2(!logged.contains(secret), logged.constData());
    }
    QVERIFY2(logged.contains("cannot add a token"), logged.constData());
    QVERIFY2(!logged.contains("DETAIL"), logged.constData()); // PostgreSQL's, with the key
    for (const QByteArray &stored :
        {AliceHash, NewHash, digestOf(token), digestOf(secondToken), bobHash, digestOf(bobToken)}) {
        for (const QByteArray &spelled : {stored, stored.toHex(), stored.toBase64()}) {
            QVERIFY2(!logged.contains(spelled), logged.constData());
        }
    }
}

void tst_MessageStore::upgradesVersionOne()
{
    if (m_postgres) {
        QSKIP("upgrades of SQLite files written by older servers");
    }
    // A database exactly as schema version 1 left it, with a message in it.
    const QString file = path(u"v1.db"_s);
    runSql(file,
        versionOneSchema()
            + QStringList{
                u"INSERT INTO messages VALUES (7, 'alice', NULL, 'from v1', 1700000000000)"_s,
                u"PRAGMA user_version = 1"_s});

    auto store = open(file);
    QVERIFY(store);
    QCOMPARE(store->lastId().value_or(-1), 7);
    StoredMessage next = message(8, u"bob"_s, u"with a cid"_s);
    next.cid = u"x"_s;
    const QDateTime when = QDateTime::fromMSecsSinceEpoch(Now, Qt::UTC);
    QVERIFY(store->write({next}, {score(u"a:1"_s, u"bob"_s, 1, 2, when)}));
    const MessageStore::Page page = store->history({guest(u"bob"_s)});
    QCOMPARE(ids(page), (QList<qint64>{7, 8}));
    QCOMPARE(page.messages[0].text, u"from v1"_s);
    QCOMPARE(page.messages[0].fromIdentity, QString());
    QCOMPARE(page.messages[1].cid, u"x"_s);
    QCOMPARE(store->scores().size(), 1);
    QCOMPARE(store->scores().at(0).player, u"a:1"_s);
    store.reset();
    verifyIdentityIndexes(file);

    QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"check"_s);
    db.setDatabaseName(file);
    QVERIFY(db.open());
    QSqlQuery query(u"PRAGMA user_version"_s, db);
    QVERIFY(query.next());
    QCOMPARE(query.value(0).toInt(), MessageStore::SchemaVersion);
    query = QSqlQuery(u"PRAGMA journal_mode"_s, db);
    QVERIFY(query.next());
    QCOMPARE(query.value(0).toString(), u"wal"_s);
    query.finish();
    query = QSqlQuery();
    db.close();
    db = QSqlDatabase();
    QSqlDatabase::removeDatabase(u"check"_s);
}

void tst_MessageStore::upgradesVersionTwo()
{
    if (m_postgres) {
        QSKIP("upgrades of SQLite files written by older servers");
    }
    // A database exactly as schema version 2 left it, with private messages written before
    // there were indexes to find them by, or identities to say whose they are.
    const QString file = path(u"v2.db"_s);
    runSql(file,
        versionTwoSchema()
            + QStringList{u"INSERT INTO messages VALUES (1, 'alice', NULL, 'public', 1, NULL)"_s,
                u"INSERT INTO messages VALUES (2, 'Alice', 'Bob', 'to bob', 2, 'c2')"_s,
                u"INSERT INTO messages VALUES (3, 'carol', 'ALICE', 'to alice', 3, NULL)"_s,
                u"INSERT INTO messages VALUES (4, 'dave', 'erin', 'to erin', 4, NULL)"_s,
                u"INSERT INTO messages VALUES (5, 'bobby', 'abob', 'not for bob', 5, NULL)"_s,
                u"PRAGMA user_version = 2"_s});

    auto store = open(file);
    QVERIFY(store);
    QCOMPARE(store->lastId().value_or(-1), 5);
    // A name no longer says whose a private message is, so the old ones are nobody's: every
    // viewer, by whatever identity or name it might have had, sees the public message only.
    for (const QString &name : {u"alice"_s, u"Bob"_s, u"carol"_s, u"dave"_s, u"erin"_s, u"bobby"_s,
             u"abob"_s, u"mallory"_s}) {
        for (const QString &viewer : {guest(name), name, name.toUpper(), u"a:1"_s}) {
            QCOMPARE(ids(store->history({viewer})), (QList<qint64>{1}));
            QCOMPARE(ids(store->read({viewer, 0, std::numeric_limits<qint64>::max(),
                         Protocol::DefaultHistoryPage, true, true})),
                (QList<qint64>{1}));
        }
    }
    QCOMPARE(ids(store->history({QString()})), (QList<qint64>{1}));
    QCOMPARE(store->history({u"g:bob"_s}).messages.at(0).text, u"public"_s);
    // Nor is an old cid anyone's to resend with.
    QVERIFY(store->recentWithCid(10).isEmpty());
    const QStringList plan = store->historyPlan({u"g:bob"_s});
    QVERIFY2(stepPastHiddenRows(plan).isEmpty(), qPrintable(plan.join(u'\n')));

    // What is written after the upgrade is found by its identities.
    QVERIFY(store->write({message(6, u"erin"_s, u"to dave"_s, u"Dave"_s)}, {}));
    QCOMPARE(ids(store->history({guest(u"dave"_s)})), (QList<qint64>{1, 6}));
    QCOMPARE(ids(store->history({guest(u"erin"_s)})), (QList<qint64>{1, 6}));
    QCOMPARE(ids(store->history({guest(u"alice"_s)})), (QList<qint64>{1}));
    store.reset();
    // Hidden is not deleted: the old private messages are all still in the file.
    QCOMPARE(messageCount(file), 6);
    verifyIdentityIndexes(file);

    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"check"_s);
        db.setDatabaseName(file);
        QVERIFY(db.open());
        QSqlQuery query(u"PRAGMA user_version"_s, db);
        QVERIFY(query.next());
        QCOMPARE(query.value(0).toInt(), MessageStore::SchemaVersion);
    }
    QSqlDatabase::removeDatabase(u"check"_s);
}

void tst_MessageStore::upgradesVersionThree()
{
    if (m_postgres) {
        QSKIP("upgrades of SQLite files written by older servers");
    }
    // A database exactly as schema version 3 left it: messages, a score, the history indexes.
    const QString file = path(u"v3.db"_s);
    runSql(file,
        versionTwoSchema()
            + QStringList{u"CREATE INDEX messages_public ON messages (id) "
                          "WHERE recipient IS NULL"_s,
                u"CREATE INDEX messages_from ON messages (lower(sender), id) "
                "WHERE recipient IS NOT NULL"_s,
                u"CREATE INDEX messages_to ON messages (lower(recipient), id) "
                "WHERE recipient IS NOT NULL"_s,
                u"INSERT INTO meta VALUES ('opened_by', 'natter-server 0.3')"_s,
                u"INSERT INTO messages VALUES (1, 'alice', NULL, 'public', 1, NULL)"_s,
                u"INSERT INTO messages VALUES (2, 'Alice', 'Bob', 'to bob', 2, 'c2')"_s,
                u"INSERT INTO scores VALUES ('alice', 'Alice', 3, 4, 3, 1, 5)"_s,
                u"PRAGMA user_version = 3"_s});

    auto store = open(file);
    QVERIFY(store);
    QCOMPARE(store->lastId().value_or(-1), 2);
    // The old private message is nobody's, the public one everybody's.
    for (const QString &viewer : {u"g:bob"_s, u"bob"_s, u"Bob"_s, u"g:alice"_s, u"alice"_s,
             u"g:carol"_s, u"a:1"_s, QString()}) {
        QCOMPARE(ids(store->history({viewer})), (QList<qint64>{1}));
    }
    QCOMPARE(store->history({u"g:bob"_s}).messages.at(0).text, u"public"_s);
    // The score kept by a name before accounts is no player's.
    QVERIFY(store->scores().isEmpty());
    QVERIFY(stepPastHiddenRows(store->historyPlan({u"g:bob"_s})).isEmpty());

    // The name of someone who chatted before there were accounts can become one.
    QVERIFY(!store->accounts().account(u"alice"_s));
    const auto alice = store->accounts().createAccount(u"Alice"_s, AliceHash, Now);
    QVERIFY(alice);
    QVERIFY(store->accounts().addToken(alice->id, digestOf("t"), u"198.51.100.7"_s, Now));
    const auto signedIn = store->accounts().accountForToken(digestOf("t"), Now, IdleExpiry);
    QVERIFY(signedIn);
    QCOMPARE(signedIn->name, u"Alice"_s);
    const QDateTime when = QDateTime::fromMSecsSinceEpoch(Now, Qt::UTC);
    const QString player = u"a:%1"_s.arg(alice->id);
    QVERIFY(store->write(
        {message(3, u"alice"_s, u"after"_s)}, {score(player, u"Alice"_s, 2, 10, when)}));
    QCOMPARE(store->scores().size(), 1);
    QCOMPARE(store->scores().at(0).player, player);
    store.reset();
    verifyIdentityIndexes(file);

    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"check"_s);
        db.setDatabaseName(file);
        QVERIFY(db.open());
        QSqlQuery query(u"PRAGMA user_version"_s, db);
        QVERIFY(query.next());
        QCOMPARE(query.value(0).toInt(), MessageStore::SchemaVersion);
        query = QSqlQuery(u"SELECT name FROM sqlite_master WHERE type = 'index' "
                          "AND name = 'tokens_account'"_s,
            db);
        QVERIFY(query.next());
        query = QSqlQuery(u"SELECT count(*) FROM messages"_s, db);
        QVERIFY(query.next());
        QCOMPARE(query.value(0).toInt(), 3);
    }
    QSqlDatabase::removeDatabase(u"check"_s);
}

void tst_MessageStore::upgradesVersionSix()
{
    // A database as version 6 left it (today's, less step 7), with an account and a message.
    const QString file = path(u"six.db"_s);
    qint64 aliceId = 0;
    {
        auto store = open(file);
        QVERIFY(store);
        const auto alice = store->accounts().createAccount(u"alice"_s, AliceHash, Now);
        QVERIFY(alice);
        aliceId = alice->id;
        QVERIFY(store->write({message(1, u"alice"_s, u"before roles"_s)}, {}));
    }
    const bool postgres = m_postgres != nullptr;
    runSql(file,
        {u"DROP TABLE bans"_s, u"ALTER TABLE accounts DROP COLUMN role"_s,
            postgres ? u"UPDATE meta SET value = '6' WHERE key = 'schema_version'"_s
                     : u"PRAGMA user_version = 6"_s});
    auto store = open(file);
    QVERIFY(store);
    const auto alice = store->accounts().account(u"alice"_s);
    QVERIFY(alice);
    QCOMPARE(alice->id, aliceId);
    QCOMPARE(alice->role, Protocol::Role::None);
    QVERIFY(store->accounts().setRole(aliceId, Protocol::Role::Admin));
    QCOMPARE(store->accounts().accountById(aliceId)->role, Protocol::Role::Admin);
    QCOMPARE(store->lastId().value_or(-1), 1);
    ModerationStore::Ban ban;
    ban.target = u"a:%1"_s.arg(aliceId);
    ban.by = u"olive"_s;
    QVERIFY(store->moderation().addBan(ban));
    QCOMPARE(store->moderation().bans(Now).value_or(QList<ModerationStore::Ban>{}).size(), 1);
    QSqlDatabase db = rawDatabase(file, u"check"_s);
    {
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(postgres ? u"SELECT value FROM meta WHERE key = 'schema_version'"_s
                                    : u"PRAGMA user_version"_s));
        QVERIFY(query.next());
        QCOMPARE(query.value(0).toInt(), MessageStore::SchemaVersion);
        QCOMPARE(MessageStore::SchemaVersion, 7);
    }
    db = {};
    QSqlDatabase::removeDatabase(u"check"_s);
}

void tst_MessageStore::rolesBansAndTheGreeting()
{
    using Ban = ModerationStore::Ban;
    const QString file = path(u"moderation.db"_s);
    {
        auto store = open(file);
        QVERIFY(store);
        const auto alice = store->accounts().createAccount(u"alice"_s, AliceHash, Now);
        QVERIFY(alice);
        QCOMPARE(alice->role, Protocol::Role::None);
        QVERIFY(store->accounts().setRole(alice->id, Protocol::Role::Owner));
        QVERIFY(!store->accounts().setRole(alice->id + 100, Protocol::Role::Admin)); // nobody

        Ban ban;
        ban.kind = Ban::Kind::Account;
        ban.target = u"a:7"_s;
        ban.name = u"bob"_s;
        ban.by = u"alice"_s;
        ban.reason = u"spam"_s;
        ban.createdMs = Now;
        ban.untilMs = Now + 10 * 60 * 1000;
        QVERIFY(store->moderation().addBan(ban));
        ban.untilMs = Now + 20 * 60 * 1000; // a second ban of bob replaces the first
        QVERIFY(store->moderation().addBan(ban));
        Ban mute = ban;
        mute.kind = Ban::Kind::Mute;
        mute.untilMs.reset(); // for good
        QVERIFY(store->moderation().addBan(mute));
        Ban room = ban;
        room.kind = Ban::Kind::Room;
        room.room = u"dev"_s;
        QVERIFY(store->moderation().addBan(room));
        Ban subnet;
        subnet.kind = Ban::Kind::Address;
        subnet.target = subnet.name = u"203.0.113.0/24"_s;
        subnet.by = u"alice"_s;
        subnet.createdMs = Now + 1;
        subnet.untilMs = Now + 60 * 1000;
        QVERIFY(store->moderation().addBan(subnet));
        QVERIFY(store->moderation().setMotd(u"Hello, {name}"_s));
    }
    auto store = open(file);
    QVERIFY(store);
    QCOMPARE(store->accounts().account(u"ALICE"_s)->role, Protocol::Role::Owner);
    QCOMPARE(store->moderation().motd().value_or(QString()), u"Hello, {name}"_s);

    const auto all = store->moderation().bans(Now);
    QVERIFY(all);
    QCOMPARE(all->size(), 4);
    const Ban &kept = all->first();
    QCOMPARE(kept.kind, Ban::Kind::Account);
    QCOMPARE(kept.untilMs.value_or(0), Now + 20 * 60 * 1000);
    QCOMPARE(kept.reason, u"spam"_s);
    QCOMPARE(kept.by, u"alice"_s);
    QVERIFY(!all->at(1).untilMs); // the mute, for good
    QCOMPARE(all->at(2).room, u"dev"_s);

    // What a sign-in of bob is checked against: his bans and every address ban.
    auto standing = store->moderation().standing(u"a:7"_s, Now);
    QVERIFY(standing);
    QCOMPARE(standing->size(), 4);
    standing = store->moderation().standing(u"a:8"_s, Now);
    QCOMPARE(standing->size(), 1);
    QCOMPARE(standing->first().kind, Ban::Kind::Address);
    // Once ended, a ban is no more: not for a sign-in, not in the list, not to be lifted.
    QCOMPARE(store->moderation().standing(u"a:8"_s, Now + 60 * 1000)->size(), 0);
    QCOMPARE(
        store->moderation().removeBan(Ban::Kind::Address, u"203.0.113.0/24"_s, {}, Now + 60 * 1000),
        0);
    QCOMPARE(store->moderation().bans(Now + 30 * 60 * 1000)->size(), 1); // the mute, for good
    QCOMPARE(store->moderation().removeBan(Ban::Kind::Mute, u"a:7"_s, {}, Now), 1);
    QCOMPARE(store->moderation().removeBan(Ban::Kind::Mute, u"a:7"_s, {}, Now), 0);

    QVERIFY(store->moderation().setMotd({}));
    QVERIFY(!store->moderation().motd());

    // A role a newer server wrote grants nothing here.
    runSql(file, {u"UPDATE accounts SET role = 'emperor'"_s});
    QCOMPARE(store->accounts().account(u"alice"_s)->role, Protocol::Role::None);
}

void tst_MessageStore::refusesBadFiles_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("not a database") << u"garbage"_s << u"not a Natter database"_s;
    QTest::newRow("newer schema") << u"newer"_s << u"newer natter-server"_s;
    QTest::newRow("a directory") << u"directory"_s << u"is a directory"_s;
    QTest::newRow("under a file") << u"under-file"_s << u"cannot create the directory"_s;
    QTest::newRow("empty") << u"empty"_s << u"empty file"_s;
    QTest::newRow("damaged last page") << u"damaged-last"_s << u"is damaged"_s;
    QTest::newRow("damaged middle page") << u"damaged-middle"_s << u"is damaged"_s;
}

void tst_MessageStore::refusesBadFiles()
{
    if (m_postgres) {
        QSKIP("files that are no SQLite database");
    }
    QFETCH(QString, kind);
    QFETCH(QString, mentions);
    QString file = path(u"bad.db"_s);
    if (kind == "garbage"_L1) {
        QFile garbage(file);
        QVERIFY(garbage.open(QIODevice::WriteOnly));
        garbage.write(QByteArray(8192, 'x'));
    } else if (kind == "newer"_L1) {
        runSql(file, {u"CREATE TABLE t (x)"_s, u"PRAGMA user_version = 99"_s});
    } else if (kind == "directory"_L1) {
        QVERIFY(QDir(m_dir->path()).mkdir(u"bad.db"_s));
    } else if (kind == "empty"_L1) {
        QFile empty(file);
        QVERIFY(empty.open(QIODevice::WriteOnly));
    } else if (kind.startsWith("damaged"_L1)) {
        {
            auto store = open(file);
            QVERIFY(store);
            QList<StoredMessage> batch;
            for (qint64 id = 1; id <= 5000; ++id) {
                batch.append(message(id, u"alice"_s, u"message %1 "_s.arg(id).repeated(8)));
            }
            QVERIFY(store->write(batch, {}));
        } // closed: checkpointed into the file
        QFile damaged(file);
        QVERIFY(damaged.open(QIODevice::ReadWrite));
        const qint64 pages = damaged.size() / 4096;
        QVERIFY(pages > 50);
        // Garbage over the last page made the last id read 0; 64 bytes in a middle one cut
        // paging short.
        const bool last = kind == "damaged-last"_L1;
        QVERIFY(damaged.seek((last ? pages - 1 : pages / 2) * 4096));
        damaged.write(QByteArray(last ? 4096 : 64, '\xa5'));
    } else {
        QFile plain(file);
        QVERIFY(plain.open(QIODevice::WriteOnly));
        file += u"/inside.db"_s;
    }
    const QByteArray before = QFileInfo(file).isFile() ? [&] {
        QFile f(file);
        f.open(QIODevice::ReadOnly);
        return f.readAll();
    }()
                                                       : QByteArray();
    auto opened = MessageStore::open({file, false, 0});
    QVERIFY(std::holds_alternative<QString>(opened));
    const QString error = std::get<QString>(opened);
    QVERIFY2(error.contains(mentions), qPrintable(error));
    QVERIFY2(error.contains(file), qPrintable(error));
    if (!before.isEmpty()) {
        QFile after(file);
        QVERIFY(after.open(QIODevice::ReadOnly));
        QCOMPARE(after.readAll(), before); // a refused file is left exactly as it was
    }
}

void tst_MessageStore::oneStorePerFile()
{
    if (m_postgres) {
        QSKIP("PostgreSQL is shared by design (cluster mode)");
    }
    const QString file = path(u"natter.db"_s);
    auto first = open(file);
    QVERIFY(first);
    QVERIFY(first->write({message(1, u"alice"_s, u"one"_s)}, {}));
    auto second = MessageStore::open({file, false, 0});
    QVERIFY(std::holds_alternative<QString>(second));
    const QString error = std::get<QString>(second);
    QVERIFY2(error.contains(u"in use by another natter-server (process %1"_s.arg(
                 QCoreApplication::applicationPid())),
        qPrintable(error));
    QVERIFY2(error.contains(file), qPrintable(error));
    QCOMPARE(first->lastId().value_or(-1), 1); // the refused one changed nothing
    first.reset();
    auto third = open(file); // free again once the first is closed
    QVERIFY(third);
    QCOMPARE(third->lastId().value_or(-1), 1);
}

void tst_MessageStore::aDamagedPageFailsTheReadInsteadOfEndingIt()
{
    if (m_postgres) {
        QSKIP("damages an SQLite file");
    }
    const QString file = path(u"natter.db"_s);
    auto store = open(file);
    QVERIFY(store);
    constexpr int Count = 5000;
    QList<StoredMessage> batch;
    for (qint64 id = 1; id <= Count; ++id) {
        batch.append(message(id, u"alice"_s, u"message %1 "_s.arg(id).repeated(8)));
    }
    QVERIFY(store->write(batch, {}));
    // Damaged behind the store's back, as a failing disk would.
    QVERIFY(SqliteFile::damageMiddlePages(file));

    MessageStore::Query query;
    query.viewer = u"g:reader"_s;
    query.newest = false;
    query.limit = Protocol::MaxHistoryPage;
    int read = 0;
    bool failed = false;
    while (!failed) {
        const MessageStore::Page page = store->history(query);
        failed = page.failed;
        QVERIFY(failed || !page.messages.isEmpty() || read == Count);
        read += int(page.messages.size());
        if (!failed && !page.more) {
            break;
        }
        if (!page.messages.isEmpty()) {
            query.after = page.messages.last().id;
        }
    }
    QVERIFY2(failed,
        qPrintable(u"paging ended after %1 of %2 messages as if complete"_s.arg(read).arg(Count)));
    QVERIFY(read < Count);
}

void tst_MessageStore::fullDatabaseFailsTheWholeBatch()
{
    if (m_postgres) {
        QSKIP("a full disk is made with SQLite's max_page_count");
    }
    auto store = open(path(u"full.db"_s), 8); // room for 8 pages of 4 KiB, then a full disk
    QVERIFY(store);
    QList<StoredMessage> batch;
    for (qint64 id = 1; id <= 20; ++id) {
        batch.append(message(id, u"alice"_s, QString(3000, u'x')));
    }
    QVERIFY(!store->write(batch, {}));
    QVERIFY2(store->lastError().contains(u"full"_s), qPrintable(store->lastError()));
    QCOMPARE(store->lastId().value_or(-1), 0); // all or nothing
    QVERIFY(store->write(batch.mid(0, 2), {})); // what fits is still written
    QCOMPARE(store->lastId().value_or(-1), 2);
}

void tst_MessageStore::refusesForeignOrNewerPostgresDatabases()
{
    if (!m_postgres) {
        QSKIP("PostgreSQL only; the SQLite files are refusesBadFiles");
    }
    const auto refusal = [](const QString &location) {
        auto opened = MessageStore::open({location, false, 0});
        const QString *error = std::get_if<QString>(&opened);
        return error ? *error : QString();
    };
    // Another program's database is not taken over.
    const QString foreign = path(u"foreign"_s);
    runSql(foreign, {u"CREATE TABLE invoices (id INTEGER PRIMARY KEY)"_s});
    QVERIFY2(
        refusal(foreign).contains(u"is not a Natter database"_s), qPrintable(refusal(foreign)));

    // A newer server's schema is left alone.
    const QString newer = path(u"newer"_s);
    QVERIFY(open(newer));
    runSql(newer, {u"UPDATE meta SET value = '99' WHERE key = 'schema_version'"_s});
    QVERIFY2(
        refusal(newer).contains(u"newer natter-server (schema 99"_s), qPrintable(refusal(newer)));

    // An error names the database but never its password.
    QString withPassword = newer;
    withPassword.replace(u"postgresql://natter@"_s, u"postgresql://natter:s3cret-pw@"_s);
    withPassword += u"-missing"_s;
    const QString missing = refusal(withPassword);
    QVERIFY2(
        missing.contains(u"cannot open the database postgresql://natter@"_s), qPrintable(missing));
    QVERIFY2(!missing.contains(u"s3cret-pw"_s), qPrintable(missing));
}

void tst_MessageStore::sequencedWritesFromSeveralServers()
{
    if (!m_postgres) {
        QSKIP("a cluster's servers share a PostgreSQL database");
    }
    // Three servers' store threads commit batches at once. Ids must come out unique and without
    // holes, each server's in its own order, and a reader must never see an id before every id
    // below it is readable: that is what lets a node deliver in id order.
    const QString location = path(u"cluster"_s);
    QVERIFY(open(location)); // made, so the writers do not race to make the schema
    constexpr int Writers = 3;
    constexpr int Batches = 40;
    constexpr int PerBatch = 5;
    std::atomic<bool> done = false;
    std::atomic<int> failures = 0;
    std::vector<QList<qint64>> given(Writers);
    std::vector<std::thread> writers;
    for (int w = 0; w < Writers; ++w) {
        writers.emplace_back([&, w] {
            auto opened = MessageStore::open({location, false, 0});
            auto *store = std::get_if<std::unique_ptr<MessageStore>>(&opened);
            if (!store) {
                ++failures;
                return;
            }
            for (int b = 0; b < Batches; ++b) {
                QList<StoredMessage> batch;
                for (int i = 0; i < PerBatch; ++i) {
                    batch.append(message(0, u"w%1"_s.arg(w), u"%1.%2"_s.arg(b).arg(i)));
                }
                const auto written = (*store)->writeSequenced(batch, {}, {}, {});
                if (!written) {
                    ++failures;
                    continue;
                }
                for (const StoredMessage &m : *written) {
                    given[std::size_t(w)].append(m.id);
                }
            }
        });
    }
    // The reader, as another node catching up: whatever it sees has no hole below it.
    auto reader = open(location);
    QVERIFY(reader);
    qint64 seen = 0;
    int holes = 0;
    int reads = 0;
    while (seen < Writers * Batches * PerBatch && reads < 100000) {
        ++reads;
        for (const StoredMessage &m :
            reader->messagesAfter(seen, 1000).value_or(QList<StoredMessage>{})) {
            holes += m.id == seen + 1 ? 0 : 1;
            seen = m.id;
        }
    }
    for (std::thread &writer : writers) {
        writer.join();
    }
    QCOMPARE(failures.load(), 0);
    QCOMPARE(holes, 0);
    QCOMPARE(seen, qint64(Writers * Batches * PerBatch));
    QSet<qint64> all;
    for (const QList<qint64> &ids : given) {
        QCOMPARE(ids.size(), Batches * PerBatch);
        QVERIFY(std::is_sorted(ids.cbegin(), ids.cend()));
        for (const qint64 id : ids) {
            all.insert(id);
        }
    }
    QCOMPARE(all.size(), Writers * Batches * PerBatch);
    QCOMPARE(reader->lastId().value_or(-1), qint64(Writers * Batches * PerBatch));
}

QTEST_GUILESS_MAIN(tst_MessageStore)
#include "tst_messagestore.moc"

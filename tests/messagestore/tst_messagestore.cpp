#include "idrange.h"
#include "messagestore.h"

#include <QFile>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(MessageStore::Query)

// MessageStore on real SQLite files: writing and reading back, continuing after a reopen,
// paging, private-message privacy and the indexes that keep it cheap, schema upgrades and the
// files it must refuse.
class tst_MessageStore : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void writeReadBackAndReopen();
    void pagingBothWays();
    void privateMessagesOnlyForTheTwo();
    void historyReadsOnlyVisibleRows_data();
    void historyReadsOnlyVisibleRows();
    void pagingPastManyHiddenMessages();
    void leaderboardIsStored();
    void upgradesVersionOne();
    void upgradesVersionTwo();
    void refusesBadFiles_data();
    void refusesBadFiles();
    void fullDatabaseFailsTheWholeBatch();

private:
    std::unique_ptr<MessageStore> open(const QString &path, qint64 maxPages = 0);
    QString path(const QString &name) const { return m_dir->filePath(name); }

    std::unique_ptr<QTemporaryDir> m_dir;
};

namespace {

StoredMessage message(qint64 id, const QString &from, const QString &text, const QString &to = {})
{
    return {id, from, to, text, 1'700'000'000'000 + id, {}};
}

QList<qint64> ids(const MessageStore::Page &page)
{
    QList<qint64> result;
    for (const StoredMessage &m : page.messages) {
        result.append(m.id);
    }
    return result;
}

// Runs SQL on a file the way another program would, outside MessageStore.
void runSql(const QString &path, const QStringList &statements)
{
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"raw"_s);
        db.setDatabaseName(path);
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

// The first step of a history query plan that reads messages other than through one of the
// indexes by visibility or a lookup of a single id, or an empty string if there is none. A
// range of the primary key ("rowid>? AND rowid<?") counts as a scan: it is how the query
// without those indexes walked every message between the page's ends.
QString stepPastHiddenRows(const QStringList &plan)
{
    static const QRegularExpression readsMessages(u"\\bmessages\\b"_s);
    static const QRegularExpression allowed(
        u"^SEARCH messages USING (INTEGER PRIMARY KEY \\(rowid=\\?\\)$"
        "|(COVERING )?INDEX messages_(public|from|to) )"_s);
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
    const QString key = viewer.toCaseFolded();
    return !m.isPrivate() || m.from.toCaseFolded() == key || m.to.toCaseFolded() == key;
}

} // namespace

void tst_MessageStore::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
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
        QCOMPARE(store->lastId(), 0);
        StoredMessage withCid = message(2, u"bob"_s, u"ünïcode ✓\nsecond line"_s);
        withCid.cid = u"c-1"_s;
        QVERIFY(store->write({message(1, u"alice"_s, u"hello"_s), withCid}, {}));
        const MessageStore::Page page = store->history({u"carol"_s});
        QCOMPARE(ids(page), (QList<qint64>{1, 2}));
        QVERIFY(!page.more);
        QCOMPARE(page.messages[1].text, withCid.text);
        QCOMPARE(page.messages[1].cid, u"c-1"_s);
        QCOMPARE(page.messages[1].msecs, withCid.msecs);
        QCOMPARE(page.messages[0].cid, QString());
    }
    auto reopened = open(file);
    QVERIFY(reopened);
    QCOMPARE(reopened->lastId(), 2);
    const QList<StoredMessage> cids = reopened->recentWithCid(10);
    QCOMPARE(cids.size(), 1);
    QCOMPARE(cids[0].from, u"bob"_s);
    QVERIFY(reopened->write({message(3, u"alice"_s, u"again"_s)}, {}));
    QCOMPARE(reopened->lastId(), 3);
    // An id that exists already fails the batch instead of overwriting history.
    QVERIFY(!reopened->write({message(3, u"mallory"_s, u"overwrite"_s)}, {}));
    QCOMPARE(reopened->history({u"x"_s}).messages.last().from, u"alice"_s);
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

    MessageStore::Query latest{u"bob"_s};
    const MessageStore::Page newest = store->history(latest);
    QCOMPARE(ids(newest), idRange(71, 120));
    QVERIFY(newest.more);

    latest.before = 71;
    QCOMPARE(ids(store->history(latest)), idRange(21, 70));
    latest.before = 21;
    const MessageStore::Page first = store->history(latest);
    QCOMPARE(ids(first), idRange(1, 20));
    QVERIFY(!first.more);

    MessageStore::Query forward{u"bob"_s, 100, std::numeric_limits<qint64>::max(), 15, false};
    const MessageStore::Page next = store->history(forward);
    QCOMPARE(ids(next), idRange(101, 115));
    QVERIFY(next.more);
    forward.after = 115;
    QCOMPARE(ids(store->history(forward)), idRange(116, 120));
    QVERIFY(!store->history(forward).more);

    // A bounded range, newest first, as the resume of a hello with since uses it.
    const MessageStore::Page replay = store->history({u"bob"_s, 10, 31, 5, true});
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
    QCOMPARE(ids(store->history({u"BOB"_s})), (QList<qint64>{1, 2}));
    QCOMPARE(ids(store->history({u"alice"_s})), (QList<qint64>{1, 2, 3}));
    QCOMPARE(ids(store->history({u"carol"_s})), (QList<qint64>{1, 3}));
    QCOMPARE(ids(store->history({u"dave"_s})), (QList<qint64>{1}));
    // A name that merely contains another one sees nothing more.
    QCOMPARE(ids(store->history({u"bobby"_s})), (QList<qint64>{1}));
}

void tst_MessageStore::historyReadsOnlyVisibleRows_data()
{
    QTest::addColumn<MessageStore::Query>("query");
    QTest::newRow("newest page") << MessageStore::Query{u"Bob"_s};
    QTest::newRow("earlier page") << MessageStore::Query{
        u"bob"_s, 0, 5000, Protocol::DefaultHistoryPage, true};
    QTest::newRow("oldest forward")
        << MessageStore::Query{u"bob"_s, 120, std::numeric_limits<qint64>::max(), 15, false};
    QTest::newRow("bounded range") << MessageStore::Query{u"bob"_s, 10, 31, 5, true};
}

void tst_MessageStore::historyReadsOnlyVisibleRows()
{
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
    // Each of the three ranges is read through its own index.
    for (const QString &index : {u"messages_public"_s, u"messages_from"_s, u"messages_to"_s}) {
        QVERIFY2(joined.contains(index), qPrintable(joined));
    }
}

void tst_MessageStore::pagingPastManyHiddenMessages()
{
    // Other people's private messages by the ten thousand, with bob's messages scattered
    // among them: public ones, private ones he sent or received in any case of his name, one
    // to himself, and private ones between names that merely contain his.
    constexpr qint64 Count = 50'000;
    const QString viewer = u"bob"_s;
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
    const MessageStore::Page other = store->history({u"USER5"_s, 0, 2000, 1000, false});
    QList<qint64> expected;
    for (const StoredMessage &m : std::as_const(batch)) {
        if (m.id < 2000 && isVisibleTo(m, u"user5"_s)) {
            expected.append(m.id);
        }
    }
    QCOMPARE(ids(other), expected);
    QVERIFY(expected.size() > 20);
    QVERIFY(stepPastHiddenRows(store->historyPlan(older)).isEmpty());
}

void tst_MessageStore::leaderboardIsStored()
{
    const QString file = path(u"scores.db"_s);
    const QDateTime when = QDateTime::fromMSecsSinceEpoch(1'700'000'000'000, Qt::UTC);
    {
        auto store = open(file);
        QVERIFY(store);
        QVERIFY(store->write({}, {{u"Alice"_s, 3.5, 20.25, 4, 2, when}}));
        QVERIFY(store->write({}, {{u"alice"_s, 5, 18, 5, 0, when}})); // her new best replaces it
    }
    auto store = open(file);
    const QList<Leaderboard::Entry> scores = store->scores();
    QCOMPARE(scores.size(), 1);
    QCOMPARE(scores[0].name, u"alice"_s);
    QCOMPARE(scores[0].score, 5.0);
    QCOMPARE(scores[0].seconds, 18.0);
    QCOMPARE(scores[0].right, 5);
    QCOMPARE(scores[0].when, when);
}

void tst_MessageStore::upgradesVersionOne()
{
    // A database exactly as schema version 1 left it, with a message in it.
    const QString file = path(u"v1.db"_s);
    runSql(file,
        versionOneSchema()
            + QStringList{
                u"INSERT INTO messages VALUES (7, 'alice', NULL, 'from v1', 1700000000000)"_s,
                u"PRAGMA user_version = 1"_s});

    auto store = open(file);
    QVERIFY(store);
    QCOMPARE(store->lastId(), 7);
    StoredMessage next = message(8, u"bob"_s, u"with a cid"_s);
    next.cid = u"x"_s;
    QVERIFY(store->write({next}, {{u"bob"_s, 1, 2, 1, 0, QDateTime::currentDateTimeUtc()}}));
    const MessageStore::Page page = store->history({u"bob"_s});
    QCOMPARE(ids(page), (QList<qint64>{7, 8}));
    QCOMPARE(page.messages[0].text, u"from v1"_s);
    QCOMPARE(page.messages[1].cid, u"x"_s);
    store.reset();

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
    // A database exactly as schema version 2 left it, with private messages written before
    // there were indexes to find them by.
    const QString file = path(u"v2.db"_s);
    runSql(file,
        versionOneSchema()
            + QStringList{u"ALTER TABLE messages ADD COLUMN cid TEXT"_s,
                u"CREATE TABLE scores (name_key TEXT PRIMARY KEY, name TEXT NOT NULL, "
                "score REAL NOT NULL, seconds REAL NOT NULL, right_answers INTEGER NOT NULL, "
                "wrong_answers INTEGER NOT NULL, ts INTEGER NOT NULL)"_s,
                u"INSERT INTO messages VALUES (1, 'alice', NULL, 'public', 1, NULL)"_s,
                u"INSERT INTO messages VALUES (2, 'Alice', 'Bob', 'to bob', 2, 'c2')"_s,
                u"INSERT INTO messages VALUES (3, 'carol', 'ALICE', 'to alice', 3, NULL)"_s,
                u"INSERT INTO messages VALUES (4, 'dave', 'erin', 'to erin', 4, NULL)"_s,
                u"INSERT INTO messages VALUES (5, 'bobby', 'abob', 'not for bob', 5, NULL)"_s,
                u"PRAGMA user_version = 2"_s});

    auto store = open(file);
    QVERIFY(store);
    QCOMPARE(store->lastId(), 5);
    QCOMPARE(ids(store->history({u"alice"_s})), (QList<qint64>{1, 2, 3}));
    QCOMPARE(ids(store->history({u"BOB"_s})), (QList<qint64>{1, 2}));
    QCOMPARE(ids(store->history({u"Carol"_s})), (QList<qint64>{1, 3}));
    QCOMPARE(ids(store->history({u"dave"_s})), (QList<qint64>{1, 4}));
    QCOMPARE(ids(store->history({u"erin"_s})), (QList<qint64>{1, 4}));
    QCOMPARE(ids(store->history({u"bobby"_s})), (QList<qint64>{1, 5}));
    QCOMPARE(ids(store->history({u"mallory"_s})), (QList<qint64>{1}));
    QCOMPARE(store->history({u"bob"_s}).messages.at(1).cid, u"c2"_s);
    const QStringList plan = store->historyPlan({u"bob"_s});
    QVERIFY2(stepPastHiddenRows(plan).isEmpty(), qPrintable(plan.join(u'\n')));

    // What is written after the upgrade is found the same way.
    QVERIFY(store->write({message(6, u"erin"_s, u"to dave"_s, u"Dave"_s)}, {}));
    QCOMPARE(ids(store->history({u"dave"_s})), (QList<qint64>{1, 4, 6}));
    QCOMPARE(ids(store->history({u"alice"_s})), (QList<qint64>{1, 2, 3}));
    store.reset();

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

void tst_MessageStore::refusesBadFiles_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("not a database") << u"garbage"_s << u"not a Natter database"_s;
    QTest::newRow("newer schema") << u"newer"_s << u"newer natter-server"_s;
    QTest::newRow("a directory") << u"directory"_s << u"is a directory"_s;
    QTest::newRow("under a file") << u"under-file"_s << u"cannot create the directory"_s;
}

void tst_MessageStore::refusesBadFiles()
{
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

void tst_MessageStore::fullDatabaseFailsTheWholeBatch()
{
    auto store = open(path(u"full.db"_s), 8); // room for 8 pages of 4 KiB, then a full disk
    QVERIFY(store);
    QList<StoredMessage> batch;
    for (qint64 id = 1; id <= 20; ++id) {
        batch.append(message(id, u"alice"_s, QString(3000, u'x')));
    }
    QVERIFY(!store->write(batch, {}));
    QVERIFY2(store->lastError().contains(u"full"_s), qPrintable(store->lastError()));
    QCOMPARE(store->lastId(), 0); // all or nothing
    QVERIFY(store->write(batch.mid(0, 2), {})); // what fits is still written
    QCOMPARE(store->lastId(), 2);
}

QTEST_GUILESS_MAIN(tst_MessageStore)
#include "tst_messagestore.moc"

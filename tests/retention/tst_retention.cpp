#include "chatserver.h"
#include "frames.h"
#include "messagestore.h"
#include "sqlitefile.h"
#include "testclient.h"
#include "testserver.h"

#include <QDateTime>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

// --retention-days and --retention-max-messages on a real server and its SQLite file: old
// messages go in the background, chat goes on meanwhile, and ids never go back.
class tst_Retention : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void keepsTheNewestMessages();
    void deletesByAgeButNeverTheNewest();
    void reloadTurnsItOn();
    void aFloodIsSweptWithoutWaitingForTheInterval();

private:
    ChatServer *startServer(int days, qint64 maxMessages, int intervalMs = 20);
    // Messages in the file, read beside the server; -1 if it cannot be read.
    qint64 stored() const;
    // Writes count messages with ids from first on, each ageDays old.
    bool writeOld(qint64 first, int count, int ageDays);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ChatServer> m_server;
    QString m_file;
};

void tst_Retention::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_file = m_dir->filePath(u"natter.db"_s);
}

void tst_Retention::cleanup()
{
    m_server.reset();
}

ChatServer *tst_Retention::startServer(int days, qint64 maxMessages, int intervalMs)
{
    m_server.reset();
    ServerConfig config;
    config.databaseLocation = m_file;
    config.retentionDays = days;
    config.retentionMaxMessages = maxMessages;
    config.retentionIntervalMs = intervalMs;
    m_server = startTestServer(*m_dir, config);
    return m_server.get();
}

qint64 tst_Retention::stored() const
{
    return SqliteFile::count(m_file);
}

bool tst_Retention::writeOld(qint64 first, int count, int ageDays)
{
    auto opened = MessageStore::open({m_file});
    if (!std::holds_alternative<std::unique_ptr<MessageStore>>(opened)) {
        return false;
    }
    const qint64 msecs = QDateTime::currentMSecsSinceEpoch() - qint64(ageDays) * 24 * 3600 * 1000;
    QList<StoredMessage> messages;
    for (qint64 id = first; id < first + count; ++id) {
        StoredMessage message;
        message.id = id;
        message.msecs = msecs;
        message.from = u"alice"_s;
        message.text = u"message %1"_s.arg(id);
        message.room = u"general"_s;
        messages.append(message);
    }
    return std::get<std::unique_ptr<MessageStore>>(opened)->write(messages, {});
}

void tst_Retention::keepsTheNewestMessages()
{
    constexpr int Sent = 2500; // more than two sweeping batches
    QVERIFY(startServer(0, 100));
    TestClient alice;
    QVERIFY(alice.join(m_server->serverPort(), u"alice"_s));
    for (int i = 1; i <= Sent; ++i) {
        alice.send(Frames::say(u"message %1"_s.arg(i)));
    }
    QVERIFY(alice.waitForFrames(u"message"_s, Sent));
    QTRY_COMPARE_WITH_TIMEOUT(stored(), 100, 20000);

    // The history begins at the oldest kept; ids go on from the newest.
    alice.send(Frames::historyRequest(0, 0, 5));
    const QJsonArray page = alice.waitForNext(u"history"_s).value("messages"_L1).toArray();
    QCOMPARE(page.first().toObject().value("id"_L1).toInteger(), Sent - 99);
    QVERIFY(startServer(0, 100));
    TestClient bob;
    QVERIFY(bob.join(m_server->serverPort(), u"bob"_s));
    QCOMPARE(bob.lastOfType(u"welcome"_s).value("last_id"_L1).toInteger(), Sent);
    bob.send(Frames::say(u"after a restart"_s));
    QCOMPARE(bob.waitForNext(u"message"_s).value("id"_L1).toInteger(), Sent + 1);
}

void tst_Retention::deletesByAgeButNeverTheNewest()
{
    QVERIFY(writeOld(1, 3000, 10));
    QVERIFY(writeOld(3001, 20, 2));
    QVERIFY(startServer(7, 0));
    QTRY_COMPARE_WITH_TIMEOUT(stored(), 20, 20000);
    m_server.reset();

    // All of it old: the newest stays, for the ids to go on from.
    QVERIFY(writeOld(3021, 50, 30));
    QVERIFY(startServer(1, 0));
    QTRY_COMPARE_WITH_TIMEOUT(stored(), 1, 20000);
    QVERIFY(startServer(1, 0));
    TestClient alice;
    QVERIFY(alice.join(m_server->serverPort(), u"alice"_s));
    QCOMPARE(alice.lastOfType(u"welcome"_s).value("last_id"_L1).toInteger(), 3070);
}

void tst_Retention::reloadTurnsItOn()
{
    QVERIFY(writeOld(1, 500, 1));
    QVERIFY(startServer(0, 0)); // the default: everything is kept
    TestClient alice;
    QVERIFY(alice.join(m_server->serverPort(), u"alice"_s));
    alice.send(Frames::say(u"one more"_s));
    QVERIFY(alice.waitForFrames(u"message"_s, 1));
    QCOMPARE(stored(), 501);
    ServerConfig next = m_server->config();
    next.retentionMaxMessages = 10;
    m_server->reload(next);
    QTRY_COMPARE_WITH_TIMEOUT(stored(), 10, 20000);
}

void tst_Retention::aFloodIsSweptWithoutWaitingForTheInterval()
{
    // Found by a reconnect loop that grew the database by 59 MB a second: a minute between
    // sweeps is a minute of flood past the policy.
    QVERIFY(startServer(0, 100, 3600 * 1000));
    TestClient alice;
    QVERIFY(alice.join(m_server->serverPort(), u"alice"_s));
    constexpr int Sent = 5000;
    for (int i = 1; i <= Sent; ++i) {
        alice.send(Frames::say(u"flood %1"_s.arg(i)));
    }
    QVERIFY(alice.waitForFrames(u"message"_s, Sent));
    // Within a batch of the policy, however long the interval.
    QTRY_VERIFY_WITH_TIMEOUT(stored() <= 100 + RetentionSweeper::BatchSize, 20000);
}

QTEST_GUILESS_MAIN(tst_Retention)
#include "tst_retention.moc"

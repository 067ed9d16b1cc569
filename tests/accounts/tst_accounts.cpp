#include "chatserver.h"
#include "frames.h"
#include "testclient.h"

#include <QFile>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

// Accounts through a real server on loopback, with its history in a real SQLite file: who may
// read a private message, sign-in with passwords and tokens, registration, password changes,
// logout, throttling, several connections of one account, and messages to someone offline.
class tst_Accounts : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void guestWithAGoneGuestsNameGetsNothingOfTheirs();

private:
    ChatServer *startServer(ServerConfig config = {});
    std::unique_ptr<TestClient> connect();
    std::unique_ptr<TestClient> hello(const QJsonObject &frame);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ChatServer> m_server;
};

namespace {

QJsonObject helloFrame(const QString &name, const QString &password = {}, qint64 since = -1)
{
    QJsonObject frame = Frames::hello(name, since);
    if (!password.isEmpty()) {
        frame.insert("password"_L1, password);
    }
    return frame;
}

// Every text a client was shown in message and dm frames, history pages included.
QStringList textsSeen(const TestClient &client)
{
    QStringList texts;
    for (const QJsonObject &frame : client.frames()) {
        const QString type = frame.value("type"_L1).toString();
        if (type == "message"_L1 || type == "dm"_L1) {
            texts.append(frame.value("text"_L1).toString());
        } else if (type == "history"_L1) {
            for (const QJsonValue &message : frame.value("messages"_L1).toArray()) {
                texts.append(message.toObject().value("text"_L1).toString());
            }
        }
    }
    return texts;
}

} // namespace

void tst_Accounts::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void tst_Accounts::cleanup()
{
    m_server.reset();
}

ChatServer *tst_Accounts::startServer(ServerConfig config)
{
    m_server.reset();
    config.bindAddress = QHostAddress::LocalHost;
    config.port = 0;
    config.chatRate = 10000;
    config.chatBurst = 10000;
    if (config.databasePath == ":memory:"_L1) {
        config.databasePath = m_dir->filePath(u"natter.db"_s);
    }
    config.workerThreads = qEnvironmentVariableIntValue("NATTER_TEST_WORKER_THREADS");
    m_server = std::make_unique<ChatServer>(config);
    if (!m_server->start()) {
        qWarning().noquote() << "cannot start:" << m_server->startError();
        m_server.reset();
    }
    return m_server.get();
}

std::unique_ptr<TestClient> tst_Accounts::connect()
{
    auto client = std::make_unique<TestClient>();
    return client->connectTo(m_server->serverPort()) ? std::move(client) : nullptr;
}

std::unique_ptr<TestClient> tst_Accounts::hello(const QJsonObject &frame)
{
    auto client = connect();
    if (!client) {
        return nullptr;
    }
    client->send(frame);
    if (!QTest::qWaitFor([&] {
            return client->countOfType(u"welcome"_s) + client->countOfType(u"error"_s) > 0;
        })) {
        return nullptr;
    }
    return client;
}

void tst_Accounts::guestWithAGoneGuestsNameGetsNothingOfTheirs()
{
    // The finding: after alice quit, anyone saying hello as alice read her private messages
    // through history and since, got her stored copies back by re-sending her cids, and took her
    // place on the leaderboard.
    QVERIFY(startServer());
    auto alice = hello(helloFrame(u"alice"_s));
    auto bob = hello(helloFrame(u"bob"_s));
    QVERIFY(alice && bob);
    alice->send(Frames::dm(u"bob"_s, u"alice to bob, secret"_s, u"cid-a1"_s));
    bob->send(Frames::dm(u"alice"_s, u"bob to alice, secret"_s));
    alice->send(Frames::say(u"hello all"_s));
    QVERIFY(alice->waitForFrames(u"dm"_s, 2));
    QVERIFY(alice->waitForFrames(u"message"_s, 1));
    alice->send(Frames::quit());
    QVERIFY(alice->waitForDisconnected());
    QTRY_COMPARE(m_server->room().userCount(), 1);

    auto mallory = hello(helloFrame(u"alice"_s, {}, 0));
    QVERIFY(mallory);
    QCOMPARE(mallory->countOfType(u"welcome"_s), 1);
    mallory->send(Frames::historyRequest(0));
    QVERIFY(mallory->waitForFrames(u"history"_s, 1));
    mallory->send(Frames::dm(u"bob"_s, u"a retry?"_s, u"cid-a1"_s));
    QVERIFY(bob->waitForFrames(u"dm"_s, 3));
    QVERIFY(mallory->waitForFrames(u"dm"_s, 1));

    const QStringList seen = textsSeen(*mallory);
    QVERIFY2(!seen.contains(u"alice to bob, secret"_s), qPrintable(seen.join(u" | "_s)));
    QVERIFY2(!seen.contains(u"bob to alice, secret"_s), qPrintable(seen.join(u" | "_s)));
    QVERIFY(seen.contains(u"hello all"_s)); // what everyone saw stays everyone's
    // The cid is hers, not mallory's: mallory's message is a new one that bob receives.
    QCOMPARE(bob->lastOfType(u"dm"_s).value("text"_L1).toString(), u"a retry?"_s);
}

QTEST_GUILESS_MAIN(tst_Accounts)
#include "tst_accounts.moc"

#include "chatserver.h"
#include "framecodec.h"
#include "frames.h"
#include "testclient.h"

#include <QJsonArray>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

#include <memory>
#include <vector>

using namespace Qt::StringLiterals;

// The whole server in-process against real sockets on loopback: registration, chat, private
// messages, every error code, bad input, fan-out ordering and shutdown.
class tst_ChatServer : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void joinAndLeave();
    void broadcastReachesEveryoneWithOneId();
    void privateMessages();
    void badNamesCanBeRetried_data();
    void badNamesCanBeRetried();
    void nameTakenIgnoresCaseAndCanBeRetried();
    void errorCodes_data();
    void errorCodes();
    void pingAndUsers();
    void garbageDoesNotLeakToOthers();
    void oversizedFrameClosesOnlyThatConnection();
    void unterminatedFloodIsCutOff();
    void vanishingMidFrameIsALeave();
    void serverFull();
    void slowConsumerIsCutOffOthersCarryOn();
    void manyClientsSeeOneOrder();
    void shutdownSaysByeToEveryone();

private:
    std::unique_ptr<TestClient> joined(const QString &name);
    std::unique_ptr<ChatServer> startServer(ServerConfig config = {});
    // Replaces the test's server with one configured for a limit under test.
    bool restartServer(const ServerConfig &config);

    std::unique_ptr<ChatServer> m_server;
    quint16 m_port = 0;
};

namespace {

QString str(const QJsonObject &frame, const char *field)
{
    return frame.value(QLatin1StringView(field)).toString();
}

QString errorCode(const QJsonObject &frame)
{
    return str(frame, "code");
}

} // namespace

std::unique_ptr<ChatServer> tst_ChatServer::startServer(ServerConfig config)
{
    config.bindAddress = QHostAddress::LocalHost;
    config.port = 0;
    // The suite runs twice under ctest: a thread per client, and pooled (see CMakeLists).
    config.workerThreads = qEnvironmentVariableIntValue("NATTER_TEST_WORKER_THREADS");
    auto server = std::make_unique<ChatServer>(config);
    if (!server->start()) {
        qWarning() << "cannot listen:" << server->startError();
        return nullptr;
    }
    return server;
}

bool tst_ChatServer::restartServer(const ServerConfig &config)
{
    m_server = startServer(config);
    m_port = m_server ? m_server->serverPort() : 0;
    return m_server != nullptr;
}

void tst_ChatServer::init()
{
    QVERIFY(restartServer({}));
}

void tst_ChatServer::cleanup()
{
    m_server.reset();
}

std::unique_ptr<TestClient> tst_ChatServer::joined(const QString &name)
{
    auto client = std::make_unique<TestClient>();
    if (!client->join(m_port, name)) {
        qWarning() << "could not join as" << name << client->frames();
        return nullptr;
    }
    return client;
}

void tst_ChatServer::joinAndLeave()
{
    auto alice = joined(u"alice"_s);
    QVERIFY(alice);
    const QJsonObject welcome = alice->lastOfType(u"welcome"_s);
    QCOMPARE(str(welcome, "name"), u"alice"_s);
    QCOMPARE(welcome.value("users"_L1).toArray(), QJsonArray{u"alice"_s});
    QVERIFY(str(welcome, "motd").contains(u"alice"_s));

    auto bob = joined(u"bob"_s);
    QVERIFY(bob);
    QCOMPARE(bob->lastOfType(u"welcome"_s).value("users"_L1).toArray(),
        (QJsonArray{u"alice"_s, u"bob"_s}));
    const QJsonObject joinedFrame = alice->waitForNext(u"joined"_s);
    QCOMPARE(str(joinedFrame, "name"), u"bob"_s);
    QVERIFY(!str(joinedFrame, "ts").isEmpty());
    QCOMPARE(bob->countOfType(u"joined"_s), 0);

    // A clean quit: bye to the leaver, then the server closes; the others learn why.
    bob->send(Frames::quit());
    QCOMPARE(str(bob->waitForNext(u"bye"_s), "reason"), u"quit"_s);
    QVERIFY(bob->waitForDisconnected());
    QJsonObject left = alice->waitForNext(u"left"_s);
    QCOMPARE(str(left, "name"), u"bob"_s);
    QCOMPARE(str(left, "reason"), u"quit"_s);

    // A dropped connection frees the name too.
    auto carol = joined(u"carol"_s);
    QVERIFY(carol);
    carol->socket().abort();
    left = alice->waitForNext(u"left"_s);
    QCOMPARE(str(left, "name"), u"carol"_s);
    QCOMPARE(str(left, "reason"), u"disconnected"_s);
    QVERIFY(joined(u"carol"_s));
    QVERIFY(joined(u"bob"_s));
}

void tst_ChatServer::broadcastReachesEveryoneWithOneId()
{
    auto alice = joined(u"alice"_s);
    auto bob = joined(u"bob"_s);
    auto carol = joined(u"carol"_s);
    QVERIFY(alice && bob && carol);

    alice->send(Frames::say(u"hello, world 🙂"_s));
    const QJsonObject seenByAlice = alice->waitForNext(u"message"_s);
    const QJsonObject seenByBob = bob->waitForNext(u"message"_s);
    const QJsonObject seenByCarol = carol->waitForNext(u"message"_s);
    QCOMPARE(str(seenByAlice, "from"), u"alice"_s);
    QCOMPARE(str(seenByAlice, "text"), u"hello, world 🙂"_s);
    QVERIFY(seenByAlice.value("id"_L1).toInteger() > 0);
    const QRegularExpression iso(uR"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$)"_s);
    QVERIFY(iso.match(str(seenByAlice, "ts")).hasMatch());
    QCOMPARE(seenByBob, seenByAlice);
    QCOMPARE(seenByCarol, seenByAlice);

    bob->send(Frames::say(u"second"_s));
    QCOMPARE(alice->waitForNext(u"message"_s).value("id"_L1).toInteger(),
        seenByAlice.value("id"_L1).toInteger() + 1);
}

void tst_ChatServer::privateMessages()
{
    auto alice = joined(u"alice"_s);
    auto bob = joined(u"bob"_s);
    auto carol = joined(u"carol"_s);
    QVERIFY(alice && bob && carol);

    alice->send(Frames::dm(u"Bob"_s, u"just between us"_s));
    const QJsonObject toBob = bob->waitForNext(u"dm"_s);
    QCOMPARE(str(toBob, "from"), u"alice"_s);
    QCOMPARE(str(toBob, "to"), u"bob"_s);
    QCOMPARE(str(toBob, "text"), u"just between us"_s);
    QCOMPARE(alice->waitForNext(u"dm"_s), toBob); // the sender's copy

    // Carol sees nothing: after a later broadcast reaches her, still no dm.
    bob->send(Frames::say(u"public"_s));
    QVERIFY(carol->waitForFrames(u"message"_s, 1));
    QCOMPARE(carol->countOfType(u"dm"_s), 0);
    // Ids are one sequence shared by messages and dms.
    QCOMPARE(carol->lastOfType(u"message"_s).value("id"_L1).toInteger(),
        toBob.value("id"_L1).toInteger() + 1);

    alice->send(Frames::dm(u"nobody"_s, u"hello?"_s));
    QCOMPARE(errorCode(alice->waitForNext(u"error"_s)), u"no_such_user"_s);
}

void tst_ChatServer::badNamesCanBeRetried_data()
{
    QTest::addColumn<QString>("name");
    QTest::newRow("empty") << QString();
    QTest::newRow("too long") << QString(33, u'a');
    QTest::newRow("space") << u"two words"_s;
    QTest::newRow("control character") << u"bell\a"_s;
    QTest::newRow("non-ascii") << u"zoë"_s;
}

void tst_ChatServer::badNamesCanBeRetried()
{
    QFETCH(QString, name);
    TestClient client;
    QVERIFY(client.connectTo(m_port));
    client.send(Frames::hello(name));
    QCOMPARE(errorCode(client.waitForNext(u"error"_s)), u"bad_name"_s);
    QVERIFY(client.isConnected());
    QVERIFY(client.join(m_port, u"good_name"_s));
}

void tst_ChatServer::nameTakenIgnoresCaseAndCanBeRetried()
{
    auto alice = joined(u"alice"_s);
    QVERIFY(alice);
    TestClient impostor;
    QVERIFY(impostor.connectTo(m_port));
    impostor.send(Frames::hello(u"ALICE"_s));
    QCOMPARE(errorCode(impostor.waitForNext(u"error"_s)), u"name_taken"_s);
    QVERIFY(impostor.join(m_port, u"alice2"_s));
    QCOMPARE(alice->waitForNext(u"joined"_s).value("name"_L1).toString(), u"alice2"_s);
}

void tst_ChatServer::errorCodes_data()
{
    QTest::addColumn<bool>("registered");
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QString>("code");

    // (Unregistered, a first line that is not a JSON object would start plain-text mode.)
    QTest::newRow("bad_json") << true << QByteArray("this is not json\n") << u"bad_json"_s;
    QTest::newRow("bad_json: broken object first")
        << false << QByteArray("{\"type\":\"hello\"\n") << u"bad_json"_s;
    QTest::newRow("bad_json: invalid utf-8")
        << true << QByteArray("{\"type\":\"say\",\"text\":\"\xc3\x28\"}\n") << u"bad_json"_s;
    QTest::newRow("bad_frame: not an object") << true << QByteArray("[1,2,3]\n") << u"bad_frame"_s;
    QTest::newRow("bad_frame: no type")
        << false << QByteArray("{\"name\":\"x\"}\n") << u"bad_frame"_s;
    QTest::newRow("bad_frame: text not a string")
        << true << QByteArray("{\"type\":\"say\",\"text\":42}\n") << u"bad_frame"_s;
    QTest::newRow("unknown_type") << true << QByteArray("{\"type\":\"dance\"}\n")
                                  << u"unknown_type"_s;
    QTest::newRow("not_registered: say")
        << false << QByteArray("{\"type\":\"say\",\"text\":\"hi\"}\n") << u"not_registered"_s;
    QTest::newRow("not_registered: users")
        << false << QByteArray("{\"type\":\"users\"}\n") << u"not_registered"_s;
    QTest::newRow("already_registered")
        << true << QByteArray("{\"type\":\"hello\",\"name\":\"again\"}\n")
        << u"already_registered"_s;
    QTest::newRow("bad_name") << false << QByteArray("{\"type\":\"hello\",\"name\":\"a b\"}\n")
                              << u"bad_name"_s;
    QTest::newRow("no_such_user") << true
                                  << QByteArray(
                                         "{\"type\":\"dm\",\"to\":\"ghost\",\"text\":\"boo\"}\n")
                                  << u"no_such_user"_s;
    QTest::newRow("bad_text: empty")
        << true << QByteArray("{\"type\":\"say\",\"text\":\"  \"}\n") << u"bad_text"_s;
    QTest::newRow("bad_text: escape")
        << true << QByteArray("{\"type\":\"say\",\"text\":\"\\u001b[2J\"}\n") << u"bad_text"_s;
}

void tst_ChatServer::errorCodes()
{
    QFETCH(bool, registered);
    QFETCH(QByteArray, line);
    QFETCH(QString, code);

    TestClient client;
    QVERIFY(client.connectTo(m_port));
    if (registered) {
        QVERIFY(client.join(m_port, u"tester"_s));
    }
    client.sendRaw(line);
    const QJsonObject error = client.waitForNext(u"error"_s);
    QCOMPARE(errorCode(error), code);
    QVERIFY(!str(error, "message").isEmpty());

    // The connection survives every one of these errors.
    client.send(Frames::ping());
    QVERIFY(client.waitForFrames(u"pong"_s, 1));
    QVERIFY(client.isConnected());
}

void tst_ChatServer::pingAndUsers()
{
    TestClient anonymous;
    QVERIFY(anonymous.connectTo(m_port));
    anonymous.send(Frames::ping());
    QVERIFY(anonymous.waitForFrames(u"pong"_s, 1));

    auto bob = joined(u"bob"_s);
    auto alice = joined(u"alice"_s);
    QVERIFY(alice && bob);
    alice->send(Frames::usersRequest());
    QCOMPARE(alice->waitForNext(u"users"_s).value("users"_L1).toArray(),
        (QJsonArray{u"alice"_s, u"bob"_s}));

    // quit before hello is allowed too.
    anonymous.send(Frames::quit());
    QVERIFY(anonymous.waitForFrames(u"bye"_s, 1));
    QVERIFY(anonymous.waitForDisconnected());
}

void tst_ChatServer::garbageDoesNotLeakToOthers()
{
    auto alice = joined(u"alice"_s);
    auto mallory = joined(u"mallory"_s);
    QVERIFY(alice && mallory);

    QByteArray garbage(4096, Qt::Uninitialized);
    QRandomGenerator generator(42);
    for (char &byte : garbage) {
        byte = char(generator.bounded(256));
    }
    garbage.replace('\n', ' ');
    mallory->sendRaw(garbage + QByteArray("\n\x00\x01{\"type\":\n\xff\xfe\n", 15));
    QVERIFY(mallory->waitForFrames(u"error"_s, 3));
    mallory->send(Frames::say(u"still here"_s));

    QCOMPARE(str(alice->waitForNext(u"message"_s), "text"), u"still here"_s);
    QCOMPARE(alice->countOfType(u"error"_s), 0);
    QCOMPARE(alice->badLines(), QList<QByteArray>());
    for (const QJsonObject &frame : alice->frames()) {
        QVERIFY(!str(frame, "text").contains(u'\xfffd'));
    }
}

void tst_ChatServer::oversizedFrameClosesOnlyThatConnection()
{
    ServerConfig config;
    config.maxFrameBytes = 1024;
    QVERIFY(restartServer(config));
    auto alice = joined(u"alice"_s);
    auto bob = joined(u"bob"_s);
    QVERIFY(alice && bob);

    // 1024 bytes of text fit in the limit with the JSON around them only if the frame is small.
    const QByteArray fits = R"({"type":"say","text":")" + QByteArray(900, 'x') + R"("})";
    bob->sendRaw(fits + '\n');
    QCOMPARE(str(alice->waitForNext(u"message"_s), "text").size(), 900);

    bob->sendRaw(R"({"type":"say","text":")" + QByteArray(2000, 'x') + "\"}\n");
    QCOMPARE(errorCode(bob->waitForNext(u"error"_s)), u"frame_too_large"_s);
    QCOMPARE(str(bob->waitForNext(u"bye"_s), "reason"), u"frame_too_large"_s);
    QVERIFY(bob->waitForDisconnected());
    const QJsonObject left = alice->waitForNext(u"left"_s);
    QCOMPARE(str(left, "name"), u"bob"_s);
    QCOMPARE(str(left, "reason"), u"error"_s);

    alice->send(Frames::say(u"carry on"_s));
    QCOMPARE(str(alice->waitForNext(u"message"_s), "text"), u"carry on"_s);
}

void tst_ChatServer::unterminatedFloodIsCutOff()
{
    ServerConfig config;
    config.maxFrameBytes = 4096;
    QVERIFY(restartServer(config));

    // A line with no end, written until the server gives up: it must not wait for a newline.
    TestClient flooder;
    QVERIFY(flooder.connectTo(m_port));
    const QByteArray chunk(1024, 'a');
    int sent = 0;
    while (flooder.countOfType(u"error"_s) == 0 && sent < 10000) {
        flooder.sendRaw(chunk);
        ++sent;
        QCoreApplication::processEvents();
    }
    QVERIFY(flooder.waitForFrames(u"error"_s, 1));
    QCOMPARE(errorCode(flooder.lastOfType(u"error"_s)), u"frame_too_large"_s);
    QVERIFY(flooder.waitForDisconnected());
    QVERIFY(sent < 10000);
}

void tst_ChatServer::vanishingMidFrameIsALeave()
{
    auto alice = joined(u"alice"_s);
    auto bob = joined(u"bob"_s);
    QVERIFY(alice && bob);
    bob->sendRaw(R"({"type":"say","text":"half a fr)");
    bob->socket().abort();
    const QJsonObject left = alice->waitForNext(u"left"_s);
    QCOMPARE(str(left, "name"), u"bob"_s);
    QCOMPARE(str(left, "reason"), u"disconnected"_s);
    QCOMPARE(alice->countOfType(u"message"_s), 0);
}

void tst_ChatServer::serverFull()
{
    ServerConfig config;
    config.maxClients = 2;
    QVERIFY(restartServer(config));
    auto alice = joined(u"alice"_s);
    auto bob = joined(u"bob"_s);
    QVERIFY(alice && bob);

    // The refused client talks at once, as real ones do: its hello must not make the server's
    // close destroy the explanation.
    TestClient third;
    QVERIFY(third.connectTo(m_port));
    third.send(Frames::hello(u"third"_s));
    QCOMPARE(errorCode(third.waitForNext(u"error"_s)), u"server_full"_s);
    QCOMPARE(str(third.waitForNext(u"bye"_s), "reason"), u"server_full"_s);
    QVERIFY(third.waitForDisconnected());

    // A freed place can be taken again.
    alice->send(Frames::quit());
    QVERIFY(alice->waitForDisconnected());
    QTRY_COMPARE(m_server->connectionCount(), 1);
    QVERIFY(joined(u"carol"_s));
}

void tst_ChatServer::slowConsumerIsCutOffOthersCarryOn()
{
    ServerConfig config;
    config.maxPendingBytes = 256 * 1024;
    config.chatRate = config.chatBurst = 1e6; // a load test, not a flood test
    QVERIFY(restartServer(config));
    auto alice = joined(u"alice"_s);
    auto bob = joined(u"bob"_s);
    QVERIFY(alice && bob);

    // A client that registers and then never reads: its socket takes one byte at a time, so
    // the kernel buffers fill and the server's queue for it grows.
    QTcpSocket sleeper;
    sleeper.setReadBufferSize(1);
    sleeper.connectToHost(QHostAddress::LocalHost, m_port);
    QVERIFY(sleeper.waitForConnected(10000));
    sleeper.write(FrameCodec::encode(Frames::hello(u"sleeper"_s)));
    QVERIFY(alice->waitForFrames(u"joined"_s, 2)); // bob, then the sleeper
    QCOMPARE(str(alice->lastOfType(u"joined"_s), "name"), u"sleeper"_s);

    // Alice talks in rounds and waits for both readers to keep up, so only the sleeper falls
    // behind: by more than the kernel's buffers plus the cap, at some round.
    const QString text(4000, u'z');
    QByteArray round;
    for (int i = 0; i < 50; ++i) {
        round += FrameCodec::encode(Frames::say(text));
    }
    int sent = 0;
    while (bob->countOfType(u"left"_s) == 0 && sent < 200 * 50) {
        alice->sendRaw(round);
        sent += 50;
        QVERIFY(bob->waitForFrames(u"message"_s, sent, 60000));
        QVERIFY(alice->waitForFrames(u"message"_s, sent, 60000));
    }
    const QJsonObject left = bob->waitForNext(u"left"_s);
    QCOMPARE(str(left, "name"), u"sleeper"_s);
    QCOMPARE(str(left, "reason"), u"slow_consumer"_s);
    qInfo("the sleeper was cut off after %d messages (%d KiB)", sent, sent * 4000 / 1024);

    // The others carry on.
    alice->send(Frames::say(u"still flowing"_s));
    QCOMPARE(str(bob->lastOfType(u"message"_s), "text").size(), 4000);
    QTRY_COMPARE(str(bob->lastOfType(u"message"_s), "text"), u"still flowing"_s);
    QTRY_COMPARE(m_server->connectionCount(), 2);
}

void tst_ChatServer::manyClientsSeeOneOrder()
{
    ServerConfig config;
    config.chatRate = config.chatBurst = 1e6; // a load test, not a flood test
    QVERIFY(restartServer(config));
    constexpr int Clients = 20;
    constexpr int PerClient = 50;
    std::vector<std::unique_ptr<TestClient>> clients;
    for (int i = 0; i < Clients; ++i) {
        clients.push_back(joined(u"user%1"_s.arg(i)));
        QVERIFY(clients.back());
    }
    // Everyone writes all of their messages at once, before reading anything.
    for (int i = 0; i < Clients; ++i) {
        QByteArray burst;
        for (int n = 0; n < PerClient; ++n) {
            burst += FrameCodec::encode(Frames::say(u"%1:%2"_s.arg(i).arg(n)));
        }
        clients[i]->sendRaw(burst);
    }
    for (auto &client : clients) {
        QVERIFY2(client->waitForFrames(u"message"_s, Clients * PerClient, 60000),
            qPrintable(u"got %1"_s.arg(client->countOfType(u"message"_s))));
    }

    const QList<QJsonObject> reference = clients.front()->framesOfType(u"message"_s);
    QCOMPARE(reference.size(), Clients * PerClient);
    qint64 lastId = 0;
    QList<int> nextFromSender(Clients, 0);
    for (const QJsonObject &frame : reference) {
        const qint64 id = frame.value("id"_L1).toInteger();
        QVERIFY(id > lastId);
        lastId = id;
        const QStringList parts = str(frame, "text").split(u':');
        const int sender = parts.at(0).toInt();
        QCOMPARE(str(frame, "from"), u"user%1"_s.arg(sender));
        QCOMPARE(parts.at(1).toInt(), nextFromSender[sender]++);
    }
    for (auto &client : clients) {
        QCOMPARE(client->framesOfType(u"message"_s), reference);
    }
}

void tst_ChatServer::shutdownSaysByeToEveryone()
{
    auto alice = joined(u"alice"_s);
    auto bob = joined(u"bob"_s);
    TestClient anonymous;
    QVERIFY(alice && bob && anonymous.connectTo(m_port));
    QTRY_COMPARE(m_server->connectionCount(), 3);

    QSignalSpy stopped(m_server.get(), &ChatServer::stopped);
    QVERIFY(stopped.isValid());
    m_server->shutdown();
    for (TestClient *client : {alice.get(), bob.get(), &anonymous}) {
        QCOMPARE(str(client->waitForNext(u"bye"_s), "reason"), u"shutdown"_s);
        QVERIFY(client->waitForDisconnected());
    }
    QTRY_COMPARE_WITH_TIMEOUT(stopped.count(), 1, 10000);
    QCOMPARE(m_server->connectionCount(), 0);
    QVERIFY(!m_server->isListening());
    // Nobody is told that the others "left": the whole room closed.
    QCOMPARE(alice->countOfType(u"left"_s), 0);
}

QTEST_GUILESS_MAIN(tst_ChatServer)
#include "tst_chatserver.moc"

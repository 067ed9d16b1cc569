#include "chatserver.h"
#include "framecodec.h"
#include "frames.h"
#include "testclient.h"
#include "tokenbucket.h"

#include <QTest>

#include <memory>
#include <vector>

using namespace Qt::StringLiterals;

// What keeps one client from hurting the others: flood control (per person, across their
// connections), message and per-address limits, the registration deadline and keep-alive
// timeouts. Each limit has its error.
class tst_Protection : public QObject
{
    Q_OBJECT

private slots:
    void cleanup();

    void tokenBucket();
    void typingAndSmileBurstsPass();
    void floodIsRefusedThenCutOff();
    void allowanceIsSharedAcrossConnections();
    void reconnectingFlooderIsStillCutOff();
    void longMessagesAreRefused();
    void connectionsPerAddressAreCapped();
    void silentConnectionsTimeOut();
    void idleClientsArePingedAndDeadOnesDropped();

private:
    bool start(ServerConfig config);
    std::unique_ptr<TestClient> joined(const QString &name);

    std::unique_ptr<ChatServer> m_server;
    quint16 m_port = 0;
};

void tst_Protection::cleanup()
{
    m_server.reset();
}

bool tst_Protection::start(ServerConfig config)
{
    config.bindAddress = QHostAddress::LocalHost;
    config.port = 0;
    // The suite runs twice under ctest: a thread per client, and pooled (see CMakeLists).
    config.workerThreads = qEnvironmentVariableIntValue("NATTER_TEST_WORKER_THREADS");
    m_server = std::make_unique<ChatServer>(config);
    m_port = m_server->start() ? m_server->serverPort() : 0;
    return m_port != 0;
}

std::unique_ptr<TestClient> tst_Protection::joined(const QString &name)
{
    auto client = std::make_unique<TestClient>();
    return client->join(m_port, name) ? std::move(client) : nullptr;
}

void tst_Protection::tokenBucket()
{
    TokenBucket bucket(2.0, 3.0); // 2 a second, 3 at once
    QVERIFY(bucket.take(0));
    QVERIFY(bucket.take(0));
    QVERIFY(bucket.take(0));
    QVERIFY(!bucket.take(0));
    QVERIFY(!bucket.take(400)); // 0.8 of a token
    QVERIFY(bucket.take(500));
    QVERIFY(!bucket.take(500));
    QVERIFY(bucket.take(10000)); // refilled, but only up to the burst
    QVERIFY(bucket.take(10000));
    QVERIFY(bucket.take(10000));
    QVERIFY(!bucket.take(10000));
}

void tst_Protection::typingAndSmileBurstsPass()
{
    QVERIFY(start({})); // the defaults people run with
    auto alice = joined(u"alice"_s);
    QVERIFY(alice);
    // Fifteen Smile clicks as fast as a script can send them, then more at typing pace.
    for (int i = 0; i < 15; ++i) {
        alice->send(Frames::say(u"🙂"_s));
    }
    QVERIFY(alice->waitForFrames(u"message"_s, 15));
    QCOMPARE(alice->countOfType(u"error"_s), 0);
}

void tst_Protection::floodIsRefusedThenCutOff()
{
    ServerConfig config;
    config.chatRate = 1;
    config.chatBurst = 5;
    QVERIFY(start(config));
    auto flooder = joined(u"flooder"_s);
    auto bob = joined(u"bob"_s);
    QVERIFY(flooder && bob);

    QByteArray burst;
    for (int i = 0; i < 5 + 3; ++i) {
        burst += FrameCodec::encode(Frames::say(u"spam %1"_s.arg(i)));
    }
    flooder->sendRaw(burst);
    QVERIFY(flooder->waitForFrames(u"error"_s, 3));
    QCOMPARE(
        flooder->framesOfType(u"error"_s).at(0).value("code"_L1).toString(), u"rate_limited"_s);
    QVERIFY(bob->waitForFrames(u"message"_s, 5));
    QVERIFY(flooder->isConnected()); // refused, not yet cut off

    // Keeping on regardless ends it.
    burst.clear();
    for (int i = 0; i < 10; ++i) {
        burst += FrameCodec::encode(Frames::say(u"more spam"_s));
    }
    flooder->sendRaw(burst);
    QCOMPARE(flooder->waitForNext(u"bye"_s).value("reason"_L1).toString(), u"flood"_s);
    QVERIFY(flooder->waitForDisconnected());
    const QJsonObject left = bob->waitForNext(u"left"_s);
    QCOMPARE(left.value("name"_L1).toString(), u"flooder"_s);
    QCOMPARE(left.value("reason"_L1).toString(), u"flood"_s);
    QCOMPARE(bob->countOfType(u"message"_s), 5);
}

void tst_Protection::allowanceIsSharedAcrossConnections()
{
    // One account on two connections has one allowance; guests, a new identity each time,
    // have their address's; another account (even from the same address) its own.
    ServerConfig config;
    config.chatRate = 0.1; // nothing refills during the test
    config.chatBurst = 4;
    QVERIFY(start(config));
    const auto account = [this](const QString &name) {
        auto client = joined(name);
        client->send(Frames::registerRequest(u"a long password"_s));
        return client->waitForFrames(u"registered"_s, 1) ? std::move(client) : nullptr;
    };
    auto alice = account(u"alice"_s);
    auto bob = account(u"bob"_s);
    QVERIFY(alice && bob);
    auto aliceAgain = std::make_unique<TestClient>();
    QVERIFY(aliceAgain->connectTo(m_port));
    aliceAgain->send(Frames::helloWithPassword(u"alice"_s, u"a long password"_s));
    QVERIFY(aliceAgain->waitForFrames(u"welcome"_s, 1));

    const auto says = [](TestClient &client, int count) {
        QByteArray lines;
        for (int i = 0; i < count; ++i) {
            lines += FrameCodec::encode(Frames::say(u"hi"_s));
        }
        client.sendRaw(lines);
    };
    says(*alice, 3);
    QVERIFY(bob->waitForFrames(u"message"_s, 3));
    says(*aliceAgain, 2);
    QCOMPARE(aliceAgain->waitForNext(u"error"_s).value("code"_L1).toString(), u"rate_limited"_s);
    QVERIFY(bob->waitForFrames(u"message"_s, 4));
    says(*bob, 4); // bob's own
    QVERIFY(alice->waitForFrames(u"message"_s, 8));

    auto guest = joined(u"guest"_s);
    QVERIFY(guest);
    says(*guest, 4);
    QVERIFY(alice->waitForFrames(u"message"_s, 12));
    guest->send(Frames::quit());
    QVERIFY(guest->waitForDisconnected());
    auto guestAgain = joined(u"guest2"_s); // the same address, a new guest
    QVERIFY(guestAgain);
    guestAgain->send(Frames::say(u"one more?"_s));
    QCOMPARE(guestAgain->waitForNext(u"error"_s).value("code"_L1).toString(), u"rate_limited"_s);
    QCOMPARE(alice->countOfType(u"message"_s), 12);
}

void tst_Protection::reconnectingFlooderIsStillCutOff()
{
    // A connection that finds its allowance spent by an earlier one, and keeps going, is
    // flooding like any other.
    ServerConfig config;
    config.chatRate = 0.1;
    config.chatBurst = 3;
    QVERIFY(start(config));
    auto first = joined(u"first"_s);
    QVERIFY(first);
    for (int i = 0; i < 3; ++i) {
        first->send(Frames::say(u"spam"_s));
    }
    QVERIFY(first->waitForFrames(u"message"_s, 3));
    first->send(Frames::quit());
    QVERIFY(first->waitForDisconnected());

    auto again = joined(u"again"_s);
    QVERIFY(again);
    QByteArray burst;
    for (int i = 0; i < 3 + 1; ++i) {
        burst += FrameCodec::encode(Frames::say(u"more spam"_s));
    }
    again->sendRaw(burst);
    QCOMPARE(again->waitForNext(u"bye"_s).value("reason"_L1).toString(), u"flood"_s);
    QCOMPARE(again->countOfType(u"error"_s), 4);
    QCOMPARE(again->countOfType(u"message"_s), 0);
}

void tst_Protection::longMessagesAreRefused()
{
    ServerConfig config;
    config.maxTextLength = 10;
    QVERIFY(start(config));
    auto alice = joined(u"alice"_s);
    auto bob = joined(u"bob"_s);
    QVERIFY(alice && bob);
    alice->send(Frames::say(u"0123456789"_s));
    QVERIFY(bob->waitForFrames(u"message"_s, 1));
    alice->send(Frames::say(u"0123456789!"_s));
    QCOMPARE(alice->waitForNext(u"error"_s).value("code"_L1).toString(), u"text_too_long"_s);
    alice->send(Frames::dm(u"bob"_s, u"far too long for this"_s));
    QCOMPARE(alice->waitForNext(u"error"_s).value("code"_L1).toString(), u"text_too_long"_s);
    alice->send(Frames::say(u"ok again"_s));
    QVERIFY(bob->waitForFrames(u"message"_s, 2));
    QCOMPARE(bob->countOfType(u"dm"_s), 0);
}

void tst_Protection::connectionsPerAddressAreCapped()
{
    ServerConfig config;
    config.maxClientsPerAddress = 2;
    QVERIFY(start(config));
    auto first = joined(u"first"_s);
    auto second = joined(u"second"_s);
    QVERIFY(first && second);
    TestClient third;
    QVERIFY(third.connectTo(m_port));
    QCOMPARE(third.waitForNext(u"error"_s).value("code"_L1).toString(), u"too_many_connections"_s);
    QCOMPARE(third.waitForNext(u"bye"_s).value("reason"_L1).toString(), u"too_many_connections"_s);
    QVERIFY(third.waitForDisconnected());

    first->send(Frames::quit());
    QVERIFY(first->waitForDisconnected());
    QTRY_COMPARE(m_server->connectionCount(), 1);
    QVERIFY(joined(u"third"_s)); // the place is free again
}

void tst_Protection::silentConnectionsTimeOut()
{
    ServerConfig config;
    config.helloTimeoutMs = 300;
    QVERIFY(start(config));
    TestClient silent;
    QVERIFY(silent.connectTo(m_port));
    QCOMPARE(silent.waitForNext(u"bye"_s).value("reason"_L1).toString(), u"timeout"_s);
    QCOMPARE(silent.lastOfType(u"error"_s).value("code"_L1).toString(), u"not_registered"_s);
    QVERIFY(silent.waitForDisconnected());
    QTRY_COMPARE(m_server->connectionCount(), 0);

    // Registering in time cancels it: a silent connection opened later times out, so the
    // deadline of the registered one has passed too, and it is still there.
    auto quick = joined(u"quick"_s);
    QVERIFY(quick);
    TestClient later;
    QVERIFY(later.connectTo(m_port));
    QVERIFY(later.waitForDisconnected());
    QVERIFY(quick->isConnected());
    quick->send(Frames::ping());
    QVERIFY(quick->waitForFrames(u"pong"_s, 1));
}

void tst_Protection::idleClientsArePingedAndDeadOnesDropped()
{
    ServerConfig config;
    config.idleTimeoutMs = 200;
    QVERIFY(start(config));
    auto lively = joined(u"lively"_s);
    auto dead = joined(u"dead"_s);
    QVERIFY(lively && dead);
    connect(lively.get(), &TestClient::frameReceived, lively.get(),
        [client = lively.get()](const QJsonObject &frame) {
            if (frame.value("type"_L1).toString() == "ping"_L1) {
                client->send(Frames::pong());
            }
        });

    // The one that never answers is pinged, then dropped; the one that answers stays.
    QVERIFY(dead->waitForFrames(u"ping"_s, 1));
    QCOMPARE(dead->waitForNext(u"bye"_s).value("reason"_L1).toString(), u"timeout"_s);
    const QJsonObject left = lively->waitForNext(u"left"_s);
    QCOMPARE(left.value("name"_L1).toString(), u"dead"_s);
    QCOMPARE(left.value("reason"_L1).toString(), u"timeout"_s);
    QVERIFY(lively->waitForFrames(u"ping"_s, 4));
    QVERIFY(lively->isConnected());
}

QTEST_GUILESS_MAIN(tst_Protection)
#include "tst_protection.moc"

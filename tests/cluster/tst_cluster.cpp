#include "frames.h"
#include "postgresserver.h"
#include "redisserver.h"
#include "testclient.h"

#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>
#include <QUrl>

#include <signal.h>
#include <sys/prctl.h>

using namespace Qt::StringLiterals;

// Several natter-server processes as one chat: a real PostgreSQL and a real redis-server, started
// for the suite, and servers started as an admin would, with --db postgresql://... --cluster
// redis://.... Clients spread over the servers must see one order, a client that loses its server
// resumes on another, and Redis may die in the middle of the traffic.
class tst_Cluster : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void sendersOnEveryServerMakeOneOrder();
    void resumeOnAnotherServerAfterKillNine();
    void redisRestartedInTheMiddleOfTraffic();
    void presenceAcrossServers();
    void privateMessagesAcrossServers();
    void roomsAcrossServers();
    void aRetryBeforeTheFirstIsStoredIsNotPostedTwice();
    void databaseConnectionsDroppedMidTraffic();
    void anAccountOnTwoServersIsOnePerson();
    void roomsMadeWhileRedisIsAwayReachTheOthers();
    void aPrivateRoomIsNotTakenOverFromAnotherServer();

private:
    struct Node
    {
        std::unique_ptr<QProcess> process;
        quint16 port = 0;
    };
    // A server of the cluster on this case's database; its port, or 0.
    quint16 startNode();
    std::unique_ptr<TestClient> join(quint16 port, const QString &name, qint64 since = -1);

    PostgresServer m_postgres;
    RedisServer m_redis;
    QString m_database;
    int m_databases = 0;
    std::vector<Node> m_nodes;
};

namespace {

const QString ServerBinary = QStringLiteral(NATTER_SERVER_BINARY);

// The ids of the messages a client was sent, in the order they came.
QList<qint64> idsOf(const TestClient &client)
{
    QList<qint64> ids;
    for (const QJsonObject &frame : client.framesOfType(u"message"_s)) {
        ids.append(frame.value("id"_L1).toInteger());
    }
    return ids;
}

// Whether client's server counts name as online (asking it).
bool seesOnline(TestClient &client, const QString &name)
{
    client.send(Frames::usersRequest());
    return client.waitForNext(u"users"_s, 1000)
        .value("users"_L1)
        .toVariant()
        .toStringList()
        .contains(name);
}

// Whether client was sent a frame of type whose fields include these values.
bool received(
    const TestClient &client, const QString &type, const QList<std::pair<QString, QString>> &fields)
{
    const QList<QJsonObject> frames = client.framesOfType(type);
    return std::any_of(frames.cbegin(), frames.cend(), [&fields](const QJsonObject &frame) {
        return std::all_of(fields.cbegin(), fields.cend(), [&frame](const auto &field) {
            return frame.value(field.first).toString() == field.second;
        });
    });
}

// Whether client was told name came: in its welcome's list or in a joined since.
bool toldOf(const TestClient &client, const QString &name)
{
    const QJsonObject welcome = client.lastOfType(u"welcome"_s);
    if (welcome.value("users"_L1).toVariant().toStringList().contains(name)) {
        return true;
    }
    return received(client, u"joined"_s, {{u"name"_s, name}});
}

bool strictlyIncreasing(const QList<qint64> &ids)
{
    return std::adjacent_find(ids.cbegin(), ids.cend(), std::greater_equal<qint64>()) == ids.cend();
}

} // namespace

void tst_Cluster::initTestCase()
{
    QVERIFY2(m_postgres.start(), qPrintable(m_postgres.error()));
    QVERIFY2(m_redis.start(), qPrintable(m_redis.error()));
}

void tst_Cluster::init()
{
    if (!m_redis.isRunning()) {
        QVERIFY2(m_redis.start(), qPrintable(m_redis.error()));
    }
    m_database = m_postgres.createDatabase(u"cluster%1"_s.arg(++m_databases));
    QVERIFY2(!m_database.isEmpty(), qPrintable(m_postgres.error()));
}

void tst_Cluster::cleanup()
{
    for (Node &node : m_nodes) {
        if (node.process->state() != QProcess::NotRunning) {
            node.process->terminate();
            if (!node.process->waitForFinished(15000)) {
                node.process->kill();
                node.process->waitForFinished();
            }
        }
    }
    m_nodes.clear();
}

quint16 tst_Cluster::startNode()
{
    Node node{std::make_unique<QProcess>(), 0};
    node.process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    node.process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    node.process->start(ServerBinary,
        {u"--bind"_s, u"127.0.0.1"_s, u"--port"_s, u"0"_s, u"--db"_s, m_database, u"--cluster"_s,
            m_redis.url(), u"--rate"_s, u"10000"_s, u"--burst"_s, u"10000"_s});
    if (!QTest::qWaitFor([&] { return node.process->canReadLine(); }, 30000)) {
        qWarning() << "a cluster server did not start";
        return 0;
    }
    const QString line = QString::fromUtf8(node.process->readLine()).trimmed();
    const QRegularExpressionMatch match
        = QRegularExpression(uR"(^listening on 127\.0\.0\.1:(\d+)$)"_s).match(line);
    if (!match.hasMatch()) {
        qWarning().noquote() << "a cluster server said:" << line;
        return 0;
    }
    node.port = quint16(match.captured(1).toUInt());
    m_nodes.push_back(std::move(node));
    return m_nodes.back().port;
}

std::unique_ptr<TestClient> tst_Cluster::join(quint16 port, const QString &name, qint64 since)
{
    auto client = std::make_unique<TestClient>();
    if (!client->connectTo(port)) {
        return nullptr;
    }
    client->send(Frames::hello(name, since));
    // A refusal (a name still held) is an answer too, and comes at once.
    const bool answered = QTest::qWaitFor(
        [&] { return client->countOfType(u"welcome"_s) + client->countOfType(u"error"_s) > 0; },
        TestClient::DefaultTimeoutMs);
    return answered && client->countOfType(u"welcome"_s) > 0 ? std::move(client) : nullptr;
}

void tst_Cluster::sendersOnEveryServerMakeOneOrder()
{
    constexpr int Servers = 3;
    constexpr int PerSender = 60;
    std::vector<quint16> ports;
    for (int i = 0; i < Servers; ++i) {
        ports.push_back(startNode());
        QVERIFY(ports.back() != 0);
    }
    std::vector<std::unique_ptr<TestClient>> watchers;
    std::vector<std::unique_ptr<TestClient>> senders;
    for (int i = 0; i < Servers; ++i) {
        watchers.push_back(join(ports[std::size_t(i)], u"watcher%1"_s.arg(i)));
        senders.push_back(join(ports[std::size_t(i)], u"sender%1"_s.arg(i)));
        QVERIFY(watchers.back() && senders.back());
    }
    // All at once: every server commits its own while the others commit theirs.
    for (int n = 0; n < PerSender; ++n) {
        for (int i = 0; i < Servers; ++i) {
            senders[std::size_t(i)]->send(Frames::say(u"%1 from %2"_s.arg(n).arg(i)));
        }
    }
    const int total = Servers * PerSender;
    for (const auto &watcher : watchers) {
        QVERIFY(watcher->waitForFrames(u"message"_s, total, 30000));
    }
    const QList<qint64> first = idsOf(*watchers.front());
    QCOMPARE(first.size(), total);
    QVERIFY2(strictlyIncreasing(first), "ids out of order");
    QCOMPARE(first.constLast() - first.constFirst(), qint64(total - 1)); // and no hole
    for (const auto &watcher : watchers) {
        QCOMPARE(idsOf(*watcher), first);
    }
    // Each sender's own messages came back to it (its acknowledgements) in the order it sent.
    for (int i = 0; i < Servers; ++i) {
        QVERIFY(senders[std::size_t(i)]->waitForFrames(u"message"_s, total, 30000));
        QStringList mine;
        for (const QJsonObject &frame : senders[std::size_t(i)]->framesOfType(u"message"_s)) {
            if (frame.value("from"_L1).toString() == u"sender%1"_s.arg(i)) {
                mine.append(frame.value("text"_L1).toString());
            }
        }
        QCOMPARE(mine.size(), PerSender);
        for (int n = 0; n < PerSender; ++n) {
            QCOMPARE(mine.at(n), u"%1 from %2"_s.arg(n).arg(i));
        }
    }
}

void tst_Cluster::resumeOnAnotherServerAfterKillNine()
{
    const quint16 a = startNode();
    const quint16 b = startNode();
    QVERIFY(a && b);
    auto reader = join(a, u"reader"_s);
    auto sender = join(b, u"sender"_s);
    QVERIFY(reader && sender);
    for (int n = 0; n < 10; ++n) {
        sender->send(Frames::say(u"before %1"_s.arg(n)));
    }
    QVERIFY(reader->waitForFrames(u"message"_s, 10));
    const qint64 lastSeen = idsOf(*reader).constLast();

    ::kill(pid_t(m_nodes.front().process->processId()), SIGKILL);
    QVERIFY(reader->waitForDisconnected());
    for (int n = 0; n < 15; ++n) {
        sender->send(Frames::say(u"while away %1"_s.arg(n)));
    }
    QVERIFY(sender->waitForFrames(u"message"_s, 25));

    // The dead server's guests keep their names until the others stop hearing from it.
    std::unique_ptr<TestClient> back;
    QTRY_VERIFY_WITH_TIMEOUT((back = join(b, u"reader"_s, lastSeen)) != nullptr, 15000);
    QVERIFY(back->waitForFrames(u"message"_s, 15));
    const QList<qint64> missed = idsOf(*back);
    QCOMPARE(missed.size(), 15);
    QCOMPARE(missed.constFirst(), lastSeen + 1);
    QVERIFY(strictlyIncreasing(missed));
    QCOMPARE(back->framesOfType(u"message"_s).constLast().value("text"_L1).toString(),
        u"while away 14"_s);
    // And it is live again: the next one arrives once.
    sender->send(Frames::say(u"after"_s));
    QVERIFY(back->waitForFrames(u"message"_s, 16));
    QCOMPARE(idsOf(*back).constLast(), missed.constLast() + 1);
}

void tst_Cluster::redisRestartedInTheMiddleOfTraffic()
{
    const quint16 a = startNode();
    const quint16 b = startNode();
    QVERIFY(a && b);
    auto onA = join(a, u"onA"_s);
    auto onB = join(b, u"onB"_s);
    auto senderA = join(a, u"senderA"_s);
    auto senderB = join(b, u"senderB"_s);
    QVERIFY(onA && onB && senderA && senderB);
    int sent = 0;
    const auto sendRound = [&](const QString &phase) {
        for (int n = 0; n < 20; ++n) {
            senderA->send(Frames::say(u"%1 a%2"_s.arg(phase).arg(n)));
            senderB->send(Frames::say(u"%1 b%2"_s.arg(phase).arg(n)));
            sent += 2;
        }
    };
    sendRound(u"before"_s);
    QVERIFY(onA->waitForFrames(u"message"_s, sent, 30000));

    m_redis.kill();
    sendRound(u"without"_s); // the servers ask the database instead
    QVERIFY(onA->waitForFrames(u"message"_s, sent, 30000));
    QVERIFY(onB->waitForFrames(u"message"_s, sent, 30000));

    QVERIFY2(m_redis.start(), qPrintable(m_redis.error()));
    sendRound(u"after"_s);
    for (TestClient *client : {onA.get(), onB.get(), senderA.get(), senderB.get()}) {
        QVERIFY(client->waitForFrames(u"message"_s, sent, 30000));
        const QList<qint64> ids = idsOf(*client);
        QCOMPARE(ids.size(), sent);
        QVERIFY2(strictlyIncreasing(ids), "ids out of order");
        QCOMPARE(ids.constLast() - ids.constFirst(), qint64(sent - 1));
    }
    QCOMPARE(idsOf(*onA), idsOf(*onB));
}

void tst_Cluster::presenceAcrossServers()
{
    const quint16 a = startNode();
    const quint16 b = startNode();
    QVERIFY(a && b);
    auto alice = join(a, u"alice"_s);
    auto bob = join(b, u"bob"_s);
    QVERIFY(alice && bob);
    // Each hears of the other, though they are on different servers: in its welcome, or when
    // the other's server has said who is on it.
    QTRY_VERIFY_WITH_TIMEOUT(toldOf(*bob, u"alice"_s), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(toldOf(*alice, u"bob"_s), 10000);
    for (TestClient *client : {alice.get(), bob.get()}) {
        client->send(Frames::usersRequest());
        const QJsonObject users = client->waitForNext(u"users"_s);
        QCOMPARE(users.value("users"_L1).toVariant().toStringList(),
            (QStringList{u"alice"_s, u"bob"_s}));
        QCOMPARE(users.value("user_count"_L1).toInt(), 2);
    }
    // A name in use on one server is in use on all of them.
    auto impostor = std::make_unique<TestClient>();
    QVERIFY(impostor->connectTo(b));
    impostor->send(Frames::hello(u"Alice"_s));
    const QJsonObject refused = impostor->waitForNext(u"error"_s);
    QCOMPARE(refused.value("code"_L1).toString(), u"name_taken"_s);

    // Gone from one server, gone for everyone.
    alice->socket().disconnectFromHost();
    QTRY_VERIFY_WITH_TIMEOUT(!bob->framesOfType(u"left"_s).isEmpty(), 10000);
    QCOMPARE(bob->framesOfType(u"left"_s).constFirst().value("name"_L1).toString(), u"alice"_s);
    bob->send(Frames::usersRequest());
    QCOMPARE(bob->waitForNext(u"users"_s).value("user_count"_L1).toInt(), 1);
}

void tst_Cluster::privateMessagesAcrossServers()
{
    const quint16 a = startNode();
    const quint16 b = startNode();
    QVERIFY(a && b);
    auto alice = join(a, u"alice"_s);
    auto bob = join(b, u"bob"_s);
    auto carol = join(b, u"carol"_s);
    QVERIFY(alice && bob && carol);
    QTRY_VERIFY_WITH_TIMEOUT(seesOnline(*alice, u"bob"_s), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(seesOnline(*bob, u"alice"_s), 10000);

    alice->send(Frames::dm(u"bob"_s, u"just between us"_s));
    QVERIFY(bob->waitForFrames(u"dm"_s, 1));
    const QJsonObject received = bob->framesOfType(u"dm"_s).constFirst();
    QCOMPARE(received.value("from"_L1).toString(), u"alice"_s);
    QCOMPARE(received.value("text"_L1).toString(), u"just between us"_s);
    QVERIFY(alice->waitForFrames(u"dm"_s, 1)); // her own copy
    QCOMPARE(alice->framesOfType(u"dm"_s).constFirst().value("id"_L1).toInteger(),
        received.value("id"_L1).toInteger());

    // The answer goes back the other way, and nobody else sees either.
    bob->send(Frames::dm(u"Alice"_s, u"agreed"_s));
    QVERIFY(alice->waitForFrames(u"dm"_s, 2));
    QCOMPARE(alice->framesOfType(u"dm"_s).constLast().value("text"_L1).toString(), u"agreed"_s);
    carol->send(Frames::say(u"anyone?"_s)); // a marker: once it is here, the dms were too
    QVERIFY(carol->waitForFrames(u"message"_s, 1));
    QVERIFY(alice->waitForFrames(u"message"_s, 1));
    QCOMPARE(carol->countOfType(u"dm"_s), 0);
}

void tst_Cluster::roomsAcrossServers()
{
    const quint16 a = startNode();
    const quint16 b = startNode();
    QVERIFY(a && b);
    auto alice = join(a, u"alice"_s);
    auto bob = join(b, u"bob"_s);
    auto carol = join(b, u"carol"_s);
    QVERIFY(alice && bob && carol);
    QTRY_VERIFY_WITH_TIMEOUT(seesOnline(*alice, u"bob"_s), 10000);

    // A room made on one server can be joined on another.
    alice->send(Frames::create(u"Dev"_s, false, u"builds"_s));
    QCOMPARE(alice->waitForNext(u"room"_s).value("room"_L1).toString(), u"Dev"_s);
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            bob->send(Frames::join(u"dev"_s));
            const QJsonObject answer = bob->waitForNext(u"room"_s, 500);
            return answer.value("room"_L1).toString() == u"Dev"_s;
        }(),
        10000);
    QCOMPARE(bob->framesOfType(u"room"_s).constLast().value("topic"_L1).toString(), u"builds"_s);
    // Its members on the other server are listed (as soon as that server has said where its
    // people are).
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            bob->send(Frames::join(u"dev"_s));
            return bob->waitForNext(u"room"_s, 500)
                .value("members"_L1)
                .toVariant()
                .toStringList()
                .contains(u"alice"_s);
        }(),
        10000);
    // ... and whoever is in it on the first server hears of it.
    QTRY_VERIFY_WITH_TIMEOUT(
        received(*alice, u"joined"_s, {{u"name"_s, u"bob"_s}, {u"room"_s, u"Dev"_s}}), 10000);

    // Its messages reach its people on every server, and nobody else.
    alice->send(Frames::sayIn(u"dev"_s, u"green again"_s));
    QVERIFY(bob->waitForFrames(u"message"_s, 1));
    QCOMPARE(bob->framesOfType(u"message"_s).constFirst().value("room"_L1).toString(), u"dev"_s);
    bob->send(Frames::sayIn(u"dev"_s, u"thanks"_s));
    QVERIFY(alice->waitForFrames(u"message"_s, 2));
    // A new topic is told on every server.
    alice->send(Frames::topic(u"dev"_s, u"release on Friday"_s));
    const QJsonObject topic = bob->waitForNext(u"topic"_s);
    QCOMPARE(topic.value("topic"_L1).toString(), u"release on Friday"_s);
    QCOMPARE(topic.value("by"_L1).toString(), u"alice"_s);
    carol->send(Frames::say(u"marker"_s)); // in general: once here, the room's were too
    QVERIFY(carol->waitForFrames(u"message"_s, 1));
    QVERIFY(bob->waitForFrames(u"message"_s, 3));
    QCOMPARE(carol->countOfType(u"message"_s), 1);
    QCOMPARE(carol->countOfType(u"topic"_s), 0);
}

void tst_Cluster::aRetryBeforeTheFirstIsStoredIsNotPostedTwice()
{
    const quint16 a = startNode();
    const quint16 b = startNode();
    QVERIFY(a && b);
    auto sender = join(a, u"sender"_s);
    auto watcher = join(b, u"watcher"_s);
    QVERIFY(sender && watcher);
    // The same cid three times, back to back: in a cluster a message has no id until it is
    // stored, so the retries come while the first still waits for one.
    for (int i = 0; i < 3; ++i) {
        sender->send(Frames::say(u"once"_s, u"cid-1"_s));
    }
    sender->send(Frames::say(u"marker"_s, u"cid-2"_s));
    QVERIFY(watcher->waitForFrames(u"message"_s, 2));
    QVERIFY(sender->waitForFrames(u"message"_s, 2));
    QCOMPARE(watcher->countOfType(u"message"_s), 2);
    // The sender may be sent its copy again for a retry (clients drop an id they have), but
    // there is one message.
    const QList<qint64> ids = idsOf(*sender);
    QList<qint64> distinct = QSet<qint64>(ids.cbegin(), ids.cend()).values();
    std::sort(distinct.begin(), distinct.end());
    QCOMPARE(distinct, idsOf(*watcher));
    QCOMPARE(
        watcher->framesOfType(u"message"_s).constFirst().value("text"_L1).toString(), u"once"_s);
}

void tst_Cluster::databaseConnectionsDroppedMidTraffic()
{
    const quint16 a = startNode();
    const quint16 b = startNode();
    QVERIFY(a && b);
    auto onA = join(a, u"onA"_s);
    auto onB = join(b, u"onB"_s);
    QVERIFY(onA && onB);
    onA->send(Frames::say(u"before"_s));
    QVERIFY(onB->waitForFrames(u"message"_s, 1));

    // Every server's connection to the database goes, as in a restart of PostgreSQL.
    const QString database = QUrl(m_database).path().mid(1);
    QVERIFY2(
        m_postgres.exec(u"postgres"_s,
            {u"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%1'"_s.arg(
                database)}),
        qPrintable(m_postgres.error()));
    onA->send(Frames::say(u"after, from A"_s));
    onB->send(Frames::say(u"after, from B"_s));
    for (TestClient *client : {onA.get(), onB.get()}) {
        QVERIFY(client->waitForFrames(u"message"_s, 3, 30000));
        const QList<qint64> ids = idsOf(*client);
        QVERIFY(strictlyIncreasing(ids));
        QCOMPARE(ids.constLast() - ids.constFirst(), qint64(2));
    }
}

void tst_Cluster::anAccountOnTwoServersIsOnePerson()
{
    const quint16 a = startNode();
    const quint16 b = startNode();
    QVERIFY(a && b);
    auto laptop = join(a, u"alice"_s);
    QVERIFY(laptop);
    laptop->send(Frames::registerRequest(u"alice-password"_s));
    QVERIFY(laptop->waitForFrames(u"registered"_s, 1));
    auto carol = join(a, u"carol"_s);
    auto bob = join(b, u"bob"_s);
    QVERIFY(carol && bob);
    QTRY_VERIFY_WITH_TIMEOUT(seesOnline(*bob, u"carol"_s), 10000);

    // Her phone signs in on the other server: the name is hers there too.
    auto phone = std::make_unique<TestClient>();
    QVERIFY(phone->connectTo(b));
    phone->send(Frames::helloWithPassword(u"alice"_s, u"alice-password"_s));
    QVERIFY(phone->waitForFrames(u"welcome"_s, 1));
    bob->send(Frames::usersRequest());
    const QJsonObject users = bob->waitForNext(u"users"_s);
    QCOMPARE(users.value("users"_L1).toVariant().toStringList(),
        (QStringList{u"alice"_s, u"bob"_s, u"carol"_s}));
    QCOMPARE(users.value("user_count"_L1).toInt(), 3);

    // A room she joins on one device she is in on the other too.
    laptop->send(Frames::create(u"plans"_s, false));
    QTRY_VERIFY_WITH_TIMEOUT(received(*phone, u"room"_s, {{u"room"_s, u"plans"_s}}), 10000);
    laptop->send(Frames::sayIn(u"plans"_s, u"note to self"_s));
    QVERIFY(phone->waitForFrames(u"message"_s, 1));

    // The laptop goes: she is still online, and nobody is told she left.
    laptop->socket().disconnectFromHost();
    QVERIFY(laptop->waitForDisconnected());
    phone->send(Frames::say(u"still here"_s));
    QVERIFY(bob->waitForFrames(u"message"_s, 1));
    // Carol leaves the first server after her: once bob hears that, he has heard the first
    // server's list without the laptop too (each list is whole, and they come in order).
    carol->socket().disconnectFromHost();
    QTRY_VERIFY_WITH_TIMEOUT(!bob->framesOfType(u"left"_s).isEmpty(), 10000);
    for (const QJsonObject &left : bob->framesOfType(u"left"_s)) {
        QCOMPARE(left.value("name"_L1).toString(), u"carol"_s);
    }
    QVERIFY(seesOnline(*bob, u"alice"_s));
}

void tst_Cluster::roomsMadeWhileRedisIsAwayReachTheOthers()
{
    const quint16 a = startNode();
    const quint16 b = startNode();
    QVERIFY(a && b);
    auto alice = join(a, u"alice"_s);
    auto bob = join(b, u"bob"_s);
    QVERIFY(alice && bob);
    m_redis.kill();
    alice->send(Frames::create(u"offline"_s, false, u"made without Redis"_s));
    QCOMPARE(alice->waitForNext(u"room"_s).value("room"_L1).toString(), u"offline"_s);
    QVERIFY2(m_redis.start(), qPrintable(m_redis.error()));
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            bob->send(Frames::join(u"offline"_s));
            return bob->waitForNext(u"room"_s, 500).value("topic"_L1).toString()
                == u"made without Redis"_s;
        }(),
        15000);
}

void tst_Cluster::aPrivateRoomIsNotTakenOverFromAnotherServer()
{
    const quint16 a = startNode();
    const quint16 b = startNode();
    QVERIFY(a && b);
    auto alice = join(a, u"alice"_s);
    auto mallory = join(b, u"mallory"_s);
    QVERIFY(alice && mallory);
    // With Redis away, the second server cannot know of the first one's new private room.
    m_redis.kill();
    alice->send(Frames::create(u"secret"_s, true));
    QCOMPARE(alice->waitForNext(u"room"_s).value("room"_L1).toString(), u"secret"_s);
    // Joining a room it does not know makes nothing in a cluster ...
    mallory->send(Frames::join(u"secret"_s));
    QCOMPARE(mallory->waitForNext(u"error"_s).value("code"_L1).toString(), u"no_such_room"_s);
    // ... and making one of that name finds it is someone else's, and is out of it again.
    mallory->send(Frames::create(u"secret"_s, false));
    QTRY_VERIFY_WITH_TIMEOUT(received(*mallory, u"left"_s, {{u"room"_s, u"secret"_s}}), 10000);

    alice->send(Frames::sayIn(u"secret"_s, u"for my eyes"_s));
    alice->send(Frames::say(u"done"_s)); // in general, after it
    QTRY_VERIFY_WITH_TIMEOUT(received(*mallory, u"message"_s, {{u"text"_s, u"done"_s}}), 15000);
    for (const QJsonObject &message : mallory->framesOfType(u"message"_s)) {
        QVERIFY(message.value("text"_L1).toString() != u"for my eyes"_s);
    }
    mallory->send(Frames::join(u"secret"_s));
    QCOMPARE(mallory->waitForNext(u"error"_s).value("code"_L1).toString(), u"not_invited"_s);
}

QTEST_GUILESS_MAIN(tst_Cluster)
#include "tst_cluster.moc"

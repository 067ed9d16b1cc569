#include "chatserver.h"
#include "frames.h"
#include "testclient.h"
#include "testserver.h"
#include "textclient.h"

#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

// Rooms through a real server on loopback with its history in a real SQLite file: a client
// that never mentions rooms is in general as before; a message in a room reaches its members
// and nobody else; joining, parting and the rooms list; history per room; an account's rooms
// across a restart, on each of its connections, and in what a resume replays. Joins and
// departures in a room past --presence-batch, told in presence frames.
class tst_Rooms : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void clientsThatNeverMentionRoomsAreInGeneral();
    void messagesReachOnlyTheRoom();
    void refusals();
    void partStopsDelivery();
    void roomsList();
    void historyPerRoom();
    void accountRoomsSurviveARestart();
    void resumeReplaysEveryRoom();
    void everyConnectionOfAnAccountIsInTheRoom();
    void privateRoomsNeedAnInvitation();
    void invitationsToAccountsSurviveARestart();
    void topics();
    void plainTextRooms();
    void unreadCountsFollowReadMarkers();
    void historyOfAConversation();
    void roomsPerPersonAreBounded();
    void retriedSayInARoomIsAnsweredOnce();
    void aRegisteringGuestKeepsItsRooms();
    void askingAboutARoomIsARead();
    void bigRoomsTellWhoCameAndWentTogether();
    void bigRoomsAreToldOnATimer();

private:
    ChatServer *startServer();
    std::unique_ptr<TestClient> hello(const QJsonObject &frame);
    std::unique_ptr<TestClient> guest(const QString &name) { return hello(Frames::hello(name)); }
    // Signs in to the account, registering it first if it is not one yet.
    std::unique_ptr<TestClient> account(const QString &name, qint64 since = -1);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ChatServer> m_server;
};

namespace {

QString code(const TestClient &client)
{
    return client.lastOfType(u"error"_s).value("code"_L1).toString();
}

// The texts of the messages a client got, with their rooms: "room: text".
QStringList said(const TestClient &client)
{
    QStringList lines;
    for (const QJsonObject &message : client.framesOfType(u"message"_s)) {
        lines.append(
            message.value("room"_L1).toString() + u": "_s + message.value("text"_L1).toString());
    }
    return lines;
}

QStringList roomNames(const QJsonArray &rooms)
{
    QStringList names;
    for (const QJsonValue &room : rooms) {
        names.append(room.toObject().value("room"_L1).toString());
    }
    return names;
}

} // namespace

void tst_Rooms::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void tst_Rooms::cleanup()
{
    m_server.reset();
}

void tst_Rooms::askingAboutARoomIsARead()
{
    ServerConfig config;
    config.historyBurst = 3;
    config.historyRate = 0.01; // nothing comes back during the test
    m_server = startTestServer(*m_dir, config);
    QVERIFY(m_server);
    auto alice = guest(u"alice"_s);
    QVERIFY(alice);
    // A join of a room one is in answers who is in it; it draws on the history allowance, and a
    // refusal says which room it was about.
    for (int i = 0; i < 5; ++i) {
        alice->send(Frames::join(u"general"_s));
    }
    QVERIFY(alice->waitForFrames(u"room"_s, 3));
    QVERIFY(alice->waitForFrames(u"error"_s, 2));
    for (const QJsonObject &error : alice->framesOfType(u"error"_s)) {
        QCOMPARE(error.value("code"_L1).toString(), u"rate_limited"_s);
        QCOMPARE(error.value("room"_L1).toString(), u"general"_s);
    }
    QJsonObject history = Frames::historyRequest(0);
    history.insert("with"_L1, u"bob"_s);
    alice->send(history);
    QVERIFY(alice->waitForFrames(u"error"_s, 3));
    QCOMPARE(alice->framesOfType(u"error"_s).at(2).value("with"_L1).toString(), u"bob"_s);
    // Joining a room one is not in is chat's allowance still: it goes through.
    alice->send(Frames::join(u"dev"_s));
    QVERIFY(alice->waitForFrames(u"room"_s, 4));
    QCOMPARE(alice->framesOfType(u"room"_s).at(3).value("room"_L1).toString(), u"dev"_s);
}

void tst_Rooms::bigRoomsTellWhoCameAndWentTogether()
{
    ServerConfig config;
    config.presenceBatch = 3;
    config.presenceIntervalMs = 3'600'000; // the test ends each window itself
    m_server = startTestServer(*m_dir, config);
    QVERIFY(m_server);
    const auto gone = [this](const QString &name) {
        return QTest::qWaitFor([&] { return !m_server->room().users().contains(name); });
    };
    // Up to three people: each arrival is a joined.
    auto alice = guest(u"alice"_s);
    auto bob = guest(u"bob"_s);
    auto carol = guest(u"carol"_s);
    QVERIFY(alice && bob && carol);
    QTRY_COMPARE(alice->countOfType(u"joined"_s), 2);

    // More: the arrivals wait for the next presence frame. Frank comes and goes before it.
    auto dave = guest(u"dave"_s);
    auto erin = guest(u"erin"_s);
    auto frank = guest(u"frank"_s);
    QVERIFY(dave && erin && frank);
    frank->send(Frames::quit());
    QVERIFY(gone(u"frank"_s));
    m_server->flushPresence();
    QJsonObject presence = alice->waitForNext(u"presence"_s);
    QCOMPARE(presence.value("room"_L1).toString(), u"general"_s);
    QCOMPARE(presence.value("joined"_L1).toArray(), (QJsonArray{u"dave"_s, u"erin"_s}));
    QCOMPARE(presence.value("left"_L1).toArray(), QJsonArray());
    QVERIFY(!presence.value("ts"_L1).toString().isEmpty());
    // Anything told one by one was queued before it: there was nothing.
    QCOMPARE(alice->countOfType(u"joined"_s), 2);
    QCOMPARE(alice->countOfType(u"left"_s), 0);
    // The newcomers are in the room, and hear of it too.
    QCOMPARE(dave->waitForNext(u"presence"_s).value("joined"_L1).toArray(),
        (QJsonArray{u"dave"_s, u"erin"_s}));

    // Erin goes and comes back; bob quits; carol parts, and her own connection hears of it at
    // once, in a left (it is out of the room the presence frame goes to).
    erin->send(Frames::quit());
    QVERIFY(gone(u"erin"_s));
    erin = guest(u"erin"_s);
    QVERIFY(erin);
    bob->send(Frames::quit());
    QVERIFY(gone(u"bob"_s));
    carol->send(Frames::part(u"general"_s));
    const QJsonObject parted = carol->waitForNext(u"left"_s);
    QCOMPARE(parted.value("name"_L1).toString(), u"carol"_s);
    QCOMPARE(parted.value("reason"_L1).toString(), u"part"_s);
    m_server->flushPresence();
    presence = alice->waitForNext(u"presence"_s);
    QCOMPARE(presence.value("joined"_L1).toArray(), QJsonArray());
    QCOMPARE(presence.value("left"_L1).toArray(),
        (QJsonArray{QJsonObject{{"name"_L1, u"bob"_s}, {"reason"_L1, u"quit"_s}},
            QJsonObject{{"name"_L1, u"carol"_s}, {"reason"_L1, u"part"_s}}}));
    QCOMPARE(alice->countOfType(u"left"_s), 0);

    // Three people (alice, dave, erin) are a small room again: one by one, as ever.
    dave->send(Frames::quit());
    const QJsonObject left = alice->waitForNext(u"left"_s);
    QCOMPARE(left.value("name"_L1).toString(), u"dave"_s);
    QCOMPARE(left.value("reason"_L1).toString(), u"quit"_s);
    auto grace = guest(u"grace"_s);
    QVERIFY(grace);
    QVERIFY(alice->waitForFrames(u"joined"_s, 3)); // bob, carol and grace
    QCOMPARE(alice->lastOfType(u"joined"_s).value("name"_L1).toString(), u"grace"_s);
    QCOMPARE(alice->countOfType(u"presence"_s), 2);
}

void tst_Rooms::bigRoomsAreToldOnATimer()
{
    ServerConfig config;
    config.presenceBatch = 1;
    m_server = startTestServer(*m_dir, config);
    QVERIFY(m_server);
    auto alice = guest(u"alice"_s);
    QVERIFY(alice);
    TextClient person;
    QVERIFY(person.connectTo(m_server->serverPort()));
    person.type(u"carol"_s);
    QVERIFY(!person.waitForLine(u"Welcome, carol"_s).isEmpty());
    // No flush by hand: the server's timer sends what waited within a quarter of a second.
    QCOMPARE(
        alice->waitForNext(u"presence"_s).value("joined"_L1).toArray(), QJsonArray{u"carol"_s});
    auto bob = guest(u"bob"_s);
    QVERIFY(bob);
    QVERIFY(!person.waitForLine(u"* bob joined #general"_s).isEmpty());
    bob->send(Frames::quit());
    QVERIFY(!person.waitForLine(u"* bob left #general (quit)"_s).isEmpty());
    QCOMPARE(alice->countOfType(u"joined"_s), 0);
    QCOMPARE(alice->countOfType(u"left"_s), 0);
}

ChatServer *tst_Rooms::startServer()
{
    m_server.reset();
    m_server = startTestServer(*m_dir, {});
    return m_server.get();
}

std::unique_ptr<TestClient> tst_Rooms::hello(const QJsonObject &frame)
{
    auto client = std::make_unique<TestClient>();
    if (!client->connectTo(m_server->serverPort())) {
        return nullptr;
    }
    client->send(frame);
    if (!QTest::qWaitFor([&] {
            return client->countOfType(u"welcome"_s) + client->countOfType(u"error"_s) > 0;
        })) {
        return nullptr;
    }
    return client->countOfType(u"welcome"_s) == 1 ? std::move(client) : nullptr;
}

std::unique_ptr<TestClient> tst_Rooms::account(const QString &name, qint64 since)
{
    const QString password = name + u" password"_s;
    if (auto client = hello(Frames::helloWithPassword(name, password, since))) {
        return client;
    }
    auto client = guest(name);
    if (!client) {
        return nullptr;
    }
    client->send(Frames::registerRequest(password));
    return client->waitForFrames(u"registered"_s, 1) ? std::move(client) : nullptr;
}

void tst_Rooms::clientsThatNeverMentionRoomsAreInGeneral()
{
    QVERIFY(startServer());
    auto alice = guest(u"alice"_s);
    auto bob = guest(u"bob"_s);
    QVERIFY(alice && bob);
    QCOMPARE(roomNames(alice->lastOfType(u"welcome"_s).value("rooms"_L1).toArray()),
        QStringList{u"general"_s});
    alice->send(Frames::say(u"as ever"_s));
    QVERIFY(bob->waitForFrames(u"message"_s, 1));
    QCOMPARE(said(*bob), QStringList{u"general: as ever"_s});
    QCOMPARE(alice->lastOfType(u"joined"_s).value("room"_L1).toString(), u"general"_s);
}

void tst_Rooms::messagesReachOnlyTheRoom()
{
    QVERIFY(startServer());
    auto alice = guest(u"alice"_s);
    auto bob = guest(u"bob"_s);
    auto carol = guest(u"carol"_s);
    QVERIFY(alice && bob && carol);
    alice->send(Frames::join(u"dev"_s));
    const QJsonObject room = alice->waitForNext(u"room"_s);
    QCOMPARE(room.value("room"_L1).toString(), u"dev"_s);
    QCOMPARE(room.value("members"_L1).toArray(), QJsonArray{u"alice"_s});
    carol->send(Frames::join(u"DEV"_s)); // names compare ignoring case
    QCOMPARE(carol->waitForNext(u"room"_s).value("members"_L1).toArray(),
        (QJsonArray{u"alice"_s, u"carol"_s}));
    // Alice hears of carol in dev (after bob and carol arrived in general).
    QTRY_VERIFY(alice->lastOfType(u"joined"_s).value("room"_L1).toString() == "dev"_L1);
    QCOMPARE(alice->lastOfType(u"joined"_s).value("name"_L1).toString(), u"carol"_s);
    QTRY_COMPARE(bob->framesOfType(u"joined"_s).size(), 1); // carol in general, not in dev

    alice->send(Frames::sayIn(u"dev"_s, u"for dev only"_s));
    alice->send(Frames::say(u"for everyone"_s));
    QVERIFY(carol->waitForFrames(u"message"_s, 2));
    QVERIFY(bob->waitForFrames(u"message"_s, 1));
    bob->send(Frames::ping());
    QVERIFY(bob->waitForFrames(u"pong"_s, 1));
    QCOMPARE(said(*carol), (QStringList{u"dev: for dev only"_s, u"general: for everyone"_s}));
    QCOMPARE(said(*bob), QStringList{u"general: for everyone"_s});
    for (const QJsonObject &frame : bob->frames()) {
        QVERIFY2(frame.value("room"_L1).toString() != "dev"_L1,
            qPrintable(frame.value("type"_L1).toString()));
    }
}

void tst_Rooms::refusals()
{
    QVERIFY(startServer());
    auto alice = guest(u"alice"_s);
    QVERIFY(alice);
    int errors = 0;
    const auto refused = [&](const QJsonObject &frame, const QString &expected) {
        alice->send(frame);
        return alice->waitForFrames(u"error"_s, ++errors) && code(*alice) == expected;
    };
    QVERIFY(refused(Frames::join(u"no spaces"_s), u"bad_room"_s));
    QVERIFY(refused(Frames::join(QString(33, u'x')), u"bad_room"_s));
    QVERIFY(refused(Frames::join(u"café"_s), u"bad_room"_s));
    QVERIFY(refused(Frames::join(u"\u212Aitchen"_s), u"bad_room"_s)); // a Kelvin sign is no k
    QVERIFY(refused(Frames::sayIn(u"nowhere"_s, u"hello?"_s, u"c1"_s), u"no_such_room"_s));
    QCOMPARE(alice->lastOfType(u"error"_s).value("cid"_L1).toString(), u"c1"_s);
    QVERIFY(refused(Frames::part(u"nowhere"_s), u"no_such_room"_s));
    auto bob = guest(u"bob"_s);
    QVERIFY(bob);
    bob->send(Frames::join(u"dev"_s));
    QVERIFY(bob->waitForFrames(u"room"_s, 1));
    QVERIFY(refused(Frames::sayIn(u"dev"_s, u"let me in"_s), u"not_member"_s));
    QVERIFY(refused(Frames::part(u"dev"_s), u"not_member"_s));
    QJsonObject history = Frames::historyRequest(0);
    history.insert("room"_L1, u"dev"_s);
    QVERIFY(refused(history, u"not_member"_s));
    QCOMPARE(bob->countOfType(u"message"_s), 0);
}

void tst_Rooms::partStopsDelivery()
{
    QVERIFY(startServer());
    auto alice = guest(u"alice"_s);
    auto carol = guest(u"carol"_s);
    QVERIFY(alice && carol);
    for (TestClient *client : {alice.get(), carol.get()}) {
        client->send(Frames::join(u"dev"_s));
        QVERIFY(client->waitForFrames(u"room"_s, 1));
    }
    alice->send(Frames::part(u"dev"_s));
    const QJsonObject left = carol->waitForNext(u"left"_s);
    QCOMPARE(left.value("room"_L1).toString(), u"dev"_s);
    QCOMPARE(left.value("reason"_L1).toString(), u"part"_s);
    QCOMPARE(alice->waitForNext(u"left"_s).value("name"_L1).toString(), u"alice"_s);
    carol->send(Frames::sayIn(u"dev"_s, u"still here?"_s));
    carol->send(Frames::say(u"in general"_s));
    QVERIFY(alice->waitForFrames(u"message"_s, 1));
    QVERIFY(carol->waitForFrames(u"message"_s, 2));
    QCOMPARE(said(*alice), QStringList{u"general: in general"_s});
}

void tst_Rooms::roomsList()
{
    QVERIFY(startServer());
    auto alice = guest(u"alice"_s);
    auto bob = guest(u"bob"_s);
    QVERIFY(alice && bob);
    alice->send(Frames::join(u"dev"_s));
    QVERIFY(alice->waitForFrames(u"room"_s, 1));
    bob->send(Frames::roomsRequest());
    const QJsonArray rooms = bob->waitForNext(u"rooms"_s).value("rooms"_L1).toArray();
    QCOMPARE(roomNames(rooms), (QStringList{u"dev"_s, u"general"_s}));
    for (const QJsonValue &value : rooms) {
        const QJsonObject room = value.toObject();
        const bool general = room.value("room"_L1).toString() == "general"_L1;
        QCOMPARE(room.value("joined"_L1).toBool(), general);
        QCOMPARE(room.value("members"_L1).toInt(), general ? 2 : 1);
        QCOMPARE(room.value("private"_L1).toBool(), false);
    }
}

void tst_Rooms::historyPerRoom()
{
    QVERIFY(startServer());
    auto alice = guest(u"alice"_s);
    auto bob = guest(u"bob"_s);
    QVERIFY(alice && bob);
    alice->send(Frames::join(u"dev"_s));
    QVERIFY(alice->waitForFrames(u"room"_s, 1));
    alice->send(Frames::sayIn(u"dev"_s, u"in dev"_s));
    alice->send(Frames::say(u"in general"_s));
    alice->send(Frames::dm(u"bob"_s, u"private"_s));
    QVERIFY(alice->waitForFrames(u"dm"_s, 1));
    QJsonObject request = Frames::historyRequest(0);
    request.insert("room"_L1, u"dev"_s);
    alice->send(request);
    alice->send(Frames::historyRequest(0)); // as before rooms: general and private messages
    QVERIFY(alice->waitForFrames(u"history"_s, 2));
    const auto texts = [](const QJsonObject &history) {
        QStringList list;
        for (const QJsonValue &message : history.value("messages"_L1).toArray()) {
            list.append(message.toObject().value("text"_L1).toString());
        }
        return list;
    };
    QCOMPARE(texts(alice->framesOfType(u"history"_s).at(0)), QStringList{u"in dev"_s});
    QCOMPARE(texts(alice->framesOfType(u"history"_s).at(1)),
        (QStringList{u"in general"_s, u"private"_s}));
    // Each answer names what was asked, so a client with both out can tell them apart.
    QCOMPARE(alice->framesOfType(u"history"_s).at(0).value("room"_L1).toString(), u"dev"_s);
    QVERIFY(!alice->framesOfType(u"history"_s).at(1).contains("room"_L1));
    QJsonObject notIn = Frames::historyRequest(0);
    notIn.insert("room"_L1, u"dev"_s);
    bob->send(notIn);
    const QJsonObject refused = bob->waitForNext(u"error"_s);
    QCOMPARE(refused.value("code"_L1).toString(), u"not_member"_s);
    QCOMPARE(refused.value("room"_L1).toString(), u"dev"_s);
}

void tst_Rooms::accountRoomsSurviveARestart()
{
    QVERIFY(startServer());
    {
        auto alice = account(u"alice"_s);
        QVERIFY(alice);
        alice->send(Frames::join(u"dev"_s));
        QVERIFY(alice->waitForFrames(u"room"_s, 1));
        alice->send(Frames::join(u"ops"_s));
        QVERIFY(alice->waitForFrames(u"room"_s, 2));
        alice->send(Frames::part(u"general"_s));
        QVERIFY(alice->waitForFrames(u"left"_s, 1));
    }
    QVERIFY(startServer());
    auto alice = account(u"alice"_s);
    QVERIFY(alice);
    QStringList rooms = roomNames(alice->lastOfType(u"welcome"_s).value("rooms"_L1).toArray());
    rooms.sort();
    QCOMPARE(rooms, (QStringList{u"dev"_s, u"ops"_s}));
    auto bob = guest(u"bob"_s);
    QVERIFY(bob);
    bob->send(Frames::join(u"dev"_s));
    bob->send(Frames::sayIn(u"dev"_s, u"hello dev"_s));
    bob->send(Frames::say(u"hello general"_s));
    QVERIFY(alice->waitForFrames(u"message"_s, 1));
    QVERIFY(bob->waitForFrames(u"message"_s, 2));
    QCOMPARE(said(*alice), QStringList{u"dev: hello dev"_s});
}

void tst_Rooms::resumeReplaysEveryRoom()
{
    QVERIFY(startServer());
    qint64 seen = 0;
    {
        auto alice = account(u"alice"_s);
        QVERIFY(alice);
        alice->send(Frames::join(u"dev"_s));
        QVERIFY(alice->waitForFrames(u"room"_s, 1));
        seen = alice->lastOfType(u"room"_s).value("last_id"_L1).toInteger();
        alice->send(Frames::quit());
        QVERIFY(alice->waitForDisconnected());
    }
    auto bob = guest(u"bob"_s);
    QVERIFY(bob);
    bob->send(Frames::join(u"dev"_s));
    bob->send(Frames::join(u"ops"_s));
    bob->send(Frames::sayIn(u"dev"_s, u"missed in dev"_s));
    bob->send(Frames::sayIn(u"ops"_s, u"not hers"_s));
    bob->send(Frames::say(u"missed in general"_s));
    bob->send(Frames::dm(u"alice"_s, u"missed privately"_s));
    QVERIFY(bob->waitForFrames(u"dm"_s, 1));
    auto back = account(u"alice"_s, seen);
    QVERIFY(back);
    QCOMPARE(back->lastOfType(u"welcome"_s).value("replayed"_L1).toInt(), 3);
    QVERIFY(back->waitForFrames(u"dm"_s, 1));
    QCOMPARE(said(*back), (QStringList{u"dev: missed in dev"_s, u"general: missed in general"_s}));
}

void tst_Rooms::everyConnectionOfAnAccountIsInTheRoom()
{
    QVERIFY(startServer());
    auto desktop = account(u"alice"_s);
    auto laptop = account(u"alice"_s);
    auto bob = guest(u"bob"_s);
    QVERIFY(desktop && laptop && bob);
    desktop->send(Frames::join(u"dev"_s));
    QVERIFY(desktop->waitForFrames(u"room"_s, 1));
    QVERIFY(laptop->waitForFrames(u"joined"_s, 1)); // it hears that alice joined dev
    bob->send(Frames::join(u"dev"_s));
    bob->send(Frames::sayIn(u"dev"_s, u"to both"_s));
    QVERIFY(laptop->waitForFrames(u"message"_s, 1));
    QVERIFY(desktop->waitForFrames(u"message"_s, 1));
    laptop->send(Frames::sayIn(u"dev"_s, u"from the laptop"_s));
    QVERIFY(bob->waitForFrames(u"message"_s, 2));
}

void tst_Rooms::privateRoomsNeedAnInvitation()
{
    QVERIFY(startServer());
    auto alice = guest(u"alice"_s);
    auto bob = guest(u"bob"_s);
    auto mallory = guest(u"mallory"_s);
    QVERIFY(alice && bob && mallory);
    alice->send(Frames::create(u"secret"_s, true, u"just us"_s));
    const QJsonObject room = alice->waitForNext(u"room"_s);
    QCOMPARE(room.value("private"_L1).toBool(), true);
    QCOMPARE(room.value("topic"_L1).toString(), u"just us"_s);
    alice->send(Frames::create(u"SECRET"_s, false));
    QVERIFY(alice->waitForFrames(u"error"_s, 1));
    QCOMPARE(code(*alice), u"room_exists"_s);

    // Invisible and closed to those not invited.
    mallory->send(Frames::roomsRequest());
    QCOMPARE(roomNames(mallory->waitForNext(u"rooms"_s).value("rooms"_L1).toArray()),
        QStringList{u"general"_s});
    mallory->send(Frames::join(u"secret"_s));
    QVERIFY(mallory->waitForFrames(u"error"_s, 1));
    QCOMPARE(code(*mallory), u"not_invited"_s);
    // To an outsider a private room is no room at all, whatever it asks.
    mallory->send(Frames::invite(u"secret"_s, u"mallory"_s));
    QVERIFY(mallory->waitForFrames(u"error"_s, 2));
    QCOMPARE(code(*mallory), u"no_such_room"_s);
    QJsonObject peek = Frames::historyRequest(0);
    peek.insert("room"_L1, u"secret"_s);
    mallory->send(peek);
    QVERIFY(mallory->waitForFrames(u"error"_s, 3));
    QCOMPARE(code(*mallory), u"no_such_room"_s);

    alice->send(Frames::invite(u"secret"_s, u"bob"_s));
    const QJsonObject invited = bob->waitForNext(u"invited"_s);
    QCOMPARE(invited.value("room"_L1).toString(), u"secret"_s);
    QCOMPARE(invited.value("by"_L1).toString(), u"alice"_s);
    bob->send(Frames::join(u"secret"_s));
    QCOMPARE(bob->waitForNext(u"room"_s).value("members"_L1).toArray(),
        (QJsonArray{u"alice"_s, u"bob"_s}));
    bob->send(Frames::roomsRequest());
    QCOMPARE(roomNames(bob->waitForNext(u"rooms"_s).value("rooms"_L1).toArray()),
        (QStringList{u"general"_s, u"secret"_s}));
    alice->send(Frames::sayIn(u"secret"_s, u"between us"_s));
    QVERIFY(bob->waitForFrames(u"message"_s, 1));
    mallory->send(Frames::ping());
    QVERIFY(mallory->waitForFrames(u"pong"_s, 1));
    QCOMPARE(mallory->countOfType(u"message"_s), 0);
    alice->send(Frames::invite(u"secret"_s, u"nobody"_s));
    QVERIFY(alice->waitForFrames(u"error"_s, 2));
    QCOMPARE(code(*alice), u"no_such_user"_s);
}

void tst_Rooms::invitationsToAccountsSurviveARestart()
{
    QVERIFY(startServer());
    QVERIFY(account(u"bob"_s));
    QTRY_COMPARE(m_server->room().userCount(), 0);
    {
        auto alice = guest(u"alice"_s);
        QVERIFY(alice);
        alice->send(Frames::create(u"secret"_s, true));
        QVERIFY(alice->waitForFrames(u"room"_s, 1));
        alice->send(Frames::invite(u"secret"_s, u"bob"_s)); // bob is offline: an account
        alice->send(Frames::ping());
        QVERIFY(alice->waitForFrames(u"pong"_s, 1));
        QCOMPARE(alice->countOfType(u"error"_s), 0);
    }
    QVERIFY(startServer());
    auto bob = account(u"bob"_s);
    QVERIFY(bob);
    bob->send(Frames::join(u"secret"_s));
    QVERIFY(bob->waitForFrames(u"room"_s, 1));
    QCOMPARE(bob->countOfType(u"error"_s), 0);
}

void tst_Rooms::topics()
{
    QVERIFY(startServer());
    auto alice = guest(u"alice"_s);
    auto bob = guest(u"bob"_s);
    QVERIFY(alice && bob);
    bob->send(Frames::topic(u"general"_s, u"Monday standup at 10"_s));
    const QJsonObject topic = alice->waitForNext(u"topic"_s);
    QCOMPARE(topic.value("room"_L1).toString(), u"general"_s);
    QCOMPARE(topic.value("topic"_L1).toString(), u"Monday standup at 10"_s);
    QCOMPARE(topic.value("by"_L1).toString(), u"bob"_s);
    alice->send(Frames::roomsRequest());
    const QJsonArray rooms = alice->waitForNext(u"rooms"_s).value("rooms"_L1).toArray();
    QCOMPARE(rooms.at(0).toObject().value("topic"_L1).toString(), u"Monday standup at 10"_s);

    // In a private room only the owner sets it.
    alice->send(Frames::create(u"ops"_s, true));
    QVERIFY(alice->waitForFrames(u"room"_s, 1));
    alice->send(Frames::invite(u"ops"_s, u"bob"_s));
    QVERIFY(bob->waitForFrames(u"invited"_s, 1));
    bob->send(Frames::join(u"ops"_s));
    QVERIFY(bob->waitForFrames(u"room"_s, 1));
    bob->send(Frames::topic(u"ops"_s, u"mine now"_s));
    QVERIFY(bob->waitForFrames(u"error"_s, 1));
    QCOMPARE(code(*bob), u"not_owner"_s);
    bob->send(Frames::topic(u"general"_s, QString(Protocol::MaxTopicLength + 1, u'x')));
    QVERIFY(bob->waitForFrames(u"error"_s, 2));
    QCOMPARE(code(*bob), u"text_too_long"_s);
    bob->send(Frames::topic(u"general"_s, u"\u001b[31mred"_s));
    QVERIFY(bob->waitForFrames(u"error"_s, 3));
    QCOMPARE(code(*bob), u"bad_text"_s);
    alice->send(Frames::topic(u"ops"_s, u"on call"_s));
    QCOMPARE(bob->waitForNext(u"topic"_s).value("topic"_L1).toString(), u"Monday standup at 10"_s);
    QCOMPARE(bob->waitForNext(u"topic"_s).value("topic"_L1).toString(), u"on call"_s);
}

void tst_Rooms::plainTextRooms()
{
    QVERIFY(startServer());
    auto alice = guest(u"alice"_s);
    QVERIFY(alice);
    alice->send(Frames::join(u"dev"_s));
    QVERIFY(alice->waitForFrames(u"room"_s, 1));
    TextClient person;
    QVERIFY(person.connectTo(m_server->serverPort()));
    person.type(u"carol"_s);
    QVERIFY(!person.waitForLine(u"Welcome, carol"_s).isEmpty());
    person.type(u"/join Bad Name"_s); // plain text is held to the same rules
    QVERIFY(!person.waitForLine(u"! a room name has"_s).isEmpty());
    person.type(u"/rooms"_s);
    QVERIFY(!person.waitForLine(u"* Rooms: #dev (1), #general (2)"_s).isEmpty());
    person.type(u"/join dev"_s);
    QVERIFY(!person.waitForLine(u"You are in #dev now"_s).isEmpty());
    person.type(u"typed in dev"_s);
    QVERIFY(alice->waitForFrames(u"message"_s, 1));
    QCOMPARE(said(*alice), QStringList{u"dev: typed in dev"_s});
    // What happens in another room is marked with its name; the current one is not.
    alice->send(Frames::say(u"over in general"_s));
    QVERIFY(!person.waitForLine(u"#general alice: over in general"_s).isEmpty());
    alice->send(Frames::sayIn(u"dev"_s, u"here in dev"_s));
    const QString here = person.waitForLine(u"here in dev"_s);
    QVERIFY2(here.contains(u"] alice: here in dev"_s), qPrintable(here));
    person.type(u"/topic builds and releases"_s);
    QCOMPARE(alice->waitForNext(u"topic"_s).value("topic"_L1).toString(), u"builds and releases"_s);
    person.type(u"/part"_s);
    QVERIFY(!person.waitForLine(u"#dev carol left (part)"_s).isEmpty());
    person.type(u"back in general"_s);
    QVERIFY(alice->waitForFrames(u"message"_s, 4));
    QCOMPARE(said(*alice).last(), u"general: back in general"_s);
}

void tst_Rooms::unreadCountsFollowReadMarkers()
{
    QVERIFY(startServer());
    const auto unreadIn = [](const TestClient &client, const QString &room) {
        for (const QJsonValue &value :
            client.lastOfType(u"welcome"_s).value("rooms"_L1).toArray()) {
            if (value.toObject().value("room"_L1).toString() == room) {
                return value.toObject().value("unread"_L1).toInt(-1);
            }
        }
        return -2;
    };
    qint64 lastSeen = 0;
    {
        auto alice = account(u"alice"_s);
        QVERIFY(alice);
        alice->send(Frames::join(u"dev"_s));
        const QJsonObject room = alice->waitForNext(u"room"_s);
        QCOMPARE(room.value("unread"_L1).toInt(-1), 0); // what came before she joined is history
        alice->send(Frames::sayIn(u"dev"_s, u"her own"_s));
        QVERIFY(alice->waitForFrames(u"message"_s, 1));
        lastSeen = alice->lastOfType(u"message"_s).value("id"_L1).toInteger();
        alice->send(Frames::quit());
        QVERIFY(alice->waitForDisconnected());
    }
    auto bob = guest(u"bob"_s);
    QVERIFY(bob);
    bob->send(Frames::join(u"dev"_s));
    for (int i = 0; i < 3; ++i) {
        bob->send(Frames::sayIn(u"dev"_s, u"dev %1"_s.arg(i)));
    }
    bob->send(Frames::say(u"general news"_s));
    QVERIFY(bob->waitForFrames(u"message"_s, 4));
    const qint64 newest = bob->lastOfType(u"message"_s).value("id"_L1).toInteger();

    // Two devices, and a restart in between: the markers are the server's.
    QVERIFY(startServer());
    auto desktop = account(u"alice"_s);
    QVERIFY(desktop);
    QCOMPARE(unreadIn(*desktop, u"dev"_s), 3); // her own message is read
    QCOMPARE(unreadIn(*desktop, u"general"_s), 1);
    desktop->send(Frames::read(u"dev"_s, lastSeen + 2)); // read two of bob's three
    desktop->send(Frames::read(u"general"_s, newest));
    desktop->send(Frames::read(u"dev"_s, lastSeen)); // an older marker does not move it back
    auto nowhere = Frames::read(u"nowhere"_s, 1);
    desktop->send(nowhere);
    QVERIFY(desktop->waitForFrames(u"error"_s, 1));
    QCOMPARE(code(*desktop), u"no_such_room"_s);
    auto laptop = account(u"alice"_s);
    QVERIFY(laptop);
    QCOMPARE(unreadIn(*laptop, u"dev"_s), 1);
    QCOMPARE(unreadIn(*laptop, u"general"_s), 0);
}

void tst_Rooms::historyOfAConversation()
{
    QVERIFY(startServer());
    QVERIFY(account(u"dave"_s)); // an account, offline from here on
    auto alice = guest(u"alice"_s);
    auto bob = guest(u"bob"_s);
    auto carol = guest(u"carol"_s);
    QVERIFY(alice && bob && carol);
    alice->send(Frames::dm(u"bob"_s, u"alice to bob"_s));
    bob->send(Frames::dm(u"alice"_s, u"bob to alice"_s));
    carol->send(Frames::dm(u"alice"_s, u"carol to alice"_s));
    alice->send(Frames::dm(u"dave"_s, u"alice to dave, offline"_s));
    alice->send(Frames::say(u"in general"_s));
    QVERIFY(alice->waitForFrames(u"dm"_s, 4));
    QVERIFY(alice->waitForFrames(u"message"_s, 1));
    const auto page = [&alice](const QString &with) {
        QJsonObject request = Frames::historyRequest(0);
        request.insert("with"_L1, with);
        alice->send(request);
        const QJsonObject history = alice->waitForNext(u"history"_s);
        if (history.value("with"_L1).toString() != with) {
            return QStringList{u"answer names %1"_s.arg(history.value("with"_L1).toString())};
        }
        QStringList texts;
        for (const QJsonValue &message : history.value("messages"_L1).toArray()) {
            texts.append(message.toObject().value("text"_L1).toString());
        }
        return texts;
    };
    QStringList withBob = page(u"BOB"_s); // the two were sent at once, in either order
    withBob.sort();
    QCOMPARE(withBob, (QStringList{u"alice to bob"_s, u"bob to alice"_s}));
    QCOMPARE(page(u"carol"_s), QStringList{u"carol to alice"_s});
    QCOMPARE(page(u"dave"_s), QStringList{u"alice to dave, offline"_s});
    QJsonObject unknown = Frames::historyRequest(0);
    unknown.insert("with"_L1, u"nobody"_s);
    alice->send(unknown);
    QVERIFY(alice->waitForFrames(u"error"_s, 1));
    QCOMPARE(code(*alice), u"no_such_user"_s);
    QCOMPARE(alice->lastOfType(u"error"_s).value("with"_L1).toString(), u"nobody"_s);
}

void tst_Rooms::roomsPerPersonAreBounded()
{
    QVERIFY(startServer());
    auto alice = guest(u"alice"_s);
    QVERIFY(alice);
    for (int i = 1; i < Protocol::MaxRoomsPerPerson; ++i) { // general is the first
        alice->send(Frames::join(u"room-%1"_s.arg(i)));
    }
    QVERIFY(alice->waitForFrames(u"room"_s, Protocol::MaxRoomsPerPerson - 1));
    alice->send(Frames::join(u"one-too-many"_s));
    QVERIFY(alice->waitForFrames(u"error"_s, 1));
    QCOMPARE(code(*alice), u"too_many_rooms"_s);
    alice->send(Frames::create(u"another"_s, true));
    QVERIFY(alice->waitForFrames(u"error"_s, 2));
    QCOMPARE(code(*alice), u"too_many_rooms"_s);
    alice->send(Frames::roomsRequest()); // neither was made
    QCOMPARE(alice->waitForNext(u"rooms"_s).value("rooms"_L1).toArray().size(),
        Protocol::MaxRoomsPerPerson);
    alice->send(Frames::part(u"room-1"_s));
    alice->send(Frames::join(u"one-too-many"_s));
    QVERIFY(alice->waitForFrames(u"room"_s, Protocol::MaxRoomsPerPerson));
}

void tst_Rooms::retriedSayInARoomIsAnsweredOnce()
{
    QVERIFY(startServer());
    auto alice = guest(u"alice"_s);
    QVERIFY(alice);
    alice->send(Frames::join(u"dev"_s));
    alice->send(Frames::sayIn(u"dev"_s, u"once"_s, u"c-1"_s));
    alice->send(Frames::sayIn(u"dev"_s, u"once"_s, u"c-1"_s)); // the retry
    QVERIFY(alice->waitForFrames(u"message"_s, 2));
    const QList<QJsonObject> copies = alice->framesOfType(u"message"_s);
    QCOMPARE(copies.at(0).value("id"_L1), copies.at(1).value("id"_L1));
    QCOMPARE(copies.at(1).value("room"_L1).toString(), u"dev"_s);
}

void tst_Rooms::aRegisteringGuestKeepsItsRooms()
{
    QVERIFY(startServer());
    auto alice = guest(u"alice"_s);
    QVERIFY(alice);
    alice->send(Frames::create(u"mine"_s, true));
    QVERIFY(alice->waitForFrames(u"room"_s, 1));
    alice->send(Frames::registerRequest(u"alice password"_s)); // as account() signs in
    QVERIFY(alice->waitForFrames(u"registered"_s, 1));
    alice->send(Frames::topic(u"mine"_s, u"still hers"_s)); // the owner is the account now
    QCOMPARE(alice->waitForNext(u"topic"_s).value("topic"_L1).toString(), u"still hers"_s);
    alice->send(Frames::quit());
    QVERIFY(alice->waitForDisconnected());
    QVERIFY(startServer());
    auto back = account(u"alice"_s);
    QVERIFY(back);
    QStringList rooms = roomNames(back->lastOfType(u"welcome"_s).value("rooms"_L1).toArray());
    rooms.sort();
    QCOMPARE(rooms, (QStringList{u"general"_s, u"mine"_s}));
    back->send(Frames::topic(u"mine"_s, u"and after a restart"_s));
    QCOMPARE(back->waitForNext(u"topic"_s).value("topic"_L1).toString(), u"and after a restart"_s);
}

QTEST_GUILESS_MAIN(tst_Rooms)
#include "tst_rooms.moc"

#include "banlist.h"
#include "chatbudgets.h"
#include "chatroom.h"
#include "connection.h"
#include "fanout.h"
#include "framecodec.h"
#include "frames.h"
#include "memoryleaderboard.h"
#include "passwordhasher.h"
#include "servercontext.h"
#include "session.h"
#include "sessionsettings.h"
#include "signinthrottle.h"
#include "socketpeer.h"
#include "storeworker.h"
#include "wireformat.h"
#include "workerhost.h"

#include <QPointer>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using Protocol::ErrorCode;
using namespace std::chrono_literals;
using namespace Qt::StringLiterals;

// Sessions over socketpairs, with a real ChatRoom (no store attached, so events are delivered
// at once) and a WorkerHost in the test's thread: the protocol's states, the dispatch table's
// rules, both wire formats, half-close and flood control, as a client sees them.
class tst_Session : public QObject
{
    Q_OBJECT

private slots:
    void stateFollowsTheConversation();
    void quitWaitsForQueuedReplies();
    void nothingIsHandledAfterQuit();
    void framesBeforeHelloNeedAName_data();
    void framesBeforeHelloNeedAName();
    void servicesBeforeHello_data();
    void servicesBeforeHello();
    void secondHelloIsAlreadyRegistered();
    void sayReachesOtherSessions();
    void plainTextFirstLineRegisters();
    void halfCloseGetsEverythingOwedBeforeEof();
    void flooderIsDisconnected();
};

namespace {

// Generous: the machine may be loaded, and ASan is slow. Only failures wait this long.
constexpr int Timeout = 20000;

QString typeOf(const QJsonObject &frame)
{
    return frame.value("type"_L1).toString();
}

// A client: the test's end of the socketpair, and the session on the other end.
struct Client
{
    SocketPeer peer;
    QPointer<Session> session;

    bool send(const QJsonObject &frame) { return peer.send(FrameCodec::encode(frame)); }
    // A session that has deleted itself is closed too.
    Session::State state() const { return session ? session->state() : Session::State::Closed; }

    // The lines received, but for the name prompt: a session asks a connection that has said
    // nothing for 1.5 s, which a test may be on a loaded machine.
    QList<QByteArray> lines() const
    {
        QList<QByteArray> lines = peer.lines();
        if (!lines.isEmpty() && lines.first() + '\n' == WireFormat::namePrompt()) {
            lines.removeFirst();
        }
        return lines;
    }
    // Every line received, as a frame (an empty object for a line that is not one).
    QList<QJsonObject> frames() const
    {
        QList<QJsonObject> frames;
        for (const QByteArray &line : lines()) {
            frames.append(FrameCodec::decode(line).frame);
        }
        return frames;
    }
    QList<QJsonObject> framesOfType(const QString &type) const
    {
        QList<QJsonObject> matching;
        for (const QJsonObject &frame : frames()) {
            if (typeOf(frame) == type) {
                matching.append(frame);
            }
        }
        return matching;
    }
    qsizetype count(const QString &type) const { return framesOfType(type).size(); }
    QStringList types() const
    {
        QStringList types;
        for (const QJsonObject &frame : frames()) {
            types.append(typeOf(frame));
        }
        return types;
    }
    QStringList errorCodes() const
    {
        QStringList codes;
        for (const QJsonObject &frame : framesOfType(u"error"_s)) {
            codes.append(frame.value("code"_L1).toString());
        }
        return codes;
    }
    // "code cid" for each error frame, or just the code when it names no message.
    QStringList errors() const
    {
        QStringList errors;
        for (const QJsonObject &frame : framesOfType(u"error"_s)) {
            const QString cid = frame.value("cid"_L1).toString();
            const QString code = frame.value("code"_L1).toString();
            errors.append(cid.isEmpty() ? code : code + u' ' + cid);
        }
        return errors;
    }
};

// What a ChatServer shares with its sessions, minus the server and its threads: the room, and
// a StoreWorker on an in-memory database (where guests' names are checked against accounts),
// living in the test's thread. The store drives a pipeline of its own, so the room delivers at
// once, as it does without a store.
struct Server
{
    explicit Server(const SessionSettings &sessionSettings = {})
        : settings(sessionSettings)
    {
        const QString error = store.open();
        if (!error.isEmpty()) {
            qWarning().noquote() << "cannot open the store:" << error;
        }
    }
    ~Server() { store.close(); }

    // bufferBytes: the socket buffers' size, when the test needs writes to queue.
    std::unique_ptr<Client> connect(int bufferBytes = 0)
    {
        auto client = std::make_unique<Client>();
        if (!client->peer.isValid()) {
            return nullptr;
        }
        if (bufferBytes > 0) {
            client->peer.setBufferSizes(bufferBytes);
        }
        auto *session = new Session(client->peer.takeOtherEnd(), context, &host);
        session->setParent(&host); // as the Listener does: the host deletes what is left
        client->session = session;
        session->start();
        return client;
    }

    // A client that said hello as name and got its welcome.
    std::unique_ptr<Client> join(const QString &name)
    {
        std::unique_ptr<Client> client = connect();
        if (!client || !client->send(Frames::hello(name))
            || !QTest::qWaitFor([&] { return client->count(u"welcome"_s) == 1; }, Timeout)) {
            return nullptr;
        }
        return client;
    }

    SessionSettings settings;
    ChatRoom room;
    MemoryLeaderboard leaderboard;
    ChatRoom unstored;
    StoreWorker store{unstored, leaderboard, MessageStore::Options{u":memory:"_s}};
    PasswordHasher hasher{1};
    SignInThrottle throttle;
    FanOut fanOut{1};
    ChatBudgets budgets;
    BanList bans;
    // Not owned: the fixture's settings, as the test changes them.
    const ServerContext context{room, leaderboard, store, hasher, throttle,
        std::shared_ptr<const SessionSettings>(std::shared_ptr<void>(), &settings), fanOut, budgets,
        bans};
    WorkerHost host; // last: it deletes the sessions, which leave the room, first
};

} // namespace

void tst_Session::stateFollowsTheConversation()
{
    Server server;
    const std::unique_ptr<Client> alice = server.connect();
    QVERIFY(alice);
    QCOMPARE(alice->state(), Session::State::AwaitingHello);

    QVERIFY(alice->send(Frames::ping()));
    QTRY_COMPARE_WITH_TIMEOUT(alice->types(), QStringList{u"pong"_s}, Timeout);
    QCOMPARE(alice->state(), Session::State::AwaitingHello);

    QVERIFY(alice->send(Frames::hello(u"alice"_s)));
    QTRY_COMPARE_WITH_TIMEOUT(alice->count(u"welcome"_s), 1, Timeout);
    QCOMPARE(alice->state(), Session::State::Registered);
    QCOMPARE(server.room.users(), QStringList{u"alice"_s});

    // The session's state as its connection reports closed: the session has finished then,
    // and deletes itself after.
    auto *connection = alice->session->findChild<Connection *>();
    QVERIFY(connection);
    std::optional<Session::State> stateAtClose;
    connect(connection, &Connection::closed, this, [&] {
        QVERIFY(alice->session); // it deletes itself later, not before this
        stateAtClose = alice->session->state();
    });

    QVERIFY(alice->send(Frames::quit()));
    QTRY_VERIFY_WITH_TIMEOUT(alice->peer.atEnd(), Timeout);
    QCOMPARE(alice->peer.end(), SocketPeer::End::Eof);
    QCOMPARE(alice->types(), (QStringList{u"pong"_s, u"welcome"_s, u"bye"_s}));
    QCOMPARE(alice->framesOfType(u"bye"_s).value(0).value("reason"_L1).toString(), u"quit"_s);
    QTRY_VERIFY_WITH_TIMEOUT(stateAtClose.has_value(), Timeout);
    QCOMPARE(*stateAtClose, Session::State::Closed);
    QTRY_VERIFY_WITH_TIMEOUT(alice->session.isNull(), Timeout);
    QCOMPARE(server.room.users(), QStringList{});
}

void tst_Session::quitWaitsForQueuedReplies()
{
    SessionSettings settings;
    settings.limits.closeGrace = 60s; // the client is slow on purpose: no cut-off meanwhile
    Server server(settings);
    const std::unique_ptr<Client> alice = server.connect(4096);
    QVERIFY(alice);
    QVERIFY(alice->send(Frames::hello(u"alice"_s)));
    QTRY_COMPARE_WITH_TIMEOUT(alice->count(u"welcome"_s), 1, Timeout);
    const std::unique_ptr<Client> bob = server.join(u"bob"_s);
    QVERIFY(bob);

    // Alice stops reading; her echoes pile up in the session, then she quits.
    alice->peer.setReading(false);
    const QString text(16 * 1024, u'e');
    for (int i = 0; i < 16; ++i) {
        QVERIFY(alice->send(Frames::echo(text)));
    }
    QVERIFY(alice->send(Frames::quit()));

    // Closing: she has left the room, and the session waits for her to take her replies.
    QTRY_COMPARE_WITH_TIMEOUT(alice->state(), Session::State::Closing, Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(bob->count(u"left"_s), 1, Timeout);
    QCOMPARE(bob->framesOfType(u"left"_s).value(0).value("reason"_L1).toString(), u"quit"_s);
    QCOMPARE(server.room.users(), QStringList{u"bob"_s});

    alice->peer.setReading(true);
    QTRY_VERIFY_WITH_TIMEOUT(alice->peer.atEnd(), Timeout);
    QCOMPARE(alice->peer.end(), SocketPeer::End::Eof);
    const QList<QJsonObject> echoes = alice->framesOfType(u"echo"_s);
    QCOMPARE(echoes.size(), 16);
    QCOMPARE(echoes.last().value("text"_L1).toString(), text);
    QCOMPARE(alice->types().last(), u"bye"_s); // after everything owed
    QTRY_VERIFY_WITH_TIMEOUT(alice->session.isNull(), Timeout);
}

// Lines after a quit are not handled: nobody sees a message from someone who has left, and the
// client gets nothing after its bye.
void tst_Session::nothingIsHandledAfterQuit()
{
    Server server;
    const std::unique_ptr<Client> alice = server.join(u"alice"_s);
    QVERIFY(alice);
    const std::unique_ptr<Client> bob = server.join(u"bob"_s);
    QVERIFY(bob);

    QVERIFY(alice->peer.send(FrameCodec::encode(Frames::quit())
        + FrameCodec::encode(Frames::say(u"ghost"_s))
        + FrameCodec::encode(Frames::echo(u"after"_s))));
    QTRY_VERIFY_WITH_TIMEOUT(alice->peer.atEnd(), Timeout);
    QCOMPARE(alice->peer.end(), SocketPeer::End::Eof);
    QCOMPARE(alice->count(u"bye"_s), 1);
    QCOMPARE(alice->types().last(), u"bye"_s);

    // What the room queued for bob is written in one go: left, and whatever came after it.
    QTRY_COMPARE_WITH_TIMEOUT(bob->count(u"left"_s), 1, Timeout);
    QCOMPARE(bob->framesOfType(u"left"_s).value(0).value("reason"_L1).toString(), u"quit"_s);
    QCOMPARE(bob->count(u"message"_s), 0);
    QTRY_VERIFY_WITH_TIMEOUT(alice->session.isNull(), Timeout);
}

void tst_Session::framesBeforeHelloNeedAName_data()
{
    QTest::addColumn<QJsonObject>("frame");

    QTest::newRow("say") << Frames::say(u"hi"_s);
    QTest::newRow("say with cid") << Frames::say(u"hi"_s, u"c1"_s);
    QTest::newRow("dm") << Frames::dm(u"bob"_s, u"psst"_s);
    QTest::newRow("history") << Frames::historyRequest(0);
    QTest::newRow("users") << Frames::usersRequest();
    QTest::newRow("quiz_start") << Frames::quizStart();
    QTest::newRow("quiz_answer") << Frames::quizAnswer(1, 42);
    QTest::newRow("quiz_stop") << Frames::quizStop();
    QTest::newRow("leaderboard") << Frames::leaderboardRequest();
}

void tst_Session::framesBeforeHelloNeedAName()
{
    QFETCH(QJsonObject, frame);

    Server server;
    const std::unique_ptr<Client> bob = server.join(u"bob"_s);
    QVERIFY(bob);
    const std::unique_ptr<Client> client = server.connect();
    QVERIFY(client);

    QVERIFY(client->send(frame));
    QTRY_COMPARE_WITH_TIMEOUT(client->errorCodes(), QStringList{u"not_registered"_s}, Timeout);
    QCOMPARE(client->types(), QStringList{u"error"_s}); // nothing else came of it
    QCOMPARE(client->state(), Session::State::AwaitingHello);

    // Still welcome to register afterwards; and nobody heard anything meanwhile.
    QVERIFY(client->send(Frames::hello(u"carol"_s)));
    QTRY_COMPARE_WITH_TIMEOUT(client->count(u"welcome"_s), 1, Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(bob->count(u"joined"_s), 1, Timeout);
    QCOMPARE(bob->types(), (QStringList{u"welcome"_s, u"joined"_s}));
}

void tst_Session::servicesBeforeHello_data()
{
    QTest::addColumn<QJsonObject>("frame");
    QTest::addColumn<QString>("replyType");

    QTest::newRow("ping") << Frames::ping() << u"pong"_s;
    QTest::newRow("echo") << Frames::echo(u"hello?"_s) << u"echo"_s;
    QTest::newRow("time") << Frames::timeQuery(u"time"_s, u"UTC"_s) << u"time"_s;
}

void tst_Session::servicesBeforeHello()
{
    QFETCH(QJsonObject, frame);
    QFETCH(QString, replyType);

    Server server;
    const std::unique_ptr<Client> client = server.connect();
    QVERIFY(client);
    QVERIFY(client->send(frame));
    QTRY_COMPARE_WITH_TIMEOUT(client->types(), QStringList{replyType}, Timeout);
    if (replyType == "echo"_L1) {
        QCOMPARE(client->frames().value(0).value("text"_L1).toString(), u"hello?"_s);
    }
    QCOMPARE(client->state(), Session::State::AwaitingHello);
}

void tst_Session::secondHelloIsAlreadyRegistered()
{
    Server server;
    const std::unique_ptr<Client> alice = server.join(u"alice"_s);
    QVERIFY(alice);

    QVERIFY(alice->send(Frames::hello(u"alice2"_s)));
    QTRY_COMPARE_WITH_TIMEOUT(alice->errorCodes(), QStringList{u"already_registered"_s}, Timeout);
    QCOMPARE(alice->state(), Session::State::Registered);
    QCOMPARE(server.room.users(), QStringList{u"alice"_s});
    QCOMPARE(alice->count(u"welcome"_s), 1);
}

void tst_Session::sayReachesOtherSessions()
{
    Server server;
    const std::unique_ptr<Client> alice = server.join(u"alice"_s);
    QVERIFY(alice);
    const std::unique_ptr<Client> bob = server.join(u"bob"_s);
    QVERIFY(bob);

    QVERIFY(alice->send(Frames::say(u"hello bob"_s, u"m1"_s)));
    QTRY_COMPARE_WITH_TIMEOUT(bob->count(u"message"_s), 1, Timeout);
    const QJsonObject message = bob->framesOfType(u"message"_s).value(0);
    QCOMPARE(message.value("from"_L1).toString(), u"alice"_s);
    QCOMPARE(message.value("text"_L1).toString(), u"hello bob"_s);
    QCOMPARE(message.value("id"_L1).toInteger(), 1);
    // The sender gets its own copy, with its cid, to confirm it.
    QTRY_COMPARE_WITH_TIMEOUT(alice->count(u"message"_s), 1, Timeout);
    QCOMPARE(alice->framesOfType(u"message"_s).value(0).value("cid"_L1).toString(), u"m1"_s);
    QCOMPARE(alice->types(), (QStringList{u"welcome"_s, u"joined"_s, u"message"_s}));
    QCOMPARE(bob->types(), (QStringList{u"welcome"_s, u"message"_s}));
}

void tst_Session::plainTextFirstLineRegisters()
{
    Server server;
    const std::unique_ptr<Client> bob = server.join(u"bob"_s);
    QVERIFY(bob);
    const std::unique_ptr<Client> carol = server.connect();
    QVERIFY(carol);

    QVERIFY(carol->peer.send("carol\r\n"));
    QTRY_VERIFY_WITH_TIMEOUT(carol->lines().size() >= 2, Timeout);
    QCOMPARE(carol->lines().value(0), QByteArray("* Welcome, carol! 2 online: bob, carol."));
    QCOMPARE(
        carol->lines().value(1), QByteArray("* Type to chat; /help lists commands, /quit leaves."));
    QCOMPARE(carol->state(), Session::State::Registered);
    QCOMPARE(server.room.users(), (QStringList{u"bob"_s, u"carol"_s}));
    QTRY_COMPARE_WITH_TIMEOUT(bob->count(u"joined"_s), 1, Timeout);

    // From now on a line is chat, and what the room sends comes as text.
    QVERIFY(carol->peer.send("hi bob\n"));
    QTRY_COMPARE_WITH_TIMEOUT(bob->count(u"message"_s), 1, Timeout);
    QCOMPARE(bob->framesOfType(u"message"_s).value(0).value("text"_L1).toString(), u"hi bob"_s);
    QTRY_COMPARE_WITH_TIMEOUT(carol->lines().size(), 3, Timeout);
    static const QRegularExpression own(uR"(^\[\d\d:\d\d\] carol: hi bob$)"_s);
    QVERIFY2(own.match(QString::fromUtf8(carol->lines().value(2))).hasMatch(),
        carol->lines().value(2).constData());
}

void tst_Session::halfCloseGetsEverythingOwedBeforeEof()
{
    SessionSettings settings;
    settings.limits.closeGrace = 60s; // EOF must come from the session finishing, not the grace
    Server server(settings);
    const std::unique_ptr<Client> alice = server.join(u"alice"_s);
    QVERIFY(alice);
    const std::unique_ptr<Client> bob = server.join(u"bob"_s);
    QVERIFY(bob);

    // Like nc -N: two frames, then the end of input, and the client reads on.
    QVERIFY(alice->send(Frames::say(u"last words"_s)));
    QVERIFY(alice->send(Frames::echo(u"still there?"_s)));
    alice->peer.shutdownWrite();

    QTRY_VERIFY_WITH_TIMEOUT(alice->peer.atEnd(), Timeout);
    QCOMPARE(alice->peer.end(), SocketPeer::End::Eof);
    // Her own message and her echo reply, in the order she sent them; nothing is cut off.
    QCOMPARE(alice->types(), (QStringList{u"welcome"_s, u"joined"_s, u"message"_s, u"echo"_s}));
    QCOMPARE(
        alice->framesOfType(u"message"_s).value(0).value("text"_L1).toString(), u"last words"_s);
    QCOMPARE(
        alice->framesOfType(u"echo"_s).value(0).value("text"_L1).toString(), u"still there?"_s);

    QTRY_COMPARE_WITH_TIMEOUT(bob->count(u"left"_s), 1, Timeout);
    QCOMPARE(bob->types(), (QStringList{u"welcome"_s, u"message"_s, u"left"_s}));
    QTRY_VERIFY_WITH_TIMEOUT(alice->session.isNull(), Timeout);
    QCOMPARE(server.room.users(), QStringList{u"bob"_s});
}

void tst_Session::flooderIsDisconnected()
{
    SessionSettings settings;
    settings.chatBurst = 2; // two at once, then two refusals are forgiven, the third is not
    settings.chatRate = 0.001; // no refill while the test runs, however slowly
    Server server(settings);
    const std::unique_ptr<Client> mallory = server.join(u"mallory"_s);
    QVERIFY(mallory);
    const std::unique_ptr<Client> bob = server.join(u"bob"_s);
    QVERIFY(bob);

    QByteArray flood;
    for (int i = 0; i < 10; ++i) {
        flood += FrameCodec::encode(Frames::say(u"spam %1"_s.arg(i), u"c%1"_s.arg(i)));
    }
    QVERIFY(mallory->peer.send(flood));

    QTRY_VERIFY_WITH_TIMEOUT(mallory->peer.atEnd(), Timeout);
    QCOMPARE(mallory->peer.end(), SocketPeer::End::Eof);
    QCOMPARE(mallory->count(u"message"_s), 2);
    // Each of the two refusals names the refused message; then the error that ends it, and
    // the lines after that are not read (were lines handled inside the handler of the line
    // before, c2's refusal would be lost and more "still flooding" errors would follow).
    QCOMPARE(mallory->errors(),
        (QStringList{u"rate_limited c2"_s, u"rate_limited c3"_s, u"rate_limited"_s}));
    QVERIFY(mallory->errors().contains(u"rate_limited c3"_s));
    QCOMPARE(mallory->framesOfType(u"bye"_s).size(), 1);
    QCOMPARE(mallory->framesOfType(u"bye"_s).value(0).value("reason"_L1).toString(), u"flood"_s);
    QCOMPARE(mallory->types().last(), u"bye"_s);

    // The others saw the two allowed messages, and why mallory left.
    QTRY_COMPARE_WITH_TIMEOUT(bob->count(u"left"_s), 1, Timeout);
    QCOMPARE(bob->count(u"message"_s), 2);
    QCOMPARE(bob->framesOfType(u"left"_s).value(0).value("reason"_L1).toString(), u"flood"_s);
    QTRY_VERIFY_WITH_TIMEOUT(mallory->session.isNull(), Timeout);
}

QTEST_GUILESS_MAIN(tst_Session)
#include "tst_session.moc"

#include "authenticator.h"
#include "chatserver.h"
#include "frames.h"
#include "signinthrottle.h"
#include "testclient.h"
#include "testserver.h"
#include "textclient.h"

#include <QDir>
#include <QElapsedTimer>
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
    void accountsPrivateMessagesAreTheirsAlone();
    void registerTurnsGuestIntoAccount();
    void weakPasswordsAndTakenNames();
    void tokenResumesUntilLogout();
    void passwordChangeRevokesOtherSessions();
    void wrongPasswordsAreThrottled();
    void hashQueueIsBounded();
    void offlineMessageWaitsAcrossRestart();
    void severalConnectionsOfOneAccount();
    void guestsCanBeTurnedOff();
    void cidsArePerSender();
    void leaderboardKeepsAccountsOnly();
    void databaseHoldsNoSecret();
    void plainTextSignIn();
    void passwordPromptExtendsTheHelloTimeOnce();

private:
    ChatServer *startServer(ServerConfig config = {});
    std::unique_ptr<TestClient> connect();
    std::unique_ptr<TestClient> hello(const QJsonObject &frame);
    // A guest that registered name with password: signed in to the new account.
    std::unique_ptr<TestClient> registerAccount(const QString &name, const QString &password);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ChatServer> m_server;
};

namespace {

QString errorCode(const TestClient &client)
{
    return client.lastOfType(u"error"_s).value("code"_L1).toString();
}

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
    m_server = startTestServer(*m_dir, std::move(config));
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

std::unique_ptr<TestClient> tst_Accounts::registerAccount(
    const QString &name, const QString &password)
{
    auto client = hello(helloFrame(name));
    if (!client || client->countOfType(u"welcome"_s) != 1) {
        return nullptr;
    }
    client->send(Frames::registerRequest(password));
    return client->waitForFrames(u"registered"_s, 1) ? std::move(client) : nullptr;
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

void tst_Accounts::accountsPrivateMessagesAreTheirsAlone()
{
    QVERIFY(startServer());
    auto alice = registerAccount(u"alice"_s, u"alice's password"_s);
    auto bob = hello(helloFrame(u"bob"_s));
    QVERIFY(alice && bob);
    alice->send(Frames::dm(u"bob"_s, u"alice to bob, secret"_s, u"cid-a1"_s));
    bob->send(Frames::dm(u"alice"_s, u"bob to alice, secret"_s));
    QVERIFY(alice->waitForFrames(u"dm"_s, 2));
    alice->send(Frames::quit());
    QVERIFY(alice->waitForDisconnected());
    QTRY_COMPARE(m_server->room().userCount(), 1);
    bob->send(Frames::dm(u"alice"_s, u"while you were away"_s));
    QVERIFY(bob->waitForFrames(u"dm"_s, 3)); // stored for her, and echoed to bob

    // Her name without a password, and with a wrong one: no welcome, nothing of hers.
    auto guest = hello(helloFrame(u"alice"_s, {}, 0));
    QVERIFY(guest);
    QCOMPARE(errorCode(*guest), u"auth_required"_s);
    QCOMPARE(guest->countOfType(u"welcome"_s), 0);
    guest->send(Frames::historyRequest(0));
    QVERIFY(guest->waitForFrames(u"error"_s, 2));
    QCOMPARE(errorCode(*guest), u"not_registered"_s);
    auto wrong = hello(helloFrame(u"alice"_s, u"not her password"_s, 0));
    QVERIFY(wrong);
    QCOMPARE(errorCode(*wrong), u"auth_failed"_s);
    QCOMPARE(wrong->countOfType(u"welcome"_s), 0);
    QVERIFY(textsSeen(*guest).isEmpty());
    QVERIFY(textsSeen(*wrong).isEmpty());

    // Alice herself gets all of it: the message that waited, her history, her cid.
    auto back = hello(helloFrame(u"alice"_s, u"alice's password"_s, 0));
    QVERIFY(back);
    const QJsonObject welcome = back->lastOfType(u"welcome"_s);
    QCOMPARE(welcome.value("account"_L1).toBool(), true);
    QCOMPARE(welcome.value("token"_L1).toString().size(), 43);
    QVERIFY(back->waitForFrames(u"dm"_s, 3));
    back->send(Frames::dm(u"bob"_s, u"alice to bob, secret"_s, u"cid-a1"_s));
    QVERIFY(back->waitForFrames(u"dm"_s, 4));
    // A repeat: the stored copy again, with the id it had (bob's dm may have come first).
    const QList<QJsonObject> dms = back->framesOfType(u"dm"_s);
    QCOMPARE(dms.last().value("cid"_L1).toString(), u"cid-a1"_s);
    QCOMPARE(dms.last().value("id"_L1),
        dms.first().value("cid"_L1).toString() == "cid-a1"_L1 ? dms.first().value("id"_L1)
                                                              : dms.at(1).value("id"_L1));
    QCOMPARE(m_server->room().lastId(), 3);
    const QStringList seen = textsSeen(*back);
    QVERIFY(seen.contains(u"alice to bob, secret"_s));
    QVERIFY(seen.contains(u"bob to alice, secret"_s));
    QVERIFY(seen.contains(u"while you were away"_s));
}

void tst_Accounts::registerTurnsGuestIntoAccount()
{
    QVERIFY(startServer());
    auto bob = hello(helloFrame(u"bob"_s));
    auto alice = hello(helloFrame(u"alice"_s));
    QVERIFY(alice && bob);
    QCOMPARE(alice->lastOfType(u"welcome"_s).value("account"_L1).toBool(), false);
    QVERIFY(!alice->lastOfType(u"welcome"_s).contains("token"_L1));
    bob->send(Frames::dm(u"alice"_s, u"before she registered"_s));
    QVERIFY(alice->waitForFrames(u"dm"_s, 1));
    alice->send(Frames::registerRequest(u"a good password"_s));
    const QJsonObject registered = alice->waitForNext(u"registered"_s);
    QCOMPARE(registered.value("name"_L1).toString(), u"alice"_s);
    const QString token = registered.value("token"_L1).toString();
    QCOMPARE(token.size(), 43);
    alice->send(Frames::quit());
    QVERIFY(alice->waitForDisconnected());
    QTRY_COMPARE(m_server->room().userCount(), 1);

    // The token signs her in, and what she had as a guest came with her name.
    auto back = hello(Frames::helloWithToken(token, 0));
    QVERIFY(back);
    const QJsonObject welcome = back->lastOfType(u"welcome"_s);
    QCOMPARE(welcome.value("name"_L1).toString(), u"alice"_s);
    QCOMPARE(welcome.value("account"_L1).toBool(), true);
    QVERIFY(!welcome.contains("token"_L1)); // she has it already
    QVERIFY(back->waitForFrames(u"dm"_s, 1));
    QCOMPARE(back->lastOfType(u"dm"_s).value("text"_L1).toString(), u"before she registered"_s);
    back->send(Frames::registerRequest(u"another password"_s));
    QVERIFY(back->waitForFrames(u"error"_s, 1));
    QCOMPARE(errorCode(*back), u"account_exists"_s);
}

void tst_Accounts::weakPasswordsAndTakenNames()
{
    QVERIFY(startServer());
    auto alice = hello(helloFrame(u"alice"_s));
    QVERIFY(alice);
    alice->send(Frames::registerRequest(u"short"_s));
    QVERIFY(alice->waitForFrames(u"error"_s, 1));
    QCOMPARE(errorCode(*alice), u"weak_password"_s);
    alice->send(Frames::registerRequest(QString(1025, u'x')));
    QVERIFY(alice->waitForFrames(u"error"_s, 2));
    QCOMPARE(errorCode(*alice), u"weak_password"_s);
    // Eight characters are enough, counted as characters, not bytes.
    alice->send(Frames::registerRequest(u"ééééééé!"_s));
    QVERIFY(alice->waitForFrames(u"registered"_s, 1));
    alice->send(Frames::quit());
    QVERIFY(alice->waitForDisconnected());
    QTRY_COMPARE(m_server->room().userCount(), 0);

    // The name in any case is her account's.
    auto other = hello(helloFrame(u"ALICE"_s));
    QVERIFY(other);
    QCOMPARE(errorCode(*other), u"auth_required"_s);
    auto unknown = hello(helloFrame(u"nobody"_s, u"whatever password"_s));
    QVERIFY(unknown);
    QCOMPARE(errorCode(*unknown), u"auth_failed"_s); // the same answer as a wrong password
}

void tst_Accounts::tokenResumesUntilLogout()
{
    QVERIFY(startServer());
    QVERIFY(registerAccount(u"alice"_s, u"alice's password"_s));
    QTRY_COMPARE(m_server->room().userCount(), 0);
    auto first = hello(helloFrame(u"alice"_s, u"alice's password"_s));
    QVERIFY(first);
    const QString token = first->lastOfType(u"welcome"_s).value("token"_L1).toString();
    QCOMPARE(token.size(), 43);
    auto resumed = hello(Frames::helloWithToken(token));
    QVERIFY(resumed);
    QCOMPARE(resumed->lastOfType(u"welcome"_s).value("name"_L1).toString(), u"alice"_s);

    resumed->send(Frames::logout());
    QVERIFY(resumed->waitForFrames(u"bye"_s, 1));
    QCOMPARE(resumed->lastOfType(u"bye"_s).value("reason"_L1).toString(), u"logout"_s);
    QVERIFY(resumed->waitForDisconnected());
    auto revoked = hello(Frames::helloWithToken(token));
    QVERIFY(revoked);
    QCOMPARE(errorCode(*revoked), u"auth_failed"_s);
    // A made-up token gets the very same answer.
    auto madeUp = hello(Frames::helloWithToken(QString(43, u'A')));
    QVERIFY(madeUp);
    QCOMPARE(errorCode(*madeUp), u"auth_failed"_s);
    QCOMPARE(madeUp->lastOfType(u"error"_s).value("message"_L1),
        revoked->lastOfType(u"error"_s).value("message"_L1));
}

void tst_Accounts::passwordChangeRevokesOtherSessions()
{
    QVERIFY(startServer());
    QVERIFY(registerAccount(u"alice"_s, u"old password"_s));
    QTRY_COMPARE(m_server->room().userCount(), 0);
    auto desktop = hello(helloFrame(u"alice"_s, u"old password"_s));
    auto laptop = hello(helloFrame(u"alice"_s, u"old password"_s));
    QVERIFY(desktop && laptop);
    const QString desktopToken = desktop->lastOfType(u"welcome"_s).value("token"_L1).toString();
    const QString laptopToken = laptop->lastOfType(u"welcome"_s).value("token"_L1).toString();
    QVERIFY(desktopToken != laptopToken);

    desktop->send(Frames::passwordChange(u"wrong old one"_s, u"new password"_s));
    QVERIFY(desktop->waitForFrames(u"error"_s, 1));
    QCOMPARE(errorCode(*desktop), u"auth_failed"_s);
    desktop->send(Frames::passwordChange(u"old password"_s, u"short"_s));
    QVERIFY(desktop->waitForFrames(u"error"_s, 2));
    QCOMPARE(errorCode(*desktop), u"weak_password"_s);
    desktop->send(Frames::passwordChange(u"old password"_s, u"new password"_s));
    QVERIFY(desktop->waitForFrames(u"password_changed"_s, 1));

    QVERIFY(laptop->waitForFrames(u"bye"_s, 1));
    QCOMPARE(laptop->lastOfType(u"bye"_s).value("reason"_L1).toString(), u"session_revoked"_s);
    QVERIFY(laptop->waitForDisconnected());
    QVERIFY(desktop->isConnected());
    auto stale = hello(Frames::helloWithToken(laptopToken));
    QVERIFY(stale);
    QCOMPARE(errorCode(*stale), u"auth_failed"_s);
    auto kept = hello(Frames::helloWithToken(desktopToken));
    QVERIFY(kept);
    QCOMPARE(kept->countOfType(u"welcome"_s), 1);
    auto oldPassword = hello(helloFrame(u"alice"_s, u"old password"_s));
    QVERIFY(oldPassword);
    QCOMPARE(errorCode(*oldPassword), u"auth_failed"_s);
    auto newPassword = hello(helloFrame(u"alice"_s, u"new password"_s));
    QVERIFY(newPassword);
    QCOMPARE(newPassword->countOfType(u"welcome"_s), 1);
}

void tst_Accounts::wrongPasswordsAreThrottled()
{
    QVERIFY(startServer());
    QVERIFY(registerAccount(u"alice"_s, u"alice's password"_s));
    QTRY_COMPARE(m_server->room().userCount(), 0);
    auto guesser = connect();
    QVERIFY(guesser);
    for (int i = 1; i <= 5; ++i) {
        guesser->send(helloFrame(u"alice"_s, u"guess number %1"_s.arg(i)));
        QVERIFY(guesser->waitForFrames(u"error"_s, i));
        QCOMPARE(errorCode(*guesser), u"auth_failed"_s);
    }
    // The sixth comes too soon: refused without a hash, even with the right password.
    guesser->send(helloFrame(u"alice"_s, u"alice's password"_s));
    QVERIFY(guesser->waitForFrames(u"error"_s, 6));
    QCOMPARE(errorCode(*guesser), u"too_many_attempts"_s);
    QVERIFY(guesser->lastOfType(u"error"_s).value("message"_L1).toString().contains(u" s"_s));
    QCOMPARE(guesser->countOfType(u"welcome"_s), 0);
    // The address is held back for other accounts too, and for tokens.
    auto other = hello(Frames::helloWithToken(QString(43, u'B')));
    QVERIFY(other);
    QCOMPARE(errorCode(*other), u"too_many_attempts"_s);
    // Chat goes on meanwhile.
    auto bob = hello(helloFrame(u"bob"_s));
    QVERIFY(bob);
    QCOMPARE(bob->countOfType(u"welcome"_s), 1);
}

void tst_Accounts::hashQueueIsBounded()
{
    // Guesses from 16 addresses at 16 accounts, five each: the throttle lets all 80 start,
    // and the hasher's queue is what refuses the ones past its bound.
    ServerConfig config;
    config.hashThreads = 1;
    QVERIFY(startServer(config));
    constexpr int Accounts = 16;
    for (int i = 0; i < Accounts; ++i) {
        QVERIFY(registerAccount(u"user%1"_s.arg(i), u"password of user %1"_s.arg(i)));
    }
    std::vector<std::unique_ptr<TestClient>> guessers;
    for (int i = 0; i < Accounts * SignInThrottle::FreeFailures; ++i) {
        auto guesser = std::make_unique<TestClient>();
        const int pair = i / SignInThrottle::FreeFailures;
        QVERIFY(guesser->socket().bind(QHostAddress(u"127.0.1.%1"_s.arg(pair + 1))));
        QVERIFY(guesser->connectTo(m_server->serverPort()));
        guessers.push_back(std::move(guesser));
    }
    for (std::size_t i = 0; i < guessers.size(); ++i) {
        guessers[i]->send(
            helloFrame(u"user%1"_s.arg(i / SignInThrottle::FreeFailures), u"a wrong password"_s));
    }
    int failed = 0;
    int busy = 0;
    for (const auto &guesser : guessers) {
        QVERIFY(guesser->waitForFrames(u"error"_s, 1));
        const QString code = errorCode(*guesser);
        failed += code == "auth_failed"_L1 ? 1 : 0;
        busy += code == "too_many_attempts"_L1 ? 1 : 0;
    }
    QCOMPARE(failed + busy, int(guessers.size()));
    QVERIFY2(busy > 0, "the queue of hashes never filled up");
    QVERIFY(failed >= Authenticator::MaxPendingHashes);
}

void tst_Accounts::offlineMessageWaitsAcrossRestart()
{
    QVERIFY(startServer());
    QVERIFY(registerAccount(u"bob"_s, u"bob's password"_s));
    auto alice = hello(helloFrame(u"alice"_s));
    QVERIFY(alice);
    QTRY_COMPARE(m_server->room().userCount(), 1);
    alice->send(Frames::dm(u"Bob"_s, u"read this when you are back"_s, u"offline-1"_s));
    const QJsonObject echo = alice->waitForNext(u"dm"_s);
    QCOMPARE(echo.value("to"_L1).toString(), u"bob"_s); // as the account spells it
    alice->send(Frames::dm(u"carol"_s, u"nobody by that name"_s, u"offline-2"_s));
    QVERIFY(alice->waitForFrames(u"error"_s, 1));
    QCOMPARE(errorCode(*alice), u"no_such_user"_s);
    QCOMPARE(alice->lastOfType(u"error"_s).value("cid"_L1).toString(), u"offline-2"_s);

    QVERIFY(startServer());
    auto bob = hello(helloFrame(u"bob"_s, u"bob's password"_s));
    QVERIFY(bob);
    const QJsonObject waited = bob->waitForNext(u"dm"_s);
    QCOMPARE(bob->lastOfType(u"welcome"_s).value("replayed"_L1).toInt(), 1);
    QCOMPARE(waited.value("text"_L1).toString(), u"read this when you are back"_s);
    QCOMPARE(waited.value("from"_L1).toString(), u"alice"_s);
    bob->send(Frames::quit());
    QVERIFY(bob->waitForDisconnected());
    QTRY_COMPARE(m_server->room().userCount(), 0);
    // Delivered once: the next sign-in does not bring it again.
    auto again = hello(helloFrame(u"bob"_s, u"bob's password"_s));
    QVERIFY(again);
    again->send(Frames::ping());
    QVERIFY(again->waitForFrames(u"pong"_s, 1));
    QCOMPARE(again->countOfType(u"dm"_s), 0);
}

void tst_Accounts::severalConnectionsOfOneAccount()
{
    QVERIFY(startServer());
    auto desktop = registerAccount(u"alice"_s, u"alice's password"_s);
    auto bob = hello(helloFrame(u"bob"_s));
    QVERIFY(desktop && bob);
    auto laptop = hello(helloFrame(u"alice"_s, u"alice's password"_s));
    QVERIFY(laptop && laptop->countOfType(u"welcome"_s) == 1);
    QTRY_COMPARE(m_server->room().userCount(), 2);
    QCOMPARE(m_server->room().users(), (QStringList{u"alice"_s, u"bob"_s}));
    const QStringList users = [&] {
        QStringList names;
        for (const QJsonValue &name :
            laptop->lastOfType(u"welcome"_s).value("users"_L1).toArray()) {
            names.append(name.toString());
        }
        return names;
    }();
    QCOMPARE(users, (QStringList{u"alice"_s, u"bob"_s}));

    bob->send(Frames::dm(u"alice"_s, u"to every alice"_s));
    QVERIFY(laptop->waitForFrames(u"dm"_s, 1));
    QVERIFY(desktop->waitForFrames(u"dm"_s, 1));
    laptop->send(Frames::dm(u"bob"_s, u"from the laptop"_s));
    QVERIFY(bob->waitForFrames(u"dm"_s, 2));
    QVERIFY(desktop->waitForFrames(u"dm"_s, 2)); // what one device sends, the others show
    laptop->send(Frames::quit());
    QVERIFY(laptop->waitForDisconnected());
    bob->send(Frames::usersRequest());
    QVERIFY(bob->waitForFrames(u"users"_s, 1));
    QCOMPARE(bob->countOfType(u"left"_s), 0); // alice is still here
    QCOMPARE(bob->countOfType(u"joined"_s), 0); // and never came twice
    QCOMPARE(m_server->room().userCount(), 2);
}

void tst_Accounts::guestsCanBeTurnedOff()
{
    QVERIFY(startServer());
    QVERIFY(registerAccount(u"alice"_s, u"alice's password"_s));
    ServerConfig config;
    config.guestsAllowed = false;
    QVERIFY(startServer(config));
    auto guest = hello(helloFrame(u"bob"_s));
    QVERIFY(guest);
    QCOMPARE(errorCode(*guest), u"guests_disabled"_s);
    auto alice = hello(helloFrame(u"alice"_s, u"alice's password"_s));
    QVERIFY(alice);
    QCOMPARE(alice->countOfType(u"welcome"_s), 1);
}

void tst_Accounts::cidsArePerSender()
{
    QVERIFY(startServer());
    auto alice = hello(helloFrame(u"alice"_s));
    auto mallory = hello(helloFrame(u"mallory"_s));
    QVERIFY(alice && mallory);
    alice->send(Frames::say(u"alice's"_s, u"shared-cid"_s));
    QVERIFY(mallory->waitForFrames(u"message"_s, 1));
    mallory->send(Frames::say(u"mallory's"_s, u"shared-cid"_s));
    QVERIFY(alice->waitForFrames(u"message"_s, 2));
    QCOMPARE(alice->lastOfType(u"message"_s).value("text"_L1).toString(), u"mallory's"_s);
    // Mallory cannot flush alice's cids: hers are counted apart.
    for (int i = 0; i < ChatRoom::CidsPerSender + 10; ++i) {
        mallory->send(Frames::say(u"flush"_s, u"m%1"_s.arg(i)));
    }
    QVERIFY(alice->waitForFrames(u"message"_s, 2 + ChatRoom::CidsPerSender + 10));
    alice->send(Frames::say(u"alice's"_s, u"shared-cid"_s));
    QVERIFY(alice->waitForFrames(u"message"_s, 2 + ChatRoom::CidsPerSender + 10 + 1));
    QCOMPARE(alice->lastOfType(u"message"_s).value("id"_L1).toInteger(), 1);
}

void tst_Accounts::leaderboardKeepsAccountsOnly()
{
    ServerConfig config;
    config.quizSeed = 3;
    QVERIFY(startServer(config));
    const auto playQuiz = [](TestClient &player) {
        player.send(Frames::quizStart());
        for (;;) {
            const QJsonObject question = player.waitForNext(u"quiz_question"_s);
            if (question.isEmpty()) {
                return false;
            }
            player.send(Frames::quizAnswer(question.value("n"_L1).toInteger(), 0));
            player.waitForNext(u"quiz_result"_s);
            if (question.value("n"_L1).toInt() == question.value("total"_L1).toInt()) {
                return player.waitForFrames(u"quiz_finished"_s, 1);
            }
        }
    };
    auto alice = registerAccount(u"alice"_s, u"alice's password"_s);
    auto guest = hello(helloFrame(u"gus"_s));
    QVERIFY(alice && guest);
    QVERIFY(playQuiz(*alice));
    QVERIFY(playQuiz(*guest));
    guest->send(Frames::leaderboardRequest());
    QJsonArray entries = guest->waitForNext(u"leaderboard"_s).value("entries"_L1).toArray();
    QCOMPARE(entries.size(), 2);
    for (const QJsonValue &entry : entries) {
        const bool isGuest = entry.toObject().value("name"_L1).toString() == "gus"_L1;
        QCOMPARE(entry.toObject().value("guest"_L1).toBool(), isGuest);
    }

    QVERIFY(startServer(config));
    auto bob = hello(helloFrame(u"bob"_s));
    QVERIFY(bob);
    bob->send(Frames::leaderboardRequest());
    entries = bob->waitForNext(u"leaderboard"_s).value("entries"_L1).toArray();
    QCOMPARE(entries.size(), 1);
    QCOMPARE(entries[0].toObject().value("name"_L1).toString(), u"alice"_s);
}

void tst_Accounts::databaseHoldsNoSecret()
{
    if (qEnvironmentVariable("NATTER_TEST_STORE") == "postgres"_L1) {
        QSKIP("reads SQLite's files; tst_messagestore checks a PostgreSQL database's contents");
    }
    const QString password = u"correct horse battery staple"_s;
    QVERIFY(startServer());
    auto alice = registerAccount(u"alice"_s, password);
    QVERIFY(alice);
    const QString registeredToken = alice->lastOfType(u"registered"_s).value("token"_L1).toString();
    auto again = hello(helloFrame(u"alice"_s, password));
    QVERIFY(again);
    const QString welcomeToken = again->lastOfType(u"welcome"_s).value("token"_L1).toString();
    QCOMPARE(welcomeToken.size(), 43);
    m_server.reset(); // everything written, the WAL checkpointed into the file

    QByteArray bytes;
    for (const QString &name : QDir(m_dir->path()).entryList(QDir::Files)) {
        QFile file(m_dir->filePath(name));
        QVERIFY(file.open(QIODevice::ReadOnly));
        bytes += file.readAll();
    }
    QVERIFY(bytes.contains("$argon2id$")); // the hash is there ...
    for (const QString &secret : {password, registeredToken, welcomeToken}) {
        QVERIFY2(!bytes.contains(secret.toUtf8()), qPrintable(secret)); // ... no secret is
    }
}

void tst_Accounts::plainTextSignIn()
{
    QVERIFY(startServer());
    TextClient person;
    QVERIFY(person.connectTo(m_server->serverPort()));
    person.type(u"alice"_s);
    QVERIFY(!person.waitForLine(u"Welcome, alice"_s).isEmpty());
    person.type(u"/register short"_s);
    QVERIFY(!person.waitForLine(u"at least 8 characters"_s).isEmpty());
    person.type(u"/register a long password"_s);
    QVERIFY(!person.waitForLine(u"is now your account"_s).isEmpty());
    person.type(u"/quit"_s);
    QVERIFY(person.waitForDisconnected());
    QTRY_COMPARE(m_server->room().userCount(), 0);

    TextClient back;
    QVERIFY(back.connectTo(m_server->serverPort()));
    back.type(u"alice"_s);
    QVERIFY(!back.waitForLine(u"Password:"_s).isEmpty());
    back.type(u"not it"_s);
    QVERIFY(!back.waitForLine(u"wrong name, password or token"_s).isEmpty());
    QVERIFY(!back.waitForLine(u"What is your name?"_s).isEmpty());
    back.type(u"alice"_s);
    QVERIFY(!back.waitForLine(u"Password:"_s).isEmpty());
    back.type(u"a long password"_s);
    QVERIFY(!back.waitForLine(u"Welcome, alice"_s).isEmpty());
    back.type(u"/password a long password"_s);
    QVERIFY(!back.waitForLine(u"usage: /password OLD NEW"_s).isEmpty());
    back.type(u"/password a"_s);
    QVERIFY(!back.waitForLine(u"usage: /password OLD NEW"_s).isEmpty());
    back.type(u"/logout"_s);
    QVERIFY(!back.waitForLine(u"Bye! (logout)"_s).isEmpty());
    QVERIFY(back.waitForDisconnected());
    for (const QString &line : back.lines()) {
        QVERIFY2(!line.contains(u"a long password"_s), qPrintable(line)); // never echoed
    }
}

void tst_Accounts::passwordPromptExtendsTheHelloTimeOnce()
{
    // Being asked for a password gives a person the hello time again, but asking again and
    // again must not keep a connection that never signs in.
    ServerConfig config;
    config.helloTimeoutMs = 1500;
    QVERIFY(startServer(config));
    QVERIFY(registerAccount(u"alice"_s, u"alice's password"_s));
    TextClient person;
    QVERIFY(person.connectTo(m_server->serverPort()));
    QElapsedTimer bound;
    bound.start();
    while (person.socket().state() == QAbstractSocket::ConnectedState && bound.elapsed() < 15000) {
        person.type(u"alice"_s);
        person.waitForLine(u"Password:"_s, 2000);
        person.type(u"not the password"_s);
        person.waitForLine(u"What is your name?"_s, 2000);
    }
    QVERIFY(person.waitForDisconnected());
    QVERIFY(person.lines().join(u'\n').contains(u"no hello within"_s));
}

QTEST_GUILESS_MAIN(tst_Accounts)
#include "tst_accounts.moc"

#include "chatserver.h"
#include "frames.h"
#include "messagestore.h"
#include "testclient.h"
#include "testserver.h"
#include "textclient.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>

using namespace Qt::StringLiterals;

// Moderation through a real server on loopback, its database in a real SQLite file (or
// PostgreSQL): who may do what, kicks that close every connection of an account, bans of
// accounts and subnets that end by themselves, mutes, announcements, the greeting, roles given
// from the real natter-server binary beside the running server, and room owners' kicks and bans.
// Bans end on the server's BanList clock, which the suite moves instead of waiting.
class tst_Moderation : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void peopleWithoutARoleAreRefusedEveryCommand();
    void grantFromTheCommandLineBesideARunningServer();
    void kickClosesEveryConnectionOfTheAccount();
    void timedBanRefusesSignInAndEnds();
    void moderatorsBanForAWeekAtMost();
    void addressBanBySubnet();
    void badAddresses_data();
    void badAddresses();
    void muteRefusesSayAndDmAndEnds();
    void announceReachesEveryRoom();
    void motdShowsInTheNextWelcomeAndSurvivesARestart();
    void roomOwnersKickAndBanInTheirRooms();
    void guestsAreKickedNotBannedByName();
    void rolesAndTheirLimits();
    void badInputGetsAClearError();
    void aBanWrittenElsewhereIsHonouredAtSignIn();
    void plainTextSlashCommands();

private:
    ChatServer *start();
    // A guest called name, connected from source (127.0.0.1 unless given); null if refused.
    std::unique_ptr<TestClient> guest(
        const QString &name, const QHostAddress &source = QHostAddress::LocalHost);
    // An account registered as name (its token kept for signIn); null if that failed.
    std::unique_ptr<TestClient> account(const QString &name);
    // Another connection of the account, with its token; the client, welcomed or refused.
    std::unique_ptr<TestClient> signIn(const QString &name);
    // The role, written in the database beside the server as another program would.
    bool grant(const QString &name, Protocol::Role role);
    // Sends frame and returns the error that answers it.
    static QJsonObject refusal(TestClient &client, const QJsonObject &frame);
    // Sends frame and returns the notice that acknowledges it (kind, if given).
    static QJsonObject notice(TestClient &client, const QJsonObject &frame);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ChatServer> m_server;
    QHash<QString, QString> m_tokens;
    std::atomic<qint64> m_skewMs{0}; // how far the server's ban clock is ahead of the real one
};

namespace {

constexpr qint64 Minute = 60 * 1000;

QString text(const QJsonObject &frame)
{
    return frame.value("text"_L1).toString();
}

QString field(const QJsonObject &frame, QLatin1StringView name)
{
    return frame.value(name).toString();
}

std::unique_ptr<TestClient> connectFrom(quint16 port, const QHostAddress &source)
{
    auto client = std::make_unique<TestClient>();
    if (source != QHostAddress::LocalHost
        && !client->socket().bind(source, 0, QAbstractSocket::DefaultForPlatform)) {
        qWarning() << "cannot bind to" << source;
        return nullptr;
    }
    return client->connectTo(port) ? std::move(client) : nullptr;
}

} // namespace

void tst_Moderation::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_tokens.clear();
    m_skewMs = 0;
}

void tst_Moderation::cleanup()
{
    m_server.reset();
}

ChatServer *tst_Moderation::start()
{
    m_server.reset();
    m_server = startTestServer(*m_dir, {});
    if (m_server) {
        m_server->bans().setClock(
            [this] { return QDateTime::currentMSecsSinceEpoch() + m_skewMs.load(); });
    }
    return m_server.get();
}

std::unique_ptr<TestClient> tst_Moderation::guest(const QString &name, const QHostAddress &source)
{
    auto client = connectFrom(m_server->serverPort(), source);
    if (!client) {
        return nullptr;
    }
    client->send(Frames::hello(name));
    if (!QTest::qWaitFor([&] {
            return client->countOfType(u"welcome"_s) + client->countOfType(u"error"_s) > 0;
        })) {
        return nullptr;
    }
    return client->countOfType(u"welcome"_s) == 1 ? std::move(client) : nullptr;
}

std::unique_ptr<TestClient> tst_Moderation::account(const QString &name)
{
    auto client = guest(name);
    if (!client) {
        return nullptr;
    }
    client->send(Frames::registerRequest(name + u" password"_s));
    const QJsonObject registered = client->waitForNext(u"registered"_s);
    if (registered.isEmpty()) {
        return nullptr;
    }
    m_tokens.insert(name, field(registered, "token"_L1));
    return client;
}

std::unique_ptr<TestClient> tst_Moderation::signIn(const QString &name)
{
    auto client = std::make_unique<TestClient>();
    if (!client->connectTo(m_server->serverPort())) {
        return nullptr;
    }
    client->send(Frames::helloWithToken(m_tokens.value(name)));
    const bool answered = QTest::qWaitFor(
        [&] { return client->countOfType(u"welcome"_s) + client->countOfType(u"error"_s) > 0; });
    if (!answered) {
        qWarning() << "no answer to a sign-in as" << name;
    }
    return client;
}

bool tst_Moderation::grant(const QString &name, Protocol::Role role)
{
    // Shared, as natter-server --grant opens it: the server keeps the file meanwhile.
    auto opened = MessageStore::open({testDatabase(*m_dir), false, 0, false});
    if (const auto *error = std::get_if<QString>(&opened)) {
        qWarning().noquote() << *error;
        return false;
    }
    MessageStore &store = *std::get<std::unique_ptr<MessageStore>>(opened);
    const auto found = store.accounts().account(name);
    return found && store.accounts().setRole(found->id, role);
}

namespace {

// The first frame of that type to arrive after frame was sent (one already there is not it).
QJsonObject firstAfter(TestClient &client, const QJsonObject &frame, const QString &type)
{
    const qsizetype sent = client.frames().size();
    client.send(frame);
    QJsonObject found;
    const bool arrived = QTest::qWaitFor([&] {
        for (qsizetype i = sent; i < client.frames().size(); ++i) {
            if (client.frames().at(i).value("type"_L1).toString() == type) {
                found = client.frames().at(i);
                return true;
            }
        }
        return false;
    });
    if (!arrived) {
        qWarning() << "no" << type << "came";
    }
    return found;
}

} // namespace

QJsonObject tst_Moderation::refusal(TestClient &client, const QJsonObject &frame)
{
    return firstAfter(client, frame, u"error"_s);
}

QJsonObject tst_Moderation::notice(TestClient &client, const QJsonObject &frame)
{
    return firstAfter(client, frame, u"notice"_s);
}

void tst_Moderation::peopleWithoutARoleAreRefusedEveryCommand()
{
    QVERIFY(start());
    auto bob = account(u"bob"_s);
    auto carol = account(u"carol"_s);
    auto dave = guest(u"dave"_s);
    QVERIFY(bob && carol && dave);
    carol->send(Frames::create(u"dev"_s, false));
    QVERIFY(carol->waitForFrames(u"room"_s, 1));
    const QList<QJsonObject> frames{Frames::kick(u"carol"_s), Frames::ban(u"carol"_s, 5),
        Frames::banAddress(u"203.0.113.0/24"_s), Frames::unban(u"carol"_s),
        Frames::unbanAddress(u"203.0.113.0/24"_s), Frames::mute(u"carol"_s, 5),
        Frames::unmute(u"carol"_s), Frames::announce(u"hear me"_s), Frames::motd(u"mine"_s),
        Frames::grant(u"bob"_s, u"owner"_s), Frames::grant(u"carol"_s, u"moderator"_s),
        Frames::bansRequest(), Frames::kick(u"carol"_s, {}, u"dev"_s),
        Frames::ban(u"carol"_s, -1, {}, u"dev"_s), Frames::unban(u"carol"_s, u"dev"_s)};
    for (TestClient *who : {bob.get(), dave.get()}) {
        for (const QJsonObject &frame : frames) {
            const QJsonObject error = refusal(*who, frame);
            QVERIFY2(field(error, "code"_L1) == "not_allowed"_L1,
                qPrintable(QString::fromUtf8(QJsonDocument(frame).toJson(QJsonDocument::Compact))
                    + u" -> "_s + text(error) + field(error, "message"_L1)));
            QVERIFY(!field(error, "message"_L1).isEmpty());
        }
    }
    // Nothing happened: carol is online, in her room, and may talk.
    QVERIFY(carol->isConnected());
    carol->send(Frames::sayIn(u"dev"_s, u"still here"_s));
    QVERIFY(carol->waitForFrames(u"message"_s, 1));
    QCOMPARE(carol->countOfType(u"notice"_s), 0);
}

void tst_Moderation::grantFromTheCommandLineBesideARunningServer()
{
    QVERIFY(start());
    auto alice = account(u"alice"_s);
    auto bob = guest(u"bob"_s);
    QVERIFY(alice && bob);
    QVERIFY(!alice->lastOfType(u"welcome"_s).contains("role"_L1));
    QCOMPARE(field(refusal(*alice, Frames::announce(u"hello"_s)), "code"_L1), u"not_allowed"_s);

    const auto run = [this](const QStringList &arguments) {
        QProcess process;
        process.start(QStringLiteral(NATTER_SERVER_BINARY),
            arguments + QStringList{u"--db"_s, testDatabase(*m_dir)});
        if (!process.waitForFinished(20000)) {
            process.kill();
            process.waitForFinished();
        }
        return std::tuple(process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError()));
    };
    // While the server runs on the same database.
    auto [code, out, err] = run({u"--grant"_s, u"admin"_s, u"alice"_s});
    QVERIFY2(code == 0, qPrintable(err));
    QVERIFY2(out.startsWith(u"alice is an admin now (was: none)"_s), qPrintable(out));
    // The running server reads it with her next request: no need to sign in again.
    alice->send(Frames::announce(u"hello"_s));
    QCOMPARE(text(bob->waitForNext(u"notice"_s)), u"hello"_s);
    // And her next sign-in is told.
    auto again = signIn(u"alice"_s);
    QCOMPARE(field(again->lastOfType(u"welcome"_s), "role"_L1), u"admin"_s);

    std::tie(code, out, err) = run({u"--grant"_s, u"admin"_s, u"alice"_s});
    QCOMPARE(code, 0);
    QVERIFY2(out.contains(u"already"_s), qPrintable(out));
    std::tie(code, out, err) = run({u"--grant"_s, u"boss"_s, u"alice"_s});
    QCOMPARE(code, 1);
    QVERIFY2(err.contains(u"there is no role \"boss\""_s), qPrintable(err));
    std::tie(code, out, err) = run({u"--grant"_s, u"admin"_s, u"bob"_s}); // a guest
    QCOMPARE(code, 1);
    QVERIFY2(err.contains(u"no account is called bob"_s), qPrintable(err));
    QVERIFY(out.isEmpty());
    std::tie(code, out, err) = run({u"--grant"_s, u"none"_s, u"alice"_s});
    QCOMPARE(code, 0);
    QVERIFY2(out.contains(u"alice is without a role now (was: admin)"_s), qPrintable(out));
    QCOMPARE(field(refusal(*alice, Frames::announce(u"again"_s)), "code"_L1), u"not_allowed"_s);
}

void tst_Moderation::kickClosesEveryConnectionOfTheAccount()
{
    QVERIFY(start());
    auto alice = account(u"alice"_s);
    auto bob = account(u"bob"_s);
    auto carol = guest(u"carol"_s);
    QVERIFY(alice && bob && carol);
    auto bobElsewhere = signIn(u"bob"_s);
    QVERIFY(bobElsewhere->waitForFrames(u"welcome"_s, 1));
    QVERIFY(grant(u"alice"_s, Protocol::Role::Admin));

    alice->send(Frames::kick(u"bob"_s, u"spamming"_s));
    for (TestClient *connection : {bob.get(), bobElsewhere.get()}) {
        const QJsonObject personal = connection->waitForNext(u"notice"_s);
        QCOMPARE(field(personal, "kind"_L1), u"kick"_s);
        QCOMPARE(field(personal, "by"_L1), u"alice"_s);
        QCOMPARE(field(personal, "reason"_L1), u"spamming"_s);
        QVERIFY2(text(personal).contains(u"alice"_s) && text(personal).contains(u"spamming"_s),
            qPrintable(text(personal)));
        QCOMPARE(field(connection->waitForNext(u"bye"_s), "reason"_L1), u"kicked"_s);
        QVERIFY(connection->waitForDisconnected());
    }
    // The room hears of it, then sees bob go; alice, in the room, is told once.
    const QJsonObject seen = carol->waitForNext(u"notice"_s);
    QCOMPARE(field(seen, "kind"_L1), u"kick"_s);
    QCOMPARE(field(seen, "name"_L1), u"bob"_s);
    QCOMPARE(field(seen, "room"_L1), u"general"_s);
    QCOMPARE(text(seen), u"bob was kicked by alice: spamming"_s);
    const QJsonObject left = carol->waitForNext(u"left"_s);
    QCOMPARE(field(left, "name"_L1), u"bob"_s);
    QCOMPARE(field(left, "reason"_L1), u"kicked"_s);
    QVERIFY(alice->waitForFrames(u"left"_s, 1));
    QCOMPARE(alice->countOfType(u"notice"_s), 1);
    // A kick is no ban: bob comes back.
    auto back = signIn(u"bob"_s);
    QCOMPARE(back->countOfType(u"welcome"_s), 1);
    // Someone not online cannot be kicked.
    back->send(Frames::quit());
    QTRY_VERIFY(!m_server->room().users().contains(u"bob"_s));
    QCOMPARE(field(refusal(*alice, Frames::kick(u"bob"_s)), "code"_L1), u"no_such_user"_s);
}

void tst_Moderation::timedBanRefusesSignInAndEnds()
{
    QVERIFY(start());
    auto alice = account(u"alice"_s);
    auto bob = account(u"bob"_s);
    QVERIFY(alice && bob);
    QVERIFY(grant(u"alice"_s, Protocol::Role::Admin));

    alice->send(Frames::ban(u"bob"_s, 10, u"cool off"_s));
    const QJsonObject personal = bob->waitForNext(u"notice"_s);
    QCOMPARE(field(personal, "kind"_L1), u"ban"_s);
    QVERIFY(personal.contains("until"_L1));
    QCOMPARE(field(bob->waitForNext(u"bye"_s), "reason"_L1), u"banned"_s);
    QVERIFY(bob->waitForDisconnected());
    QCOMPARE(field(alice->waitForNext(u"notice"_s), "kind"_L1), u"ban"_s);

    // Refused at sign-in, with the reason and the end; the connection may try someone else.
    auto refused = signIn(u"bob"_s);
    const QJsonObject error = refused->waitForNext(u"error"_s);
    QCOMPARE(field(error, "code"_L1), u"banned"_s);
    QCOMPARE(field(error, "reason"_L1), u"cool off"_s);
    QCOMPARE(field(error, "by"_L1), u"alice"_s);
    const QDateTime until = QDateTime::fromString(field(error, "until"_L1), Qt::ISODateWithMs);
    QVERIFY(until.isValid());
    const qint64 left = until.toMSecsSinceEpoch() - QDateTime::currentMSecsSinceEpoch();
    QVERIFY2(left > 9 * Minute && left <= 10 * Minute, qPrintable(QString::number(left)));
    QVERIFY2(field(error, "message"_L1).contains(u"cool off"_s), qPrintable(text(error)));
    QVERIFY(refused->isConnected());
    QCOMPARE(refused->countOfType(u"welcome"_s), 0);
    // By password as well (a password that proves nothing else is no key to a ban).
    auto byPassword = std::make_unique<TestClient>();
    QVERIFY(byPassword->connectTo(m_server->serverPort()));
    byPassword->send(Frames::helloWithPassword(u"bob"_s, u"bob password"_s));
    QCOMPARE(field(byPassword->waitForNext(u"error"_s), "code"_L1), u"banned"_s);

    // Ten minutes later it has ended by itself.
    m_skewMs = 10 * Minute + 1000;
    auto free = signIn(u"bob"_s);
    QCOMPARE(free->countOfType(u"welcome"_s), 1);
    QCOMPARE(field(refusal(*alice, Frames::unban(u"bob"_s)), "code"_L1), u"not_banned"_s);
}

void tst_Moderation::moderatorsBanForAWeekAtMost()
{
    QVERIFY(start());
    auto mo = account(u"mo"_s);
    auto bob = account(u"bob"_s);
    QVERIFY(mo && bob);
    QVERIFY(grant(u"mo"_s, Protocol::Role::Moderator));
    QCOMPARE(field(refusal(*mo, Frames::ban(u"bob"_s)), "code"_L1), u"not_allowed"_s);
    QCOMPARE(
        field(refusal(*mo, Frames::ban(u"bob"_s, 7 * 24 * 60 + 1)), "code"_L1), u"not_allowed"_s);
    QCOMPARE(field(refusal(*mo, Frames::banAddress(u"203.0.113.0/24"_s, 5)), "code"_L1),
        u"not_allowed"_s);
    QCOMPARE(field(notice(*mo, Frames::ban(u"bob"_s, 7 * 24 * 60)), "kind"_L1), u"ban"_s);
    QCOMPARE(field(bob->waitForNext(u"bye"_s), "reason"_L1), u"banned"_s);
    // A moderator lifts it too.
    const QJsonObject lifted = notice(*mo, Frames::unban(u"bob"_s));
    QCOMPARE(field(lifted, "kind"_L1), u"unban"_s);
    QCOMPARE(signIn(u"bob"_s)->countOfType(u"welcome"_s), 1);
}

void tst_Moderation::addressBanBySubnet()
{
    QVERIFY(start());
    // The admin comes from elsewhere than the subnet it bans.
    const QHostAddress elsewhere(u"127.0.1.1"_s);
    auto alice = connectFrom(m_server->serverPort(), elsewhere);
    QVERIFY(alice);
    alice->send(Frames::hello(u"alice"_s));
    QVERIFY(alice->waitForFrames(u"welcome"_s, 1));
    alice->send(Frames::registerRequest(u"alice password"_s));
    QVERIFY(alice->waitForFrames(u"registered"_s, 1));
    QVERIFY(grant(u"alice"_s, Protocol::Role::Admin));
    auto bob = guest(u"bob"_s); // from 127.0.0.1
    QVERIFY(bob);

    // Her own address is not hers to ban.
    QCOMPARE(
        field(refusal(*alice, Frames::banAddress(u"127.0.1.0/24"_s)), "code"_L1), u"not_allowed"_s);

    const QJsonObject banned = notice(*alice, Frames::banAddress(u"127.0.0.0/24"_s, 60, u"bots"_s));
    QCOMPARE(field(banned, "address"_L1), u"127.0.0.0/24"_s);
    QVERIFY2(text(banned).contains(u"(1 connection closed)"_s), qPrintable(text(banned)));
    // Who is connected from it goes.
    QCOMPARE(field(bob->waitForNext(u"notice"_s), "address"_L1), u"127.0.0.0/24"_s);
    QCOMPARE(field(bob->waitForNext(u"bye"_s), "reason"_L1), u"banned"_s);
    QVERIFY(bob->waitForDisconnected());

    // Who connects from it is refused at once, before any hello.
    auto stranger = connectFrom(m_server->serverPort(), QHostAddress(u"127.0.0.2"_s));
    QVERIFY(stranger);
    const QJsonObject error = stranger->waitForNext(u"error"_s);
    QCOMPARE(field(error, "code"_L1), u"banned"_s);
    QCOMPARE(field(error, "address"_L1), u"127.0.0.0/24"_s);
    QCOMPARE(field(error, "reason"_L1), u"bots"_s);
    QCOMPARE(field(stranger->waitForNext(u"bye"_s), "reason"_L1), u"banned"_s);
    QVERIFY(stranger->waitForDisconnected());
    // Next door is welcome.
    QVERIFY(guest(u"carol"_s, QHostAddress(u"127.0.1.2"_s)));

    // IPv6 subnets are banned (and listed) the same way.
    QCOMPARE(field(notice(*alice, Frames::banAddress(u"2001:DB8::1/32"_s)), "address"_L1),
        u"2001:db8::/32"_s);
    const QJsonObject list = [&] {
        alice->send(Frames::bansRequest());
        return alice->waitForNext(u"bans"_s);
    }();
    QStringList addresses;
    for (const QJsonValue &entry : list.value("bans"_L1).toArray()) {
        QCOMPARE(field(entry.toObject(), "kind"_L1), u"address"_s);
        addresses.append(field(entry.toObject(), "address"_L1));
    }
    QCOMPARE(addresses, (QStringList{u"127.0.0.0/24"_s, u"2001:db8::/32"_s}));

    // Lifted, the subnet may come back.
    QCOMPARE(field(notice(*alice, Frames::unbanAddress(u"127.0.0.0/24"_s)), "kind"_L1), u"unban"_s);
    QVERIFY(guest(u"dave"_s, QHostAddress(u"127.0.0.2"_s)));
    QCOMPARE(field(refusal(*alice, Frames::unbanAddress(u"127.0.0.0/24"_s)), "code"_L1),
        u"not_banned"_s);
}

void tst_Moderation::badAddresses_data()
{
    QTest::addColumn<QString>("address");
    QTest::newRow("prefix too long") << u"127.0.0.0/33"_s;
    QTest::newRow("negative prefix") << u"127.0.0.0/-1"_s;
    QTest::newRow("netmask") << u"127.0.0.0/255.255.255.0"_s;
    QTest::newRow("not an address") << u"banana"_s;
    QTest::newRow("octet too big") << u"300.1.2.3"_s;
    QTest::newRow("two slashes") << u"10.0.0.0/8/8"_s;
    QTest::newRow("empty prefix") << u"10.0.0.0/"_s;
    QTest::newRow("IPv6 prefix too long") << u"2001:db8::/129"_s;
    QTest::newRow("half the internet") << u"10.0.0.0/1"_s;
    QTest::newRow("all of IPv6") << u"::/0"_s;
    QTest::newRow("empty") << QString();
}

void tst_Moderation::badAddresses()
{
    QFETCH(QString, address);
    QVERIFY(start());
    auto alice = account(u"alice"_s);
    QVERIFY(alice);
    QVERIFY(grant(u"alice"_s, Protocol::Role::Owner));
    const QJsonObject error = refusal(*alice, Frames::banAddress(address));
    QCOMPARE(field(error, "code"_L1), u"bad_address"_s);
    QVERIFY(!field(error, "message"_L1).isEmpty());
}

void tst_Moderation::muteRefusesSayAndDmAndEnds()
{
    QVERIFY(start());
    auto alice = account(u"alice"_s);
    auto bob = account(u"bob"_s);
    auto carol = guest(u"carol"_s);
    QVERIFY(alice && bob && carol);
    QVERIFY(grant(u"alice"_s, Protocol::Role::Moderator));

    const QJsonObject muted = notice(*alice, Frames::mute(u"bob"_s, 5, u"shouting"_s));
    QCOMPARE(field(muted, "kind"_L1), u"mute"_s);
    const QJsonObject told = bob->waitForNext(u"notice"_s);
    QCOMPARE(field(told, "kind"_L1), u"mute"_s);
    QCOMPARE(field(told, "reason"_L1), u"shouting"_s);
    QVERIFY(told.contains("until"_L1));

    QJsonObject error = refusal(*bob, Frames::say(u"LOUD"_s, u"c1"_s));
    QCOMPARE(field(error, "code"_L1), u"muted"_s);
    QCOMPARE(field(error, "cid"_L1), u"c1"_s);
    QVERIFY(error.contains("until"_L1));
    error = refusal(*bob, Frames::dm(u"carol"_s, u"psst"_s, u"c2"_s));
    QCOMPARE(field(error, "code"_L1), u"muted"_s);
    QCOMPARE(carol->countOfType(u"message"_s) + carol->countOfType(u"dm"_s), 0);

    // Five minutes later it has ended by itself.
    m_skewMs = 5 * Minute + 1000;
    bob->send(Frames::say(u"calmly"_s));
    QCOMPARE(text(carol->waitForNext(u"message"_s)), u"calmly"_s);

    // A moderator's mute is timed: for good, or lifting one that long, is for admins.
    QCOMPARE(field(refusal(*alice, Frames::mute(u"bob"_s)), "code"_L1), u"not_allowed"_s);
    QVERIFY(grant(u"alice"_s, Protocol::Role::Admin));
    notice(*alice, Frames::mute(u"bob"_s));
    QVERIFY(grant(u"alice"_s, Protocol::Role::Moderator));
    QCOMPARE(field(refusal(*alice, Frames::unmute(u"bob"_s)), "code"_L1), u"not_allowed"_s);
    QVERIFY(grant(u"alice"_s, Protocol::Role::Admin));

    // For good, until lifted; a guest is muted too.
    QVERIFY(!bob->waitForNext(u"notice"_s).contains("until"_L1));
    notice(*alice, Frames::mute(u"carol"_s, 1));
    QCOMPARE(field(refusal(*bob, Frames::say(u"x"_s)), "code"_L1), u"muted"_s);
    QCOMPARE(field(refusal(*carol, Frames::say(u"x"_s)), "code"_L1), u"muted"_s);
    m_skewMs = 60 * Minute;
    QCOMPARE(field(refusal(*bob, Frames::say(u"x"_s)), "code"_L1), u"muted"_s);
    QCOMPARE(field(notice(*alice, Frames::unmute(u"bob"_s)), "kind"_L1), u"unmute"_s);
    QCOMPARE(field(bob->waitForNext(u"notice"_s), "kind"_L1), u"unmute"_s);
    bob->send(Frames::say(u"thanks"_s));
    QVERIFY(carol->waitForFrames(u"message"_s, 2));
    QCOMPARE(field(refusal(*alice, Frames::unmute(u"bob"_s)), "code"_L1), u"not_banned"_s);
}

void tst_Moderation::announceReachesEveryRoom()
{
    QVERIFY(start());
    auto alice = account(u"alice"_s);
    auto bob = guest(u"bob"_s);
    auto carol = guest(u"carol"_s);
    auto text = std::make_unique<TextClient>();
    QVERIFY(alice && bob && carol);
    QVERIFY(text->connectTo(m_server->serverPort()));
    text->type(u"dave"_s);
    QVERIFY(!text->waitForLine(u"Welcome, dave"_s).isEmpty());
    QVERIFY(grant(u"alice"_s, Protocol::Role::Admin));
    // carol is in dev alone, bob in general and dev, alice in general.
    carol->send(Frames::join(u"dev"_s));
    bob->send(Frames::join(u"dev"_s));
    QVERIFY(carol->waitForFrames(u"room"_s, 1) && bob->waitForFrames(u"room"_s, 1));
    carol->send(Frames::part(u"general"_s));
    QVERIFY(carol->waitForFrames(u"left"_s, 1));

    alice->send(Frames::announce(u"restart at noon"_s));
    for (TestClient *client : {alice.get(), bob.get(), carol.get()}) {
        const QJsonObject announced = client->waitForNext(u"notice"_s);
        QCOMPARE(field(announced, "kind"_L1), u"announce"_s);
        QCOMPARE(field(announced, "text"_L1), u"restart at noon"_s);
        QCOMPARE(field(announced, "by"_L1), u"alice"_s);
        QVERIFY(!announced.contains("room"_L1));
    }
    QVERIFY(!text->waitForLine(u"*** alice announces: restart at noon"_s).isEmpty());
    // Once each, whatever the rooms.
    bob->send(Frames::ping());
    QVERIFY(bob->waitForFrames(u"pong"_s, 1));
    QCOMPARE(bob->countOfType(u"notice"_s), 1);
}

void tst_Moderation::motdShowsInTheNextWelcomeAndSurvivesARestart()
{
    QVERIFY(start());
    auto alice = account(u"alice"_s);
    QVERIFY(alice);
    QVERIFY(grant(u"alice"_s, Protocol::Role::Admin));
    const QString standard = field(alice->lastOfType(u"welcome"_s), "motd"_L1);
    QCOMPARE(standard, ServerConfig().motd.replace(u"{name}"_s, u"alice"_s));

    QCOMPARE(field(notice(*alice, Frames::motd(u"Be kind, {name}."_s)), "kind"_L1), u"motd"_s);
    auto bob = guest(u"bob"_s);
    QVERIFY(bob);
    QCOMPARE(field(bob->lastOfType(u"welcome"_s), "motd"_L1), u"Be kind, bob."_s);

    // Kept in the database: a restart greets the same way, over --motd.
    alice.reset();
    bob.reset();
    QVERIFY(start());
    auto carol = guest(u"carol"_s);
    QVERIFY(carol);
    QCOMPARE(field(carol->lastOfType(u"welcome"_s), "motd"_L1), u"Be kind, carol."_s);

    // A reload of the configuration changes --motd, which the greeting set here still wins over.
    ServerConfig reloaded = m_server->config();
    reloaded.motd = u"Reloaded, {name}."_s;
    m_server->reload(reloaded);
    auto erin = guest(u"erin"_s);
    QVERIFY(erin);
    QCOMPARE(field(erin->lastOfType(u"welcome"_s), "motd"_L1), u"Be kind, erin."_s);

    // Set empty, the server's own greeting is back.
    alice = signIn(u"alice"_s);
    QCOMPARE(field(notice(*alice, Frames::motd({})), "kind"_L1), u"motd"_s);
    auto dave = guest(u"dave"_s);
    QVERIFY(dave);
    QCOMPARE(field(dave->lastOfType(u"welcome"_s), "motd"_L1), u"Reloaded, dave."_s);
}

void tst_Moderation::roomOwnersKickAndBanInTheirRooms()
{
    QVERIFY(start());
    auto bob = account(u"bob"_s);
    auto carol = account(u"carol"_s);
    auto dave = guest(u"dave"_s);
    auto alice = account(u"alice"_s);
    QVERIFY(bob && carol && dave && alice);
    QVERIFY(grant(u"alice"_s, Protocol::Role::Admin));
    bob->send(Frames::create(u"dev"_s, false));
    QVERIFY(bob->waitForFrames(u"room"_s, 1));
    for (TestClient *client : {carol.get(), dave.get()}) {
        client->send(Frames::join(u"dev"_s));
        QVERIFY(client->waitForFrames(u"room"_s, 1));
    }

    // A part forced on carol, with the reason; she stays online, in general.
    bob->send(Frames::kick(u"carol"_s, u"off topic"_s, u"dev"_s));
    const QJsonObject out = carol->waitForNext(u"left"_s);
    QCOMPARE(field(out, "room"_L1), u"dev"_s);
    QCOMPARE(field(out, "reason"_L1), u"kicked"_s);
    const QJsonObject told = carol->waitForNext(u"notice"_s);
    QCOMPARE(field(told, "room"_L1), u"dev"_s);
    QCOMPARE(field(told, "reason"_L1), u"off topic"_s);
    QCOMPARE(field(told, "by"_L1), u"bob"_s);
    QVERIFY(carol->isConnected());
    // The room sees it.
    QCOMPARE(field(dave->waitForNext(u"notice"_s), "kind"_L1), u"kick"_s);
    QTRY_VERIFY(dave->framesOfType(u"left"_s).size() == 1);
    QCOMPARE(field(dave->lastOfType(u"left"_s), "reason"_L1), u"kicked"_s);
    bob->send(Frames::sayIn(u"dev"_s, u"carol cannot read this"_s));
    QVERIFY(dave->waitForFrames(u"message"_s, 1));
    QCOMPARE(carol->countOfType(u"message"_s), 0);

    // A kick is no ban: she comes back; a ban keeps her out.
    carol->send(Frames::join(u"dev"_s));
    QVERIFY(carol->waitForFrames(u"room"_s, 2));
    bob->send(Frames::ban(u"carol"_s, -1, u"again"_s, u"dev"_s));
    QCOMPARE(field(carol->waitForNext(u"left"_s), "reason"_L1), u"banned"_s);
    QJsonObject error = refusal(*carol, Frames::join(u"dev"_s));
    QCOMPARE(field(error, "code"_L1), u"banned"_s);
    QCOMPARE(field(error, "room"_L1), u"dev"_s);
    QCOMPARE(field(error, "reason"_L1), u"again"_s);
    // ... across her next sign-in too, where dev is not among her rooms.
    carol.reset();
    QTRY_VERIFY(!m_server->room().users().contains(u"carol"_s));
    carol = signIn(u"carol"_s);
    QVERIFY(carol->waitForFrames(u"welcome"_s, 1));
    QVERIFY(!QJsonDocument(carol->lastOfType(u"welcome"_s)).toJson().contains("\"dev\""));
    QCOMPARE(field(refusal(*carol, Frames::join(u"dev"_s)), "code"_L1), u"banned"_s);

    // Only the owner (or staff) decides, never against the owner.
    QCOMPARE(
        field(refusal(*dave, Frames::kick(u"bob"_s, {}, u"dev"_s)), "code"_L1), u"not_allowed"_s);
    QCOMPARE(
        field(refusal(*carol, Frames::kick(u"dave"_s, {}, u"dev"_s)), "code"_L1), u"not_allowed"_s);
    QCOMPARE(
        field(refusal(*alice, Frames::kick(u"bob"_s, {}, u"dev"_s)), "code"_L1), u"not_allowed"_s);
    QCOMPARE(
        field(refusal(*bob, Frames::kick(u"bob"_s, {}, u"dev"_s)), "code"_L1), u"not_allowed"_s);
    // ... nor against staff: the owner of a room has no say over an admin.
    alice->send(Frames::join(u"dev"_s));
    QVERIFY(alice->waitForFrames(u"room"_s, 1));
    QCOMPARE(
        field(refusal(*bob, Frames::kick(u"alice"_s, {}, u"dev"_s)), "code"_L1), u"not_allowed"_s);
    error = refusal(*bob, Frames::kick(u"nobody"_s, {}, u"dev"_s));
    QCOMPARE(field(error, "code"_L1), u"no_such_user"_s);
    error = refusal(*bob, Frames::kick(u"carol"_s, {}, u"nowhere"_s));
    QCOMPARE(field(error, "code"_L1), u"no_such_room"_s);
    QCOMPARE(field(error, "room"_L1), u"nowhere"_s);

    // Staff moderate any room; the owner lifts the ban.
    QCOMPARE(field(notice(*bob, Frames::unban(u"carol"_s, u"dev"_s)), "kind"_L1), u"unban"_s);
    carol->send(Frames::join(u"dev"_s));
    QVERIFY(carol->waitForFrames(u"room"_s, 1));
    alice->send(Frames::kick(u"dave"_s, u"admin's call"_s, u"dev"_s));
    QTRY_COMPARE(field(dave->lastOfType(u"left"_s), "name"_L1), u"dave"_s);
    QCOMPARE(field(dave->lastOfType(u"left"_s), "reason"_L1), u"kicked"_s);
}

void tst_Moderation::guestsAreKickedNotBannedByName()
{
    QVERIFY(start());
    auto alice = account(u"alice"_s);
    auto dave = guest(u"dave"_s);
    QVERIFY(alice && dave);
    QVERIFY(grant(u"alice"_s, Protocol::Role::Admin));
    const QJsonObject error = refusal(*alice, Frames::ban(u"dave"_s, 60));
    QCOMPARE(field(error, "code"_L1), u"no_such_account"_s);
    // An admin is told the address to ban instead.
    QVERIFY2(field(error, "message"_L1).contains(u"guest"_s)
            && field(error, "message"_L1).contains(u"127.0.0.1"_s),
        qPrintable(field(error, "message"_L1)));
    alice->send(Frames::kick(u"dave"_s, u"bye"_s));
    QCOMPARE(field(dave->waitForNext(u"bye"_s), "reason"_L1), u"kicked"_s);
    QVERIFY(dave->waitForDisconnected());
    QCOMPARE(field(refusal(*alice, Frames::ban(u"nobody"_s)), "code"_L1), u"no_such_account"_s);
    QCOMPARE(field(refusal(*alice, Frames::grant(u"nobody"_s, u"admin"_s)), "code"_L1),
        u"no_such_account"_s);
}

void tst_Moderation::rolesAndTheirLimits()
{
    QVERIFY(start());
    auto olive = account(u"olive"_s);
    auto alice = account(u"alice"_s);
    auto mo = account(u"mo"_s);
    auto bob = account(u"bob"_s);
    QVERIFY(olive && alice && mo && bob);
    QVERIFY(grant(u"olive"_s, Protocol::Role::Owner));

    // The owner makes an admin; she is told, and so is the owner.
    const QJsonObject granted = notice(*olive, Frames::grant(u"alice"_s, u"admin"_s));
    QCOMPARE(text(granted), u"alice is an admin now (was: none)"_s);
    const QJsonObject told = alice->waitForNext(u"notice"_s);
    QCOMPARE(field(told, "kind"_L1), u"grant"_s);
    QCOMPARE(field(told, "role"_L1), u"admin"_s);
    // An admin makes moderators, not admins, and cannot touch other admins or owners.
    QCOMPARE(field(notice(*alice, Frames::grant(u"mo"_s, u"moderator"_s)), "kind"_L1), u"grant"_s);
    QCOMPARE(
        field(refusal(*alice, Frames::grant(u"bob"_s, u"admin"_s)), "code"_L1), u"not_allowed"_s);
    QCOMPARE(
        field(refusal(*alice, Frames::grant(u"olive"_s, u"none"_s)), "code"_L1), u"not_allowed"_s);
    QCOMPARE(
        field(refusal(*alice, Frames::grant(u"alice"_s, u"owner"_s)), "code"_L1), u"not_allowed"_s);
    QCOMPARE(field(refusal(*alice, Frames::kick(u"olive"_s)), "code"_L1), u"not_allowed"_s);
    // A moderator acts on people without a role only.
    QCOMPARE(field(refusal(*mo, Frames::kick(u"alice"_s)), "code"_L1), u"not_allowed"_s);
    QCOMPARE(field(refusal(*mo, Frames::mute(u"alice"_s)), "code"_L1), u"not_allowed"_s);
    QCOMPARE(
        field(refusal(*mo, Frames::grant(u"bob"_s, u"moderator"_s)), "code"_L1), u"not_allowed"_s);
    QCOMPARE(field(refusal(*mo, Frames::announce(u"hi"_s)), "code"_L1), u"not_allowed"_s);
    QCOMPARE(field(notice(*mo, Frames::mute(u"bob"_s, 1)), "kind"_L1), u"mute"_s);
    // The owner takes a role away; the welcome tells the role.
    QCOMPARE(field(notice(*olive, Frames::grant(u"mo"_s, u"none"_s)), "kind"_L1), u"grant"_s);
    QCOMPARE(field(refusal(*mo, Frames::kick(u"bob"_s)), "code"_L1), u"not_allowed"_s);
    QCOMPARE(field(signIn(u"alice"_s)->lastOfType(u"welcome"_s), "role"_L1), u"admin"_s);
    QCOMPARE(field(signIn(u"olive"_s)->lastOfType(u"welcome"_s), "role"_L1), u"owner"_s);
    QVERIFY(!signIn(u"mo"_s)->lastOfType(u"welcome"_s).contains("role"_L1));
}

void tst_Moderation::badInputGetsAClearError()
{
    // One server for every case: each account costs a password hash.
    QVERIFY(start());
    auto olive = account(u"olive"_s);
    auto alice = account(u"alice"_s);
    auto bob = account(u"bob"_s);
    QVERIFY(olive && alice && bob);
    QVERIFY(grant(u"olive"_s, Protocol::Role::Owner));
    QVERIFY(grant(u"alice"_s, Protocol::Role::Admin));
    const auto check = [&](const char *what, const QJsonObject &frame, const QString &code) {
        const QJsonObject error = refusal(*alice, frame);
        QVERIFY2(field(error, "code"_L1) == code,
            qPrintable(u"%1: %2 (%3)"_s.arg(
                QLatin1StringView(what), field(error, "code"_L1), field(error, "message"_L1))));
        QVERIFY2(!field(error, "message"_L1).isEmpty(), what);
    };
    const auto with = [](QJsonObject frame, QLatin1StringView name, const QJsonValue &value) {
        frame.insert(name, value);
        return frame;
    };
    check("negative minutes", with(Frames::ban(u"bob"_s), "minutes"_L1, -10), u"bad_frame"_s);
    check("zero minutes", with(Frames::mute(u"bob"_s), "minutes"_L1, 0), u"bad_frame"_s);
    check("minutes in pieces", with(Frames::mute(u"bob"_s), "minutes"_L1, 2.5), u"bad_frame"_s);
    check("unknown role", Frames::grant(u"bob"_s, u"king"_s), u"bad_role"_s);
    check("a role in capitals", Frames::grant(u"bob"_s, u"Admin"_s), u"bad_role"_s);
    check("kick yourself", Frames::kick(u"alice"_s), u"not_allowed"_s);
    check("ban yourself", Frames::ban(u"alice"_s), u"not_allowed"_s);
    check("mute yourself", Frames::mute(u"alice"_s), u"not_allowed"_s);
    check("kick the owner", Frames::kick(u"olive"_s), u"not_allowed"_s);
    check("kick nobody", Frames::kick(u"nobody"_s), u"no_such_user"_s);
    check("mute nobody", Frames::mute(u"nobody"_s), u"no_such_user"_s);
    check("unban nobody", Frames::unban(u"nobody"_s), u"no_such_account"_s);
    check("unban who is not banned", Frames::unban(u"bob"_s), u"not_banned"_s);
    check("a bad name", Frames::kick(u"bob smith"_s), u"bad_name"_s);
    check("a control character in the reason", Frames::kick(u"bob"_s, u"beep\u0007"_s),
        u"bad_text"_s);
    check("a reason too long", Frames::kick(u"bob"_s, QString(Protocol::MaxReasonLength + 1, u'x')),
        u"text_too_long"_s);
    check("an empty announcement", Frames::announce(u"  "_s), u"bad_text"_s);
    check("a name and an address", with(Frames::ban(u"bob"_s), "address"_L1, u"203.0.113.7"_s),
        u"bad_frame"_s);
    check("no one to ban", QJsonObject{{"type"_L1, u"ban"_s}}, u"bad_frame"_s);
    check(
        "a room that does not exist", Frames::kick(u"bob"_s, {}, u"nowhere"_s), u"no_such_room"_s);
    check("a bad room", Frames::kick(u"bob"_s, {}, u"no where"_s), u"bad_room"_s);
    // Nothing else happened, and the connection goes on.
    QVERIFY(bob->isConnected() && alice->isConnected());
    alice->send(Frames::ping());
    QVERIFY(alice->waitForFrames(u"pong"_s, 1));
    QCOMPARE(bob->countOfType(u"notice"_s), 0);
}

void tst_Moderation::aBanWrittenElsewhereIsHonouredAtSignIn()
{
    // Another server of a cluster, sharing the database, banned bob: this server never heard of
    // it, and refuses him at sign-in all the same; a mute written there holds here from then on.
    QVERIFY(start());
    auto bob = account(u"bob"_s);
    QVERIFY(bob);
    bob.reset();
    QTRY_VERIFY(!m_server->room().users().contains(u"bob"_s));
    {
        auto opened = MessageStore::open({testDatabase(*m_dir), false, 0, false});
        QVERIFY(std::holds_alternative<std::unique_ptr<MessageStore>>(opened));
        MessageStore &store = *std::get<std::unique_ptr<MessageStore>>(opened);
        const auto found = store.accounts().account(u"bob"_s);
        QVERIFY(found);
        ModerationStore::Ban ban;
        ban.kind = ModerationStore::Ban::Kind::Account;
        ban.target = u"a:%1"_s.arg(found->id);
        ban.name = u"bob"_s;
        ban.by = u"zoe"_s;
        ban.reason = u"elsewhere"_s;
        ban.createdMs = QDateTime::currentMSecsSinceEpoch();
        ban.untilMs = ban.createdMs + Minute;
        QVERIFY(store.moderation().addBan(ban));
        ban.kind = ModerationStore::Ban::Kind::Mute;
        ban.untilMs.reset();
        QVERIFY(store.moderation().addBan(ban));
    }
    auto refused = signIn(u"bob"_s);
    const QJsonObject error = refused->waitForNext(u"error"_s);
    QCOMPARE(field(error, "code"_L1), u"banned"_s);
    QCOMPARE(field(error, "by"_L1), u"zoe"_s);
    m_skewMs = Minute + 1000;
    auto admitted = signIn(u"bob"_s);
    QCOMPARE(admitted->countOfType(u"welcome"_s), 1);
    QCOMPARE(field(refusal(*admitted, Frames::say(u"hi"_s)), "code"_L1), u"muted"_s);
}

void tst_Moderation::plainTextSlashCommands()
{
    QVERIFY(start());
    auto bob = account(u"bob"_s);
    auto carol = account(u"carol"_s);
    QVERIFY(bob && carol);
    auto alice = std::make_unique<TextClient>();
    QVERIFY(alice->connectTo(m_server->serverPort()));
    alice->type(u"alice"_s);
    QVERIFY(!alice->waitForLine(u"Welcome, alice"_s).isEmpty());
    alice->type(u"/register alice password"_s);
    QVERIFY(!alice->waitForLine(u"is now your account"_s).isEmpty());

    alice->type(u"/kick bob"_s);
    QVERIFY(!alice->waitForLine(u"! only moderators, admins and owners may kick"_s).isEmpty());
    QVERIFY(grant(u"alice"_s, Protocol::Role::Owner));

    alice->type(u"/grant carol moderator"_s);
    QVERIFY(!alice->waitForLine(u"* carol is a moderator now (was: none)"_s).isEmpty());
    QCOMPARE(text(carol->waitForNext(u"notice"_s)), u"alice made you a moderator"_s);
    alice->type(u"/mute bob 5m too loud"_s);
    QVERIFY(!alice->waitForLine(u"* bob is muted until "_s).isEmpty());
    const QJsonObject muted = bob->waitForNext(u"notice"_s);
    QCOMPARE(field(muted, "reason"_L1), u"too loud"_s);
    const qint64 mutedFor
        = QDateTime::fromString(field(muted, "until"_L1), Qt::ISODateWithMs).toMSecsSinceEpoch()
        - QDateTime::currentMSecsSinceEpoch();
    QVERIFY2(
        mutedFor > 4 * Minute && mutedFor <= 5 * Minute, qPrintable(QString::number(mutedFor)));
    alice->type(u"/ban 203.0.113.0/24 12h crawlers"_s);
    QVERIFY(!alice->waitForLine(u"* 203.0.113.0/24 is banned until "_s).isEmpty());
    alice->type(u"/bans"_s);
    QVERIFY(!alice->waitForLine(u"* Bans and mutes:"_s).isEmpty());
    QVERIFY(!alice->waitForLine(u"  muted: bob until"_s).isEmpty());
    QVERIFY(!alice->waitForLine(u"  banned: 203.0.113.0/24 until"_s).isEmpty());
    alice->type(u"/motd Hi {name}, play nice"_s);
    QVERIFY(!alice->waitForLine(u"* Welcomes greet with: Hi {name}, play nice"_s).isEmpty());
    alice->type(u"/announce tea in five"_s);
    QVERIFY(!alice->waitForLine(u"*** alice announces: tea in five"_s).isEmpty());
    QCOMPARE(field(carol->waitForNext(u"notice"_s), "kind"_L1), u"announce"_s);
    alice->type(u"/ban bob -5"_s);
    QVERIFY(!alice->waitForLine(u"! \"minutes\" of \"ban\" must be a whole number"_s).isEmpty());
    alice->type(u"/grant bob king"_s);
    QVERIFY(!alice->waitForLine(u"! there is no role \"king\""_s).isEmpty());
    alice->type(u"/kick bob enough"_s);
    QVERIFY(!alice->waitForLine(u"* bob was kicked by alice: enough"_s).isEmpty());
    QCOMPARE(field(bob->waitForNext(u"bye"_s), "reason"_L1), u"kicked"_s);

    // What bob would have seen, had he been at nc.
    auto dave = std::make_unique<TextClient>();
    QVERIFY(dave->connectTo(m_server->serverPort()));
    dave->type(u"dave"_s);
    QVERIFY(!dave->waitForLine(u"* Hi dave, play nice"_s).isEmpty());
    alice->type(u"/kick dave go"_s);
    QVERIFY(!dave->waitForLine(u"* You were kicked by alice: go"_s).isEmpty());
    QVERIFY(!dave->waitForLine(u"* Bye! (you were kicked)"_s).isEmpty());
    QVERIFY(dave->waitForDisconnected());
}

QTEST_GUILESS_MAIN(tst_Moderation)
#include "tst_moderation.moc"

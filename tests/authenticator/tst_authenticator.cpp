#include "authenticator.h"
#include "banlist.h"
#include "chatbudgets.h"
#include "chatroom.h"
#include "fanout.h"
#include "frames.h"
#include "memoryleaderboard.h"
#include "outbox.h"
#include "passwordhasher.h"
#include "servercontext.h"
#include "sessionsettings.h"
#include "signinthrottle.h"
#include "storeworker.h"
#include "whenready.h"

#include <QHostAddress>
#include <QSignalSpy>
#include <QTest>

using Protocol::ErrorCode;
using namespace Qt::StringLiterals;

// The Authenticator against a real in-memory store and real Argon2id hashes, in the test's
// thread, where the order of its steps can be set up exactly: what a session that goes away
// mid-check leaves behind, and a sign-in that crosses a password change.
class tst_Authenticator : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void attemptsOfAGoneSessionAreGivenBack();
    void signInCrossingAPasswordChangeGetsNoToken();
    void passwordChangeRevokesInTheStoringStep();
    void textClientsGetNoToken();
    void attemptsCountPerIpv4AddressAndIpv6Network_data();
    void attemptsCountPerIpv4AddressAndIpv6Network();

private:
    struct Fixture
    {
        Fixture() { error = store.open(); }
        ~Fixture() { store.close(); }

        ChatRoom room;
        ChatRoom unstored; // the store's pipeline: the room above delivers at once
        MemoryLeaderboard leaderboard;
        StoreWorker store{unstored, leaderboard, MessageStore::Options{u":memory:"_s}};
        PasswordHasher hasher{1};
        SignInThrottle throttle;
        SessionSettings settings;
        FanOut fanOut{1};
        ChatBudgets budgets;
        BanList bans;
        // Not owned: the fixture's settings, as the test changes them.
        const ServerContext context{room, leaderboard, store, hasher, throttle,
            std::shared_ptr<const SessionSettings>(std::shared_ptr<void>(), &settings), fanOut,
            budgets, bans};
        QString error;
    };

    // Creates the account with a real hash; its id, or 0.
    qint64 createAccount(const QString &name, const QString &password);
    // Runs a step to its answer.
    template<typename Step> Authenticator::Outcome await(Step step);

    std::unique_ptr<Fixture> m_f;
};

namespace {

constexpr int Timeout = 20000;
const QString Address = QStringLiteral("192.0.2.7");

} // namespace

void tst_Authenticator::init()
{
    m_f = std::make_unique<Fixture>();
    QVERIFY2(m_f->error.isEmpty(), qPrintable(m_f->error));
}

void tst_Authenticator::cleanup()
{
    m_f.reset();
}

qint64 tst_Authenticator::createAccount(const QString &name, const QString &password)
{
    QFuture<QByteArray> hash = m_f->hasher.hash(password);
    if (!QTest::qWaitFor([&] { return hash.isFinished(); }, Timeout)) {
        return 0;
    }
    QFuture<std::optional<AccountStore::Account>> created
        = m_f->store.run([name, hash = hash.result()](MessageStore &store) {
              return store.accounts().createAccount(name, hash, 1);
          });
    if (!QTest::qWaitFor([&] { return created.isFinished(); }, Timeout) || !created.result()) {
        return 0;
    }
    return created.result()->id;
}

template<typename Step> Authenticator::Outcome tst_Authenticator::await(Step step)
{
    std::optional<Authenticator::Outcome> outcome;
    step([&outcome](const Authenticator::Outcome &answer) { outcome = answer; });
    if (!QTest::qWaitFor([&] { return outcome.has_value(); }, Timeout)) {
        return {ErrorCode::Unknown, u"no answer"_s, {}};
    }
    return *outcome;
}

void tst_Authenticator::attemptsOfAGoneSessionAreGivenBack()
{
    // A session closed while its sign-in is being checked (hello timeout, reset, shutdown) must
    // not leave the attempt counted for ever: five such would lock the account out.
    QVERIFY(createAccount(u"alice"_s, u"alice's password"_s) != 0);
    for (int i = 0; i < SignInThrottle::FreeFailures + 1; ++i) {
        auto authenticator = std::make_unique<Authenticator>(m_f->context, Address);
        bool answered = false;
        authenticator->signIn(Frames::helloWithPassword(u"alice"_s, u"a guess"_s), true,
            [&answered](const Authenticator::Outcome &) { answered = true; });
        authenticator.reset(); // gone before the account was even read
        QVERIFY(!answered);
    }
    for (int i = 0; i < SignInThrottle::FreeFailures; ++i) {
        QVERIFY2(m_f->throttle.tryBegin(u"alice"_s, u"198.51.100.1"_s), "alice is locked out");
    }
}

void tst_Authenticator::signInCrossingAPasswordChangeGetsNoToken()
{
    const qint64 id = createAccount(u"alice"_s, u"old password"_s);
    QVERIFY(id != 0);
    QFuture<QByteArray> newHash = m_f->hasher.hash(u"new password"_s);
    QVERIFY(QTest::qWaitFor([&] { return newHash.isFinished(); }, Timeout));

    // The sign-in reads the account (old hash) first; the change lands right after that read,
    // while the old password is still being checked.
    Authenticator stale(m_f->context, Address);
    std::optional<Authenticator::Outcome> outcome;
    stale.signIn(Frames::helloWithPassword(u"alice"_s, u"old password"_s), true,
        [&outcome](const Authenticator::Outcome &answer) { outcome = answer; });
    m_f->store.run([id, hash = newHash.result()](
                       MessageStore &store) { return store.accounts().setPasswordHash(id, hash); });
    QVERIFY(QTest::qWaitFor([&] { return outcome.has_value(); }, Timeout));
    QCOMPARE(outcome->error, ErrorCode::AuthFailed);
    QVERIFY(outcome->identity.newToken.isEmpty());
}

void tst_Authenticator::passwordChangeRevokesInTheStoringStep()
{
    // The change closes the account's other connections in the step that stores it, so no
    // sign-in checked against the old password can join after it, whatever happens to the
    // connection that asked.
    const qint64 id = createAccount(u"alice"_s, u"old password"_s);
    QVERIFY(id != 0);
    const QString identity = u"a:%1"_s.arg(id);
    int revoked = 0;
    Outbox laptop([] {});
    const ChatRoom::Joined other = m_f->room.join({u"alice"_s, identity, true, {}, &laptop,
        std::nullopt, [&revoked] { ++revoked; }, m_f->room.revocations()});
    QCOMPARE(other.error, ErrorCode::None);
    const qint64 checkedBefore = m_f->room.revocations();

    Authenticator asking(m_f->context, Address);
    const Authenticator::Identity alice{u"alice"_s, identity, true, {}, {}, 0};
    const Authenticator::Outcome outcome = await([&](const Authenticator::Done &done) {
        asking.changePassword(alice, 0, u"old password"_s, u"new password"_s, done);
    });
    QCOMPARE(outcome.error, ErrorCode::None);
    QCOMPARE(revoked, 1); // already: it was done with the store step, not after the answer
    Outbox stale([] {});
    QCOMPARE(
        m_f->room.join({u"alice"_s, identity, true, {}, &stale, std::nullopt, [] {}, checkedBefore})
            .error,
        ErrorCode::AuthFailed);
}

void tst_Authenticator::textClientsGetNoToken()
{
    QVERIFY(createAccount(u"alice"_s, u"alice's password"_s) != 0);
    Authenticator person(m_f->context, Address);
    const Authenticator::Outcome outcome = await([&](const Authenticator::Done &done) {
        person.signIn(Frames::helloWithPassword(u"alice"_s, u"alice's password"_s), false, done);
    });
    QCOMPARE(outcome.error, ErrorCode::None);
    QVERIFY(outcome.identity.account);
    QVERIFY(outcome.identity.newToken.isEmpty());
    QVERIFY(outcome.identity.tokenDigest.isEmpty());

    Authenticator program(m_f->context, Address);
    const Authenticator::Outcome withToken = await([&](const Authenticator::Done &done) {
        program.signIn(Frames::helloWithPassword(u"alice"_s, u"alice's password"_s), true, done);
    });
    QCOMPARE(withToken.error, ErrorCode::None);
    QCOMPARE(withToken.identity.newToken.size(), 43);
}

void tst_Authenticator::attemptsCountPerIpv4AddressAndIpv6Network_data()
{
    QTest::addColumn<QString>("peer");
    QTest::addColumn<QString>("counted");
    QTest::newRow("IPv4") << u"192.0.2.7"_s << u"192.0.2.7"_s;
    QTest::newRow("IPv4 on a dual-stack socket") << u"::ffff:192.0.2.7"_s << u"192.0.2.7"_s;
    QTest::newRow("IPv6: its /64")
        << u"2001:db8:1:2:aaaa:bbbb:cccc:dddd"_s << u"2001:db8:1:2::/64"_s;
    QTest::newRow("IPv6 loopback") << u"::1"_s << u"::/64"_s;
}

void tst_Authenticator::attemptsCountPerIpv4AddressAndIpv6Network()
{
    QFETCH(QString, peer);
    QFETCH(QString, counted);
    QCOMPARE(Authenticator::throttleAddress(QHostAddress(peer)), counted);
}

QTEST_GUILESS_MAIN(tst_Authenticator)
#include "tst_authenticator.moc"

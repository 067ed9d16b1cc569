#include "signinthrottle.h"

#include <QTest>

#include <chrono>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

// SignInThrottle on a clock the test drives: five failures free per key, then 1 s doubling up to
// 15 minutes; accounts and addresses limited independently; success, expiry and the bound on
// keys each forget what they should.
class tst_SignInThrottle : public QObject
{
    Q_OBJECT

private slots:
    void fiveFailuresAreFree();
    void backoffDoubles_data();
    void backoffDoubles();
    void backoffIsCappedAtFifteenMinutes();
    void waitCountsDownWithTheClock();
    void accountIsLimitedFromAnyAddress();
    void addressIsLimitedForAnyAccount();
    void successResetsBothKeys();
    void successElsewhereLeavesOthersLimited();
    void accountIsCaseInsensitive();
    void quietKeyExpires();
    void keyCountIsBounded();
    void oldestTouchedKeyIsDroppedFirst();
    void sharedAcrossThreads();
    void attemptsInFlightCountAsFailures();
    void finishedSuccessKeepsAddressFailures();
    void tokenAttemptsCountAgainstTheAddressOnly();
    void abandonedAttemptsCountAsNothing();
};

namespace {

// A throttle and the time it reads, in milliseconds; the test moves the time.
struct Fixture
{
    explicit Fixture(int maxKeys = SignInThrottle::DefaultMaxKeys)
        : throttle(maxKeys, [this] { return now; })
    {
    }

    void fail(int times, const QString &account, const QString &address)
    {
        for (int i = 0; i < times; ++i) {
            throttle.failed(account, address);
        }
    }

    qint64 now = 5'000'000; // any start: only differences matter
    SignInThrottle throttle;
};

const QString Alice = QStringLiteral("alice");
const QString Bob = QStringLiteral("bob");
const QString Home = QStringLiteral("192.0.2.1");
const QString Cafe = QStringLiteral("2001:db8::7");

} // namespace

void tst_SignInThrottle::fiveFailuresAreFree()
{
    Fixture f;
    QCOMPARE(f.throttle.wait(Alice, Home), 0ms);
    for (int i = 0; i < 4; ++i) {
        f.throttle.failed(Alice, Home);
        QCOMPARE(f.throttle.wait(Alice, Home), 0ms);
    }
    // The fifth failure uses the last free attempt: the sixth waits.
    f.throttle.failed(Alice, Home);
    QCOMPARE(f.throttle.wait(Alice, Home), 1000ms);
}

void tst_SignInThrottle::backoffDoubles_data()
{
    QTest::addColumn<int>("failures");
    QTest::addColumn<qint64>("waitMs");

    QTest::newRow("5") << 5 << qint64(1000);
    QTest::newRow("6") << 6 << qint64(2000);
    QTest::newRow("7") << 7 << qint64(4000);
    QTest::newRow("8") << 8 << qint64(8000);
    QTest::newRow("14") << 14 << qint64(512'000);
    QTest::newRow("15: 1024 s, capped") << 15 << qint64(900'000);
}

void tst_SignInThrottle::backoffDoubles()
{
    QFETCH(int, failures);
    QFETCH(qint64, waitMs);

    Fixture f;
    f.fail(failures, Alice, Home);
    QCOMPARE(f.throttle.wait(Alice, Home).count(), waitMs);
}

void tst_SignInThrottle::backoffIsCappedAtFifteenMinutes()
{
    Fixture f;
    // Failing each time the wait is over, far past the point where the shift would overflow.
    for (int i = 0; i < 100; ++i) {
        f.now += f.throttle.wait(Alice, Home).count();
        f.throttle.failed(Alice, Home);
        QVERIFY(f.throttle.wait(Alice, Home) <= SignInThrottle::MaxBackoff);
    }
    QCOMPARE(f.throttle.wait(Alice, Home), 15min);
}

void tst_SignInThrottle::waitCountsDownWithTheClock()
{
    Fixture f;
    f.fail(7, Alice, Home); // 4 s
    QCOMPARE(f.throttle.wait(Alice, Home), 4000ms);
    f.now += 1500;
    QCOMPARE(f.throttle.wait(Alice, Home), 2500ms);
    f.now += 2499;
    QCOMPARE(f.throttle.wait(Alice, Home), 1ms);
    f.now += 1;
    QCOMPARE(f.throttle.wait(Alice, Home), 0ms);
    // Allowed again, but the count stands: the next failure waits 8 s.
    f.throttle.failed(Alice, Home);
    QCOMPARE(f.throttle.wait(Alice, Home), 8000ms);
}

void tst_SignInThrottle::accountIsLimitedFromAnyAddress()
{
    Fixture f;
    for (int i = 0; i < 6; ++i) {
        f.throttle.failed(Alice, QStringLiteral("198.51.100.%1").arg(i));
    }
    QCOMPARE(f.throttle.wait(Alice, QStringLiteral("203.0.113.9")), 2000ms);
    QCOMPARE(f.throttle.wait(Bob, QStringLiteral("203.0.113.9")), 0ms);
}

void tst_SignInThrottle::addressIsLimitedForAnyAccount()
{
    Fixture f;
    for (int i = 0; i < 6; ++i) {
        f.throttle.failed(QStringLiteral("user%1").arg(i), Home);
    }
    QCOMPARE(f.throttle.wait(QStringLiteral("someone-new"), Home), 2000ms);
    QCOMPARE(f.throttle.wait(QStringLiteral("someone-new"), Cafe), 0ms);
    QCOMPARE(f.throttle.wait(QStringLiteral("user0"), Cafe), 0ms);
}

void tst_SignInThrottle::successResetsBothKeys()
{
    Fixture f;
    f.fail(4, Alice, Home);
    f.throttle.succeeded(Alice, Home);
    // Five free again, not one.
    f.fail(4, Alice, Home);
    QCOMPARE(f.throttle.wait(Alice, Home), 0ms);
    f.throttle.failed(Alice, Home);
    QCOMPARE(f.throttle.wait(Alice, Home), 1000ms);
    QCOMPARE(f.throttle.keyCount(), 2);
    f.throttle.succeeded(Alice, Home);
    QCOMPARE(f.throttle.keyCount(), 0);
}

void tst_SignInThrottle::successElsewhereLeavesOthersLimited()
{
    Fixture f;
    f.fail(6, Alice, Home);
    // Bob signs in from the café: Alice's account is still limited, from anywhere.
    f.throttle.succeeded(Bob, Cafe);
    QCOMPARE(f.throttle.wait(Alice, Cafe), 2000ms);
    QCOMPARE(f.throttle.wait(Bob, Home), 2000ms);
    QCOMPARE(f.throttle.wait(Bob, Cafe), 0ms);
}

void tst_SignInThrottle::accountIsCaseInsensitive()
{
    Fixture f;
    f.throttle.failed(QStringLiteral("Alice"), Home);
    f.throttle.failed(QStringLiteral("ALICE"), Cafe);
    f.throttle.failed(QStringLiteral("alice"), Home);
    f.throttle.failed(QStringLiteral("aLiCe"), Cafe);
    f.throttle.failed(QStringLiteral("Alice"), Home);
    QCOMPARE(f.throttle.wait(Alice, QStringLiteral("203.0.113.9")), 1000ms);
    // Folding, not just lowering: the final sigma is the same letter as any other sigma.
    f.fail(5, QStringLiteral("\u03bf\u03b4\u03c5\u03c3\u03c3\u03b5\u03c5\u03c2"),
        QStringLiteral("203.0.113.10"));
    QCOMPARE(f.throttle.wait(QStringLiteral("\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3"),
                 QStringLiteral("203.0.113.11")),
        1000ms);
}

void tst_SignInThrottle::quietKeyExpires()
{
    Fixture f;
    f.fail(7, Alice, Home); // 4 s back-off
    f.now += 4000 + 15 * 60 * 1000 - 1;
    f.throttle.failed(Bob, Cafe); // sweeps, but Alice's keys have one millisecond left
    QCOMPARE(f.throttle.keyCount(), 4);
    f.now += 1;
    f.throttle.failed(Bob, Cafe);
    QCOMPARE(f.throttle.keyCount(), 2);
    // Forgotten: five free failures again.
    f.fail(4, Alice, Home);
    QCOMPARE(f.throttle.wait(Alice, Home), 0ms);
}

void tst_SignInThrottle::keyCountIsBounded()
{
    Fixture f(100);
    for (int i = 0; i < 1000; ++i) {
        f.throttle.failed(QStringLiteral("user%1").arg(i),
            QStringLiteral("10.0.%1.%2").arg(i / 256).arg(i % 256));
        QVERIFY(f.throttle.keyCount() <= 100);
    }
    QCOMPARE(f.throttle.keyCount(), 100);
}

void tst_SignInThrottle::oldestTouchedKeyIsDroppedFirst()
{
    Fixture f(4);
    f.fail(6, Alice, Home); // keys 1 and 2, both backing off
    f.now += 10;
    f.fail(6, Bob, Cafe); // keys 3 and 4: full
    f.now += 10;
    f.throttle.failed(Alice, Home); // touched again: now Bob's keys are the oldest
    f.now += 10;
    f.throttle.failed(QStringLiteral("carol"), QStringLiteral("203.0.113.9"));
    QCOMPARE(f.throttle.keyCount(), 4);
    QCOMPARE(f.throttle.wait(Bob, Cafe), 0ms);
    QVERIFY(f.throttle.wait(Alice, QStringLiteral("203.0.113.200")) > 0ms);
}

// Sessions on several threads fail at once: no count is lost (and TSan has something to watch).
void tst_SignInThrottle::sharedAcrossThreads()
{
    SignInThrottle throttle;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&throttle, t] {
            for (int i = 0; i < 250; ++i) {
                throttle.failed(Alice, QStringLiteral("10.1.%1.%2").arg(t).arg(i));
                (void)throttle.wait(Alice, Home);
            }
        });
    }
    for (auto &thread : threads) {
        thread.join();
    }
    QCOMPARE(throttle.keyCount(), 1 + 1000);
    // 1000 failures: the cap.
    QVERIFY(throttle.wait(Alice, Home) > 14min);
}

void tst_SignInThrottle::attemptsInFlightCountAsFailures()
{
    // A hundred guesses sent at once: only as many as are free start a hash.
    Fixture f;
    int begun = 0;
    for (int i = 0; i < 100; ++i) {
        begun += f.throttle.tryBegin(Alice, Home) ? 1 : 0;
    }
    QCOMPARE(begun, SignInThrottle::FreeFailures);
    for (int i = 0; i < begun; ++i) {
        f.throttle.finish(Alice, Home, SignInThrottle::Result::Failed);
    }
    // All five failed: now the back-off applies, as if they had come one by one.
    QVERIFY(!f.throttle.tryBegin(Alice, Home));
    f.now += SignInThrottle::FirstBackoff.count();
    QVERIFY(f.throttle.tryBegin(Alice, Home));
    f.throttle.finish(Alice, Home, SignInThrottle::Result::Failed);
    QCOMPARE(f.throttle.wait(Alice, Home), 2 * SignInThrottle::FirstBackoff);
}

void tst_SignInThrottle::finishedSuccessKeepsAddressFailures()
{
    Fixture f;
    f.fail(4, Bob, Home);
    QVERIFY(f.throttle.tryBegin(Alice, Home));
    f.throttle.finish(Alice, Home, SignInThrottle::Result::Succeeded);
    // Signing in to one's own account does not wipe the guesses at bob's from this address.
    f.throttle.failed(Bob, Cafe);
    QVERIFY(f.throttle.wait(Bob, Cafe) > 0ms);
    f.throttle.failed(Alice, Home);
    QVERIFY(f.throttle.wait(Alice, Home) > 0ms);
}

void tst_SignInThrottle::tokenAttemptsCountAgainstTheAddressOnly()
{
    Fixture f;
    for (int i = 0; i < SignInThrottle::FreeFailures; ++i) {
        QVERIFY(f.throttle.tryBegin({}, Home));
        f.throttle.finish({}, Home, SignInThrottle::Result::Failed);
    }
    QVERIFY(!f.throttle.tryBegin({}, Home));
    QVERIFY(f.throttle.tryBegin({}, Cafe)); // no shared "empty account" key holds others back
    f.throttle.finish({}, Cafe, SignInThrottle::Result::Succeeded);
    QCOMPARE(f.throttle.wait(Alice, Cafe), 0ms);
}

void tst_SignInThrottle::abandonedAttemptsCountAsNothing()
{
    Fixture f;
    for (int i = 0; i < 3 * SignInThrottle::FreeFailures; ++i) {
        QVERIFY(f.throttle.tryBegin(Alice, Home));
        f.throttle.finish(Alice, Home, SignInThrottle::Result::Abandoned);
    }
    QCOMPARE(f.throttle.wait(Alice, Home), 0ms);
}

QTEST_APPLESS_MAIN(tst_SignInThrottle)
#include "tst_signinthrottle.moc"

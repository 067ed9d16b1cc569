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
};

namespace {

// A throttle and the time it reads, in milliseconds; the test moves the time.
struct Fixture
{
    explicit Fixture(int maxKeys = SignInThrottle::kDefaultMaxKeys)
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

const QString kAlice = QStringLiteral("alice");
const QString kBob = QStringLiteral("bob");
const QString kHome = QStringLiteral("192.0.2.1");
const QString kCafe = QStringLiteral("2001:db8::7");

} // namespace

void tst_SignInThrottle::fiveFailuresAreFree()
{
    Fixture f;
    QCOMPARE(f.throttle.wait(kAlice, kHome), 0ms);
    for (int i = 0; i < 4; ++i) {
        f.throttle.failed(kAlice, kHome);
        QCOMPARE(f.throttle.wait(kAlice, kHome), 0ms);
    }
    // The fifth failure uses the last free attempt: the sixth waits.
    f.throttle.failed(kAlice, kHome);
    QCOMPARE(f.throttle.wait(kAlice, kHome), 1000ms);
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
    f.fail(failures, kAlice, kHome);
    QCOMPARE(f.throttle.wait(kAlice, kHome).count(), waitMs);
}

void tst_SignInThrottle::backoffIsCappedAtFifteenMinutes()
{
    Fixture f;
    // Failing each time the wait is over, far past the point where the shift would overflow.
    for (int i = 0; i < 100; ++i) {
        f.now += f.throttle.wait(kAlice, kHome).count();
        f.throttle.failed(kAlice, kHome);
        QVERIFY(f.throttle.wait(kAlice, kHome) <= SignInThrottle::kMaxBackoff);
    }
    QCOMPARE(f.throttle.wait(kAlice, kHome), 15min);
}

void tst_SignInThrottle::waitCountsDownWithTheClock()
{
    Fixture f;
    f.fail(7, kAlice, kHome); // 4 s
    QCOMPARE(f.throttle.wait(kAlice, kHome), 4000ms);
    f.now += 1500;
    QCOMPARE(f.throttle.wait(kAlice, kHome), 2500ms);
    f.now += 2499;
    QCOMPARE(f.throttle.wait(kAlice, kHome), 1ms);
    f.now += 1;
    QCOMPARE(f.throttle.wait(kAlice, kHome), 0ms);
    // Allowed again, but the count stands: the next failure waits 8 s.
    f.throttle.failed(kAlice, kHome);
    QCOMPARE(f.throttle.wait(kAlice, kHome), 8000ms);
}

void tst_SignInThrottle::accountIsLimitedFromAnyAddress()
{
    Fixture f;
    for (int i = 0; i < 6; ++i) {
        f.throttle.failed(kAlice, QStringLiteral("198.51.100.%1").arg(i));
    }
    QCOMPARE(f.throttle.wait(kAlice, QStringLiteral("203.0.113.9")), 2000ms);
    QCOMPARE(f.throttle.wait(kBob, QStringLiteral("203.0.113.9")), 0ms);
}

void tst_SignInThrottle::addressIsLimitedForAnyAccount()
{
    Fixture f;
    for (int i = 0; i < 6; ++i) {
        f.throttle.failed(QStringLiteral("user%1").arg(i), kHome);
    }
    QCOMPARE(f.throttle.wait(QStringLiteral("someone-new"), kHome), 2000ms);
    QCOMPARE(f.throttle.wait(QStringLiteral("someone-new"), kCafe), 0ms);
    QCOMPARE(f.throttle.wait(QStringLiteral("user0"), kCafe), 0ms);
}

void tst_SignInThrottle::successResetsBothKeys()
{
    Fixture f;
    f.fail(4, kAlice, kHome);
    f.throttle.succeeded(kAlice, kHome);
    // Five free again, not one.
    f.fail(4, kAlice, kHome);
    QCOMPARE(f.throttle.wait(kAlice, kHome), 0ms);
    f.throttle.failed(kAlice, kHome);
    QCOMPARE(f.throttle.wait(kAlice, kHome), 1000ms);
    QCOMPARE(f.throttle.keyCount(), 2);
    f.throttle.succeeded(kAlice, kHome);
    QCOMPARE(f.throttle.keyCount(), 0);
}

void tst_SignInThrottle::successElsewhereLeavesOthersLimited()
{
    Fixture f;
    f.fail(6, kAlice, kHome);
    // Bob signs in from the café: Alice's account is still limited, from anywhere.
    f.throttle.succeeded(kBob, kCafe);
    QCOMPARE(f.throttle.wait(kAlice, kCafe), 2000ms);
    QCOMPARE(f.throttle.wait(kBob, kHome), 2000ms);
    QCOMPARE(f.throttle.wait(kBob, kCafe), 0ms);
}

void tst_SignInThrottle::accountIsCaseInsensitive()
{
    Fixture f;
    f.throttle.failed(QStringLiteral("Alice"), kHome);
    f.throttle.failed(QStringLiteral("ALICE"), kCafe);
    f.throttle.failed(QStringLiteral("alice"), kHome);
    f.throttle.failed(QStringLiteral("aLiCe"), kCafe);
    f.throttle.failed(QStringLiteral("Alice"), kHome);
    QCOMPARE(f.throttle.wait(kAlice, QStringLiteral("203.0.113.9")), 1000ms);
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
    f.fail(7, kAlice, kHome); // 4 s back-off
    f.now += 4000 + 15 * 60 * 1000 - 1;
    f.throttle.failed(kBob, kCafe); // sweeps, but Alice's keys have one millisecond left
    QCOMPARE(f.throttle.keyCount(), 4);
    f.now += 1;
    f.throttle.failed(kBob, kCafe);
    QCOMPARE(f.throttle.keyCount(), 2);
    // Forgotten: five free failures again.
    f.fail(4, kAlice, kHome);
    QCOMPARE(f.throttle.wait(kAlice, kHome), 0ms);
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
    f.fail(6, kAlice, kHome); // keys 1 and 2, both backing off
    f.now += 10;
    f.fail(6, kBob, kCafe); // keys 3 and 4: full
    f.now += 10;
    f.throttle.failed(kAlice, kHome); // touched again: now Bob's keys are the oldest
    f.now += 10;
    f.throttle.failed(QStringLiteral("carol"), QStringLiteral("203.0.113.9"));
    QCOMPARE(f.throttle.keyCount(), 4);
    QCOMPARE(f.throttle.wait(kBob, kCafe), 0ms);
    QVERIFY(f.throttle.wait(kAlice, QStringLiteral("203.0.113.200")) > 0ms);
}

// Sessions on several threads fail at once: no count is lost (and TSan has something to watch).
void tst_SignInThrottle::sharedAcrossThreads()
{
    SignInThrottle throttle;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&throttle, t] {
            for (int i = 0; i < 250; ++i) {
                throttle.failed(kAlice, QStringLiteral("10.1.%1.%2").arg(t).arg(i));
                (void)throttle.wait(kAlice, kHome);
            }
        });
    }
    for (auto &thread : threads) {
        thread.join();
    }
    QCOMPARE(throttle.keyCount(), 1 + 1000);
    // 1000 failures: the cap.
    QVERIFY(throttle.wait(kAlice, kHome) > 14min);
}

QTEST_APPLESS_MAIN(tst_SignInThrottle)
#include "tst_signinthrottle.moc"

#include "floodguard.h"

#include <QTest>

#include <memory>

// FloodGuard on a clock the test drives: what is allowed at once, what refills and when a client
// that keeps going after refusals counts as flooding.
class tst_FloodGuard : public QObject
{
    Q_OBJECT

private slots:
    void burstIsAllowedAtOnce_data();
    void burstIsAllowedAtOnce();
    void refusalsAreCountedAsStrikes();
    void floodingAfterMoreThanBurstRefusals_data();
    void floodingAfterMoreThanBurstRefusals();
    void allowedFrameResetsStrikes();
    void refillsAtRate();
    void noRefillBeyondBurst();
    void steadyClockIsMonotonic();
};

namespace {

// A guard and the time it reads, in milliseconds; the test moves the time.
struct Fixture
{
    Fixture(double rate, double burst)
        : guard(rate, burst, [this] { return now; })
    {
    }

    qint64 now = 1'000'000; // any start: the bucket only looks at differences
    FloodGuard guard;
};

} // namespace

void tst_FloodGuard::burstIsAllowedAtOnce_data()
{
    QTest::addColumn<double>("rate");
    QTest::addColumn<int>("burst");

    QTest::newRow("burst 1") << 5.0 << 1;
    QTest::newRow("burst 3") << 5.0 << 3;
    QTest::newRow("burst 20") << 5.0 << 20;
    QTest::newRow("slow refill") << 0.1 << 4;
}

void tst_FloodGuard::burstIsAllowedAtOnce()
{
    QFETCH(double, rate);
    QFETCH(int, burst);

    Fixture fixture(rate, burst);
    for (int i = 0; i < burst; ++i) {
        QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Allowed);
        QCOMPARE(fixture.guard.strikes(), 0);
    }
    QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Refused);
    QCOMPARE(fixture.guard.strikes(), 1);
}

void tst_FloodGuard::refusalsAreCountedAsStrikes()
{
    Fixture fixture(5.0, 4);
    for (int i = 0; i < 4; ++i) {
        QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Allowed);
    }
    for (int strike = 1; strike <= 4; ++strike) {
        QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Refused);
        QCOMPARE(fixture.guard.strikes(), strike);
    }
}

void tst_FloodGuard::floodingAfterMoreThanBurstRefusals_data()
{
    QTest::addColumn<int>("burst");

    QTest::newRow("burst 1") << 1;
    QTest::newRow("burst 3") << 3;
    QTest::newRow("burst 10") << 10;
}

void tst_FloodGuard::floodingAfterMoreThanBurstRefusals()
{
    QFETCH(int, burst);

    Fixture fixture(5.0, burst);
    for (int i = 0; i < burst; ++i) {
        QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Allowed);
    }
    // Up to `burst` refusals in a row are answered and forgiven ...
    for (int i = 0; i < burst; ++i) {
        QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Refused);
    }
    // ... one more is flooding, and so is anything after it while the bucket stays empty.
    QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Flooding);
    QCOMPARE(fixture.guard.strikes(), burst + 1);
    QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Flooding);
    QCOMPARE(fixture.guard.strikes(), burst + 2);
}

void tst_FloodGuard::allowedFrameResetsStrikes()
{
    Fixture fixture(5.0, 3);
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Allowed);
    }
    QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Refused);
    QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Refused);
    QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Refused);
    QCOMPARE(fixture.guard.strikes(), 3);

    fixture.now += 200; // one token at 5 a second
    QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Allowed);
    QCOMPARE(fixture.guard.strikes(), 0);

    // The count starts again: `burst` more refusals are forgiven before flooding.
    for (int strike = 1; strike <= 3; ++strike) {
        QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Refused);
        QCOMPARE(fixture.guard.strikes(), strike);
    }
    QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Flooding);
}

void tst_FloodGuard::refillsAtRate()
{
    Fixture fixture(5.0, 3);
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Allowed);
    }
    QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Refused);

    fixture.now += 200;
    QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Allowed);
    QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Refused);

    // Half a token is not enough; the other half later is.
    fixture.now += 100;
    QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Refused);
    fixture.now += 100;
    QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Allowed);

    // A second at 5 a second: the whole burst of 3 again (capped), not 5.
    fixture.now += 600;
    QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Allowed);
    QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Allowed);
    QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Allowed);
    QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Refused);
}

void tst_FloodGuard::noRefillBeyondBurst()
{
    Fixture fixture(5.0, 4);
    QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Allowed);

    fixture.now += 3600 * 1000; // an hour idle would be 18000 tokens uncapped
    for (int i = 0; i < 4; ++i) {
        QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Allowed);
    }
    QCOMPARE(fixture.guard.admit(), FloodGuard::Verdict::Refused);
}

void tst_FloodGuard::steadyClockIsMonotonic()
{
    const FloodGuard::Clock clock = FloodGuard::steadyClock();
    qint64 previous = clock();
    for (int i = 0; i < 1000; ++i) {
        const qint64 now = clock();
        QVERIFY(now >= previous);
        previous = now;
    }
}

QTEST_APPLESS_MAIN(tst_FloodGuard)
#include "tst_floodguard.moc"

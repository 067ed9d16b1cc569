#include "buckettable.h"
#include "connectionthrottle.h"
#include "peeraddress.h"
#include "tokenbucket.h"

#include <QRegularExpression>
#include <QTest>

using namespace Qt::StringLiterals;

// The listener's limit on new connections, on a clock the test drives: per address and per
// network (an IPv4 /24, an IPv6 /64), what is allowed at once and then a second, which
// addresses count together, and how many buckets it may hold.
class tst_ConnectionThrottle : public QObject
{
    Q_OBJECT

private slots:
    void networkOf_data();
    void networkOf();
    void tokenBucketReserve();
    void addressBurstThenRate();
    void mappedAddressCountsAsIpv4();
    void neighboursShareTheirNetwork();
    void ipv6HostsShareTheirSlash64();
    void refusalTakesNothingFromTheNetwork();
    void otherNetworksAreNotHeldBack();
    void newLimitsApply();
    void fullBucketsAreForgotten();
    void entriesAreCapped();
};

namespace {

// A throttle and the time it reads, in milliseconds; the test moves the time.
struct Fixture
{
    explicit Fixture(ConnectionThrottle::Limits limits, int maxEntries = 1000)
        : throttle(limits, maxEntries, [this] { return now; })
    {
    }

    // How many connections in a row from address are allowed now.
    int allowedInARow(const QString &address, int attempts = 1000)
    {
        int allowed = 0;
        for (int i = 0; i < attempts; ++i) {
            if (throttle.admit(QHostAddress(address)) == ConnectionThrottle::Verdict::Allowed) {
                ++allowed;
            }
        }
        return allowed;
    }

    qint64 now = 1'000'000;
    ConnectionThrottle throttle;
};

ConnectionThrottle::Limits limits(
    double addressRate, double addressBurst, double networkRate, double networkBurst)
{
    return {addressRate, addressBurst, networkRate, networkBurst};
}

} // namespace

void tst_ConnectionThrottle::networkOf_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<QString>("network");

    QTest::newRow("IPv4") << u"192.0.2.77"_s << u"192.0.2.0/24"_s;
    QTest::newRow("IPv4 first") << u"198.51.100.0"_s << u"198.51.100.0/24"_s;
    QTest::newRow("IPv4 last") << u"198.51.100.255"_s << u"198.51.100.0/24"_s;
    QTest::newRow("loopback") << u"127.0.0.9"_s << u"127.0.0.0/24"_s;
    QTest::newRow("another loopback /24") << u"127.0.1.1"_s << u"127.0.1.0/24"_s;
    QTest::newRow("IPv4-mapped") << u"::ffff:192.0.2.77"_s << u"192.0.2.0/24"_s;
    QTest::newRow("IPv6") << u"2001:db8:1:2:3:4:5:6"_s << u"2001:db8:1:2::/64"_s;
    QTest::newRow("IPv6 same /64")
        << u"2001:db8:1:2:ffff:ffff:ffff:ffff"_s << u"2001:db8:1:2::/64"_s;
    QTest::newRow("IPv6 next /64") << u"2001:db8:1:3::1"_s << u"2001:db8:1:3::/64"_s;
    QTest::newRow("IPv6 loopback") << u"::1"_s << u"::/64"_s;
    QTest::newRow("IPv6 link-local") << u"fe80::1:2:3:4"_s << u"fe80::/64"_s;
}

void tst_ConnectionThrottle::networkOf()
{
    QFETCH(QString, address);
    QFETCH(QString, network);
    QCOMPARE(::networkOf(QHostAddress(address)), network);
}

void tst_ConnectionThrottle::tokenBucketReserve()
{
    // A bucket of 10 at 1 a second: a caller allowed its top 2 takes 2, another all of it.
    TokenBucket bucket(1, 10);
    QVERIFY(bucket.isFull(0));
    QVERIFY(bucket.take(0, 8));
    QVERIFY(!bucket.isFull(0));
    QVERIFY(bucket.take(0, 8));
    QVERIFY(!bucket.canTake(0, 8));
    QVERIFY(!bucket.take(0, 8));
    for (int i = 0; i < 8; ++i) {
        QVERIFY(bucket.take(0));
    }
    QVERIFY(!bucket.take(0));
    // Refilled to 9 a few seconds later: the top is reached again only at 9 tokens.
    QVERIFY(!bucket.canTake(8000, 8));
    QVERIFY(bucket.canTake(9000, 8));
    QVERIFY(bucket.isFull(10000));
    QVERIFY(bucket.isFull(99000));
    // Smaller limits keep the tokens left, up to the new burst.
    for (int i = 0; i < 6; ++i) {
        QVERIFY(bucket.take(99000));
    }
    bucket.setLimits(1, 5);
    QVERIFY(!bucket.isFull(99000));
    QVERIFY(bucket.isFull(100000));
    bucket.setLimits(1, 2);
    QVERIFY(bucket.isFull(100000));
}

void tst_ConnectionThrottle::addressBurstThenRate()
{
    Fixture fixture(limits(20, 40, 1000, 1000));
    QCOMPARE(fixture.allowedInARow(u"192.0.2.1"_s), 40);
    QCOMPARE(fixture.throttle.admit(QHostAddress(u"192.0.2.1"_s)),
        ConnectionThrottle::Verdict::AddressTooFast);
    fixture.now += 1000;
    QCOMPARE(fixture.allowedInARow(u"192.0.2.1"_s), 20);
    fixture.now += 50; // one at 20 a second
    QCOMPARE(fixture.allowedInARow(u"192.0.2.1"_s), 1);
    fixture.now += 3'600'000; // refilled, but only to the burst
    QCOMPARE(fixture.allowedInARow(u"192.0.2.1"_s), 40);
}

void tst_ConnectionThrottle::mappedAddressCountsAsIpv4()
{
    // A dual-stack listener sees IPv4 peers as ::ffff:a.b.c.d: the same address either way.
    Fixture fixture(limits(1, 4, 1000, 1000));
    QCOMPARE(fixture.allowedInARow(u"::ffff:192.0.2.1"_s, 2), 2);
    QCOMPARE(fixture.allowedInARow(u"192.0.2.1"_s), 2);
    QCOMPARE(fixture.allowedInARow(u"::ffff:192.0.2.1"_s), 0);
}

void tst_ConnectionThrottle::neighboursShareTheirNetwork()
{
    // 127.0.0.2 ... 127.0.0.9 each have room, but their /24 lets 30 through in all.
    Fixture fixture(limits(20, 40, 10, 30));
    int allowed = 0;
    for (int round = 0; round < 10; ++round) {
        for (int host = 2; host <= 9; ++host) {
            allowed += fixture.allowedInARow(u"127.0.0.%1"_s.arg(host), 1);
        }
    }
    QCOMPARE(allowed, 30);
    QCOMPARE(fixture.throttle.admit(QHostAddress(u"127.0.0.200"_s)),
        ConnectionThrottle::Verdict::NetworkTooFast);
    fixture.now += 1000;
    QCOMPARE(fixture.allowedInARow(u"127.0.0.200"_s), 10);
}

void tst_ConnectionThrottle::ipv6HostsShareTheirSlash64()
{
    // A host given a /64 has 2^64 addresses; it still gets one network's allowance.
    Fixture fixture(limits(20, 40, 10, 30));
    int allowed = 0;
    for (int i = 1; i <= 100; ++i) {
        allowed += fixture.allowedInARow(u"2001:db8:0:1::%1"_s.arg(i, 0, 16), 1);
    }
    QCOMPARE(allowed, 30);
    QCOMPARE(fixture.allowedInARow(u"2001:db8:0:2::1"_s), 30); // the next /64 is another
}

void tst_ConnectionThrottle::refusalTakesNothingFromTheNetwork()
{
    // One address flooding spends its own bucket, and of its network only what it was allowed:
    // its neighbour still gets in.
    Fixture fixture(limits(5, 10, 10, 30));
    QCOMPARE(fixture.allowedInARow(u"192.0.2.1"_s, 10'000), 10);
    QCOMPARE(fixture.allowedInARow(u"192.0.2.2"_s), 10);
    QCOMPARE(fixture.allowedInARow(u"192.0.2.3"_s), 10);
    QCOMPARE(fixture.allowedInARow(u"192.0.2.4"_s), 0); // 30 used: the network's burst
}

void tst_ConnectionThrottle::otherNetworksAreNotHeldBack()
{
    Fixture fixture(limits(20, 40, 10, 30));
    for (int host = 1; host <= 30; ++host) {
        fixture.allowedInARow(u"198.51.100.%1"_s.arg(host), 1);
    }
    QCOMPARE(fixture.allowedInARow(u"198.51.100.31"_s), 0);
    QCOMPARE(fixture.allowedInARow(u"198.51.101.1"_s), 30);
    QCOMPARE(fixture.allowedInARow(u"::1"_s), 30);
}

void tst_ConnectionThrottle::newLimitsApply()
{
    Fixture fixture(limits(20, 40, 50, 150));
    QCOMPARE(fixture.allowedInARow(u"192.0.2.1"_s, 5), 5);
    fixture.throttle.setLimits(limits(1, 2, 50, 150));
    // What was left (35) is cut to the new burst.
    QCOMPARE(fixture.allowedInARow(u"192.0.2.1"_s), 2);
    fixture.now += 1000;
    QCOMPARE(fixture.allowedInARow(u"192.0.2.1"_s), 1);
    QCOMPARE(fixture.allowedInARow(u"192.0.2.9"_s), 2);
}

void tst_ConnectionThrottle::fullBucketsAreForgotten()
{
    // A bucket that has refilled says nothing a new one would not: it goes, and the table
    // holds only addresses that connected lately.
    Fixture fixture(limits(20, 40, 50, 150));
    for (int host = 1; host <= 200; ++host) {
        fixture.allowedInARow(u"10.0.%1.%2"_s.arg(host / 100).arg(host % 100), 1);
    }
    QCOMPARE(fixture.throttle.addresses().size(), 200);
    QCOMPARE(fixture.throttle.networks().size(), 3);
    fixture.now += 10'000; // every bucket is full again
    for (int i = 0; i < 200; ++i) {
        fixture.allowedInARow(u"192.0.2.1"_s, 1);
        fixture.now += 1;
    }
    QCOMPARE(fixture.throttle.addresses().size(), 1);
    QCOMPARE(fixture.throttle.networks().size(), 1);
    QVERIFY(fixture.throttle.addresses().find(u"192.0.2.1"_s));
    QCOMPARE(fixture.throttle.addresses().evictions(), 0);
}

void tst_ConnectionThrottle::entriesAreCapped()
{
    // A flood from more addresses than the table holds: it never holds more than its cap, and
    // the least recently used go (said in the log), while a flooding address, being the most
    // recently used, keeps its empty bucket.
    Fixture fixture(limits(1, 2, 1000, 1000), 100);
    QCOMPARE(fixture.allowedInARow(u"192.0.2.1"_s), 2);
    QTest::ignoreMessage(
        QtWarningMsg, QRegularExpression(u"connection rate per address: all 100 buckets in use"_s));
    QTest::ignoreMessage(
        QtWarningMsg, QRegularExpression(u"connection rate per network: all 100 buckets in use"_s));
    for (int i = 0; i < 10'000; ++i) {
        const QString address = u"10.%1.%2.1"_s.arg(i % 256).arg(i / 256); // each its own /24
        QCOMPARE(
            fixture.throttle.admit(QHostAddress(address)), ConnectionThrottle::Verdict::Allowed);
        QVERIFY(fixture.throttle.addresses().size() <= 100);
        QVERIFY(fixture.throttle.networks().size() <= 100);
        if (i % 50 == 0) {
            QCOMPARE(fixture.throttle.admit(QHostAddress(u"192.0.2.1"_s)),
                ConnectionThrottle::Verdict::AddressTooFast);
        }
    }
    QCOMPARE(fixture.throttle.addresses().size(), 100);
    QVERIFY(fixture.throttle.addresses().evictions() >= 10'000 - 100);
    QVERIFY(fixture.throttle.networks().evictions() > 0);
    // One pushed out comes back with a new bucket: what the cap costs.
    QCOMPARE(fixture.allowedInARow(u"10.0.0.1"_s), 2);
}

QTEST_APPLESS_MAIN(tst_ConnectionThrottle)
#include "tst_connectionthrottle.moc"

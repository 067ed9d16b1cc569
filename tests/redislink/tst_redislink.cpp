#include "redislink.h"
#include "redisserver.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;

// RedisLink against a real redis-server: publishing and hearing, payloads of any bytes, and
// Redis going away (killed) and coming back on the same port, at start-up and later.
class tst_RedisLink : public QObject
{
    Q_OBJECT

private slots:
    void parsesUrls_data();
    void parsesUrls();
    void publishesAndHears();
    void anyBytesArriveWhole();
    void survivesARedisRestart();
    void waitsForARedisThatIsNotThereYet();
};

namespace {

const QString Channel = u"natter:test"_s;

std::unique_ptr<RedisLink> linkTo(const RedisServer &redis)
{
    return std::make_unique<RedisLink>(u"127.0.0.1"_s, redis.port(), QStringList{Channel});
}

} // namespace

void tst_RedisLink::parsesUrls_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::newRow("host and port") << u"redis://10.0.0.5:7000"_s << true << u"10.0.0.5"_s << 7000;
    QTest::newRow("default port") << u"redis://cache.example"_s << true << u"cache.example"_s
                                  << 6379;
    QTest::newRow("not redis") << u"http://cache.example:6379"_s << false << QString() << 0;
    QTest::newRow("no host") << u"redis://"_s << false << QString() << 0;
    QTest::newRow("a bare host") << u"cache.example"_s << false << QString() << 0;
    // No AUTH is sent: a password would be silently ignored, so it is refused.
    QTest::newRow("a password") << u"redis://:s3cret@cache.example"_s << false << QString() << 0;
}

void tst_RedisLink::parsesUrls()
{
    QFETCH(QString, url);
    QFETCH(bool, ok);
    QFETCH(QString, host);
    QFETCH(int, port);
    QString parsedHost;
    quint16 parsedPort = 0;
    QCOMPARE(RedisLink::parseUrl(url, &parsedHost, &parsedPort), ok);
    if (ok) {
        QCOMPARE(parsedHost, host);
        QCOMPARE(int(parsedPort), port);
    }
}

void tst_RedisLink::publishesAndHears()
{
    RedisServer redis;
    QVERIFY2(redis.start(), qPrintable(redis.error()));
    auto a = linkTo(redis);
    auto b = linkTo(redis);
    QSignalSpy aUp(a.get(), &RedisLink::connected);
    QSignalSpy bUp(b.get(), &RedisLink::connected);
    QSignalSpy heardByB(b.get(), &RedisLink::message);
    QSignalSpy heardByA(a.get(), &RedisLink::message);
    a->start();
    b->start();
    QTRY_COMPARE(aUp.size(), 1);
    QTRY_COMPARE(bUp.size(), 1);
    QVERIFY(a->isConnected());

    a->publish(Channel, "hello");
    a->publish(u"natter:elsewhere"_s, "not for us");
    a->publish(Channel, "again");
    QTRY_COMPARE(heardByB.size(), 2);
    QCOMPARE(heardByB.at(0).at(0).toString(), Channel);
    QCOMPARE(heardByB.at(0).at(1).toByteArray(), QByteArray("hello"));
    QCOMPARE(heardByB.at(1).at(1).toByteArray(), QByteArray("again"));
    QTRY_COMPARE(heardByA.size(), 2); // a publisher that subscribed hears itself too
}

void tst_RedisLink::anyBytesArriveWhole()
{
    RedisServer redis;
    QVERIFY2(redis.start(), qPrintable(redis.error()));
    auto a = linkTo(redis);
    QSignalSpy up(a.get(), &RedisLink::connected);
    QSignalSpy heard(a.get(), &RedisLink::message);
    a->start();
    QTRY_COMPARE(up.size(), 1);
    QByteArray binary("\0\r\n$3\r\nnul\0", 12);
    QByteArray large(1 << 20, 'x');
    for (int i = 0; i < large.size(); i += 4096) {
        large[i] = char(i / 4096);
    }
    a->publish(Channel, binary);
    a->publish(Channel, large);
    QTRY_COMPARE(heard.size(), 2);
    QCOMPARE(heard.at(0).at(1).toByteArray(), binary);
    QCOMPARE(heard.at(1).at(1).toByteArray(), large);
}

void tst_RedisLink::survivesARedisRestart()
{
    RedisServer redis;
    QVERIFY2(redis.start(), qPrintable(redis.error()));
    auto a = linkTo(redis);
    auto b = linkTo(redis);
    QSignalSpy aUp(a.get(), &RedisLink::connected);
    QSignalSpy bUp(b.get(), &RedisLink::connected);
    QSignalSpy aDown(a.get(), &RedisLink::disconnected);
    QSignalSpy heard(b.get(), &RedisLink::message);
    a->start();
    b->start();
    QTRY_COMPARE(aUp.size(), 1);
    QTRY_COMPARE(bUp.size(), 1);

    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"lost Redis at 127.0.0.1"_s));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"lost Redis at 127.0.0.1"_s));
    redis.kill();
    QTRY_COMPARE(aDown.size(), 1);
    QVERIFY(!a->isConnected());
    a->publish(Channel, "into the void"); // dropped, not queued, not a crash

    QVERIFY2(redis.start(), qPrintable(redis.error()));
    QTRY_COMPARE_WITH_TIMEOUT(aUp.size(), 2, 15000);
    QTRY_COMPARE_WITH_TIMEOUT(bUp.size(), 2, 15000);
    QCOMPARE(aDown.size(), 1); // the loss is reported once, not at every retry
    a->publish(Channel, "back");
    QTRY_COMPARE(heard.size(), 1);
    QCOMPARE(heard.at(0).at(1).toByteArray(), QByteArray("back"));
}

void tst_RedisLink::waitsForARedisThatIsNotThereYet()
{
    RedisServer redis;
    QVERIFY2(redis.start(), qPrintable(redis.error()));
    redis.kill(); // its port is known, and nothing listens on it
    auto a = linkTo(redis);
    QSignalSpy up(a.get(), &RedisLink::connected);
    QSignalSpy down(a.get(), &RedisLink::disconnected);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"cannot reach Redis at 127.0.0.1"_s));
    a->start();
    QTRY_COMPARE(down.size(), 1);
    QVERIFY2(redis.start(), qPrintable(redis.error()));
    QTRY_COMPARE_WITH_TIMEOUT(up.size(), 1, 15000);
    QCOMPARE(down.size(), 1);
}

QTEST_GUILESS_MAIN(tst_RedisLink)
#include "tst_redislink.moc"

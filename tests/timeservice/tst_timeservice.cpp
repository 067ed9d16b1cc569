#include "timeservice.h"

#include <QRegularExpression>
#include <QTest>
#include <QTimeZone>

using Protocol::ErrorCode;
using namespace Qt::StringLiterals;

// TimeService: day, date and time answers, zones and offsets, and unknown requests.
class tst_TimeService : public QObject
{
    Q_OBJECT

private slots:
    void fixedInstantInNamedZones_data();
    void fixedInstantInNamedZones();
    void serverZoneMatchesTheClock();
    void unknownQueryListsTheValidOnes();
    void unknownZone();
    void zoneIdsCannotReachTheFileSystem_data();
    void zoneIdsCannotReachTheFileSystem();
};

void tst_TimeService::fixedInstantInNamedZones_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QString>("zone");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("offset");

    // 2026-11-21T23:30:00Z: still Saturday in UTC, already Sunday in Tokyo.
    QTest::newRow("day utc") << u"day"_s << u"UTC"_s << u"Saturday"_s << u"+00:00"_s;
    QTest::newRow("day tokyo") << u"day"_s << u"Asia/Tokyo"_s << u"Sunday"_s << u"+09:00"_s;
    QTest::newRow("date tokyo") << u"date"_s << u"Asia/Tokyo"_s << u"2026-11-22"_s << u"+09:00"_s;
    QTest::newRow("time paris") << u"time"_s << u"Europe/Paris"_s << u"00:30:00"_s << u"+01:00"_s;
    QTest::newRow("time new york")
        << u"TIME"_s << u"America/New_York"_s << u"18:30:00"_s << u"-05:00"_s;
    QTest::newRow("half-hour zone")
        << u"time"_s << u"Asia/Kolkata"_s << u"05:00:00"_s << u"+05:30"_s;
}

void tst_TimeService::fixedInstantInNamedZones()
{
    QFETCH(QString, query);
    QFETCH(QString, zone);
    QFETCH(QString, value);
    QFETCH(QString, offset);

    const QDateTime instant(QDate(2026, 11, 21), QTime(23, 30), Qt::UTC);
    const TimeService::Reply reply = TimeService::answer(query, zone, instant);
    QCOMPARE(reply.error, ErrorCode::None);
    QCOMPARE(reply.frame.value("type"_L1).toString(), u"time"_s);
    QCOMPARE(reply.frame.value("query"_L1).toString(), query.toLower());
    QCOMPARE(reply.frame.value("value"_L1).toString(), value);
    QCOMPARE(reply.frame.value("zone"_L1).toString(), zone);
    QCOMPARE(reply.frame.value("offset"_L1).toString(), offset);
    const QDateTime iso
        = QDateTime::fromString(reply.frame.value("iso"_L1).toString(), Qt::ISODateWithMs);
    QCOMPARE(iso, instant);
}

void tst_TimeService::serverZoneMatchesTheClock()
{
    for (const QString &query : TimeService::queries()) {
        const QDateTime before = QDateTime::currentDateTimeUtc();
        const TimeService::Reply reply = TimeService::answer(query, {});
        QCOMPARE(reply.error, ErrorCode::None);
        const QDateTime iso
            = QDateTime::fromString(reply.frame.value("iso"_L1).toString(), Qt::ISODateWithMs);
        QVERIFY(iso.isValid());
        QVERIFY(qAbs(iso.msecsTo(before)) < 1000);
        const QDateTime local = iso.toTimeZone(QTimeZone::systemTimeZone());
        const QString value = reply.frame.value("value"_L1).toString();
        if (query == "day"_L1) {
            QCOMPARE(value, QLocale::c().dayName(local.date().dayOfWeek()));
        } else if (query == "date"_L1) {
            QCOMPARE(QDate::fromString(value, Qt::ISODate), local.date());
        } else {
            const QTime time = QTime::fromString(value, u"HH:mm:ss"_s);
            QVERIFY(time.isValid());
            QVERIFY(qAbs(time.secsTo(local.time())) <= 1);
        }
        QVERIFY(QRegularExpression(uR"(^[+-]\d\d:\d\d$)"_s)
                    .match(reply.frame.value("offset"_L1).toString())
                    .hasMatch());
        QVERIFY(!reply.frame.value("zone"_L1).toString().isEmpty());
    }
}

void tst_TimeService::unknownQueryListsTheValidOnes()
{
    const TimeService::Reply reply = TimeService::answer(u"year"_s, {});
    QCOMPARE(reply.error, ErrorCode::UnknownQuery);
    for (const QString &query : TimeService::queries()) {
        QVERIFY(reply.message.contains(query));
    }
}

void tst_TimeService::unknownZone()
{
    const TimeService::Reply reply = TimeService::answer(u"time"_s, u"Mars/Olympus_Mons"_s);
    QCOMPARE(reply.error, ErrorCode::UnknownZone);
    QVERIFY(reply.message.contains(u"Mars/Olympus_Mons"_s));
}

void tst_TimeService::zoneIdsCannotReachTheFileSystem_data()
{
    QTest::addColumn<QString>("zone");
    // Each would block or misbehave if it were opened under /usr/share/zoneinfo.
    QTest::newRow("stdin") << u"../../../../dev/stdin"_s;
    QTest::newRow("absolute") << u"/dev/zero"_s;
    QTest::newRow("inside a real zone") << u"Europe/../../../../dev/stdin"_s;
    QTest::newRow("directory") << u"Europe"_s;
}

void tst_TimeService::zoneIdsCannotReachTheFileSystem()
{
    QFETCH(QString, zone);
    const TimeService::Reply reply = TimeService::answer(u"time"_s, zone);
    QCOMPARE(reply.error, ErrorCode::UnknownZone);
}

QTEST_APPLESS_MAIN(tst_TimeService)
#include "tst_timeservice.moc"

#include "timeservice.h"

#include "frames.h"

#include <QLocale>
#include <QSet>
#include <QTimeZone>

using Protocol::ErrorCode;
using namespace Qt::StringLiterals;

namespace {

QString offsetText(int offsetSeconds)
{
    const int minutes = std::abs(offsetSeconds) / 60;
    return u"%1%2:%3"_s.arg(QChar(offsetSeconds < 0 ? u'-' : u'+'))
        .arg(minutes / 60, 2, 10, QChar(u'0'))
        .arg(minutes % 60, 2, 10, QChar(u'0'));
}

} // namespace

QStringList TimeService::queries()
{
    return {u"day"_s, u"date"_s, u"time"_s};
}

TimeService::Reply TimeService::answer(
    const QString &query, const QString &zoneId, const QDateTime &now)
{
    const QString q = query.trimmed().toLower();
    if (!queries().contains(q)) {
        return {{}, ErrorCode::UnknownQuery,
            u"unknown query \"%1\"; ask for one of: %2"_s.arg(query, queries().join(u", "_s))};
    }
    QTimeZone zone = QTimeZone::systemTimeZone();
    if (!zoneId.isEmpty()) {
        // QTimeZone would open /usr/share/zoneinfo/<id> as given: "../../dev/stdin" would block
        // the thread (and Qt's zone cache with it). Only ids from the system's list get through.
        static const QSet<QByteArray> knownZones = [] {
            const QList<QByteArray> ids = QTimeZone::availableTimeZoneIds();
            return QSet<QByteArray>(ids.cbegin(), ids.cend());
        }();
        const QByteArray id = zoneId.toUtf8();
        if (knownZones.contains(id)) {
            zone = QTimeZone(id);
        }
        if (!knownZones.contains(id) || !zone.isValid()) {
            return {{}, ErrorCode::UnknownZone,
                u"unknown time zone \"%1\"; use an IANA name such as Europe/Paris"_s.arg(zoneId)};
        }
    }
    const QDateTime local = now.toTimeZone(zone);
    QString value;
    if (q == "day"_L1) {
        value = QLocale::c().dayName(local.date().dayOfWeek());
    } else if (q == "date"_L1) {
        value = local.date().toString(Qt::ISODate);
    } else {
        value = local.time().toString(u"HH:mm:ss"_s);
    }
    // Some systems report the local zone only as "localtime"; the abbreviation still helps.
    const QString zoneName = QString::fromUtf8(zone.id());
    return {Frames::timeReply(q, value, zoneName, zone.abbreviation(local),
                offsetText(zone.offsetFromUtc(local)), local.toString(Qt::ISODateWithMs)),
        ErrorCode::None, {}};
}

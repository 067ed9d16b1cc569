#pragma once

#include "protocol.h"

#include <QDateTime>
#include <QJsonObject>
#include <QStringList>

// The day, date and time service: answers "day", "date" or "time" from a clock, in the
// server's time zone or a named IANA zone, with the zone's name and UTC offset.
class TimeService
{
public:
    struct Reply
    {
        QJsonObject frame; // the time frame, when error is None
        Protocol::ErrorCode error = Protocol::ErrorCode::None;
        QString message;
    };

    static QStringList queries();
    // zoneId empty means the server's own zone.
    static Reply answer(const QString &query, const QString &zoneId,
        const QDateTime &now = QDateTime::currentDateTimeUtc());
};

#pragma once

#include <QDateTime>
#include <QJsonArray>
#include <QJsonValue>
#include <QStringList>

// Reading the fields of server frames the same way wherever the client core reads them.
namespace FrameFields {

// A frame's "ts" in ms since the epoch; now, if it has none or it cannot be read.
inline qint64 timestamp(const QJsonValue &ts)
{
    const QDateTime when = QDateTime::fromString(ts.toString(), Qt::ISODateWithMs);
    return when.isValid() ? when.toMSecsSinceEpoch() : QDateTime::currentMSecsSinceEpoch();
}

// A list of names ("users", "members").
inline QStringList names(const QJsonValue &array)
{
    QStringList list;
    for (const QJsonValue &value : array.toArray()) {
        list.append(value.toString());
    }
    return list;
}

} // namespace FrameFields

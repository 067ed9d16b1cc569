#pragma once

#include <QList>

// The message ids first..last, for comparing with what a store or a client holds.
inline QList<qint64> idRange(qint64 first, qint64 last)
{
    QList<qint64> ids;
    for (qint64 id = first; id <= last; ++id) {
        ids.append(id);
    }
    return ids;
}

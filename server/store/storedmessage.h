#pragma once

#include "frames.h"

#include <QDateTime>
#include <QString>

// One chat message or private message as the history keeps it: what was sent, with the id and
// the time the server gave it.
struct StoredMessage
{
    qint64 id = 0;
    QString from;
    QString to; // empty for a message to everyone
    QString text;
    qint64 msecs = 0; // milliseconds since the epoch, UTC
    QString cid; // the sender's id for it, if it sent one

    bool isPrivate() const { return !to.isEmpty(); }

    QJsonObject toFrame() const
    {
        const QString ts = Protocol::timestamp(QDateTime::fromMSecsSinceEpoch(msecs, Qt::UTC));
        return isPrivate() ? Frames::privateMessage(id, from, to, text, ts, cid)
                           : Frames::message(id, from, text, ts, cid);
    }
};

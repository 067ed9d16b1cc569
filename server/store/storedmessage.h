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
    QString to; // empty for a message to a room
    QString text;
    qint64 msecs = 0; // milliseconds since the epoch, UTC
    QString cid; // the sender's id for it, if it sent one
    // Whose it is: "a:<account id>" for an account, "g:<uuid>" for one guest session. Only they
    // may read a private message again; messages stored before accounts existed have none.
    QString fromIdentity;
    QString toIdentity;
    // A private message to an account that was offline: delivered at its next sign-in.
    bool undelivered = false;
    QString room; // a message to a room: the room's key (its name in lower case)

    bool isPrivate() const { return !to.isEmpty(); }

    QJsonObject toFrame() const
    {
        const QString ts = Protocol::timestamp(QDateTime::fromMSecsSinceEpoch(msecs, Qt::UTC));
        return isPrivate() ? Frames::privateMessage(id, from, to, text, ts, cid)
                           : Frames::message(id, from, text, ts, cid, room);
    }
};

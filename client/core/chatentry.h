#pragma once

#include <QString>

// One row of the chat history: a message, a private message, or a notice (joins, departures,
// connection events, errors). Names are interned by MessageModel, so the thousands of rows
// from one sender share one string.
struct ChatEntry
{
    enum class Kind : quint8 { Message, Private, Joined, Left, Notice, Error };

    Kind kind = Kind::Message;
    bool own = false; // sent by this client's user
    bool history = false; // fetched from the server's history, not seen live
    bool pending = false; // typed here, not yet confirmed by the server
    qint64 id = 0; // the server's id for messages and private messages, 0 otherwise
    qint64 msecsSinceEpoch = 0; // UTC
    QString from;
    QString to; // private messages only
    QString text;
};

#pragma once

#include "protocol.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>

#include <memory>

// How one client's lines become frames and frames become bytes. A connection's first line
// chooses the format for good: a JSON object means JsonWire, anything else TextWire (nc and
// telnet). The session speaks frames only and never asks which format it has.
class WireFormat
{
public:
    // What a format may need to know to read a line (plain text reads by context).
    struct Context
    {
        bool registered = false;
        qint64 openQuestion = 0; // the quiz question awaiting an answer, 0 for none
        QString passwordFor; // set: the next line is this account's password
        QString room; // where typed lines go (plain text); empty: general
    };
    // A line is a frame to handle, an error to answer, a reply to show as it is (text help),
    // or nothing at all (a blank line).
    struct Decoded
    {
        QJsonObject frame;
        Protocol::ErrorCode error = Protocol::ErrorCode::None;
        QString message; // the error's
        QByteArray reply;
    };

    virtual ~WireFormat() = default;

    // The format a first line asks for; a UTF-8 byte order mark in front of it is ignored.
    static std::unique_ptr<WireFormat> forFirstLine(const QByteArray &line);
    // The question a silent new connection is asked, in case a person is at nc.
    static QByteArray namePrompt();
    // line without the UTF-8 byte order mark some editors and Windows tools put in front.
    static QByteArray withoutByteOrderMark(const QByteArray &line);

    virtual Decoded decode(const QByteArray &line, const Context &context) const = 0;
    // self: the reader's name, for formats that show a reader's own messages differently; room:
    // its current room, for formats that mark what happens elsewhere.
    virtual QByteArray encode(
        const QJsonObject &frame, const QString &self, const QString &room = {}) const = 0;
    // Frames the room encoded once as JSON for everyone, as this client is to get them.
    virtual QList<QByteArray> encodeShared(const QList<QByteArray> &jsonFrames, const QString &self,
        const QString &room = {}) const = 0;
    // Whether the client can answer keep-alive pings (a person at nc cannot).
    virtual bool answersPings() const = 0;
    // Whether a person reads it (plain text): the session then gives more time to type a name,
    // counts a paste rather than each line, shows what was said before joining, says what went
    // wrong in words, and resets the connection after its bye so that nc exits.
    virtual bool forPeople() const = 0;
};

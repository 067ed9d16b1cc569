#pragma once

#include "protocol.h"

#include <QJsonObject>

// The rules a client-to-server frame must follow: known type, required fields with the right
// JSON types, valid names and texts. Unknown extra fields are ignored so that newer clients
// can talk to this server. Also the server frames a client checks before acting on them.
class FrameValidator
{
public:
    struct Verdict
    {
        Protocol::ErrorCode error = Protocol::ErrorCode::None;
        QString message;

        bool isValid() const { return error == Protocol::ErrorCode::None; }
    };

    // Checks the frame's type and field types; not names or texts, whose errors have codes of
    // their own and are reported by the handler of each frame.
    static Verdict validateClientFrame(const QJsonObject &frame);
    // A presence frame, as a client reads it before changing its member lists: a valid room,
    // joined an array of valid names, left an array of {"name": a valid name, "reason": a
    // string}. BadFrame otherwise (a server's mistake or a stranger's: the frame is dropped).
    static Verdict validatePresence(const QJsonObject &frame);

    static Verdict validateName(const QString &name);
    static Verdict validateRoom(const QString &room);
    static Verdict validateText(const QString &text);
};

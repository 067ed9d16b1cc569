#pragma once

#include "protocol.h"

#include <QByteArray>
#include <QJsonObject>

#include <optional>

// Turns one line into a JSON object frame and back. It checks what every frame must be
// (UTF-8, a JSON object, a string "type"); what each type must carry is FrameValidator's job.
class FrameCodec
{
public:
    struct Decoded
    {
        QJsonObject frame;
        Protocol::ErrorCode error = Protocol::ErrorCode::None;
        QString message; // human-readable reason when error is set

        bool isValid() const { return error == Protocol::ErrorCode::None; }
        QString type() const;
    };

    static Decoded decode(const QByteArray &line);

    // The text of strictly valid UTF-8 bytes; nothing for anything else (no silent U+FFFD).
    static std::optional<QString> decodeUtf8(const QByteArray &bytes);

    // Compact JSON followed by "\n", ready to write.
    static QByteArray encode(const QJsonObject &frame);
};

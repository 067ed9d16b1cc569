#pragma once

#include "wireformat.h"

// Protocol v1 as docs/PROTOCOL.md defines it: one JSON object per line. Lines are checked by
// FrameCodec (UTF-8, an object with a string type) and FrameValidator (the type's fields).
class JsonWire : public WireFormat
{
public:
    Decoded decode(const QByteArray &line, const Context &context) const override;
    QByteArray encode(
        const QJsonObject &frame, const QString &self, const QString &room = {}) const override;
    // The shared bytes themselves: a broadcast is encoded once for every JSON client.
    QList<QByteArray> encodeShared(const QList<QByteArray> &jsonFrames, const QString &self,
        const QString &room = {}) const override;
    bool answersPings() const override { return true; }
    bool forPeople() const override { return false; }
};

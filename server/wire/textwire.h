#pragma once

#include "wireformat.h"

// Plain-text mode, for nc and telnet: typed lines become frames through TextCommandParser, and
// every frame is shown as readable lines by TextRenderer. The only place JSON the room encoded
// is read back, to be rendered.
class TextWire : public WireFormat
{
public:
    Decoded decode(const QByteArray &line, const Context &context) const override;
    QByteArray encode(
        const QJsonObject &frame, const QString &self, const QString &room = {}) const override;
    QList<QByteArray> encodeShared(const QList<QByteArray> &jsonFrames, const QString &self,
        const QString &room = {}) const override;
    bool answersPings() const override { return false; }
    bool forPeople() const override { return true; }
};

#include "jsonwire.h"

#include "framecodec.h"
#include "framevalidator.h"

WireFormat::Decoded JsonWire::decode(const QByteArray &line, const Context &) const
{
    const FrameCodec::Decoded decoded = FrameCodec::decode(withoutByteOrderMark(line));
    if (!decoded.isValid()) {
        return {{}, decoded.error, decoded.message, {}};
    }
    const FrameValidator::Verdict verdict = FrameValidator::validateClientFrame(decoded.frame);
    if (!verdict.isValid()) {
        return {{}, verdict.error, verdict.message, {}};
    }
    return {decoded.frame, Protocol::ErrorCode::None, {}, {}};
}

QByteArray JsonWire::encode(const QJsonObject &frame, const QString &, const QString &) const
{
    return FrameCodec::encode(frame);
}

QList<QByteArray> JsonWire::encodeShared(
    const QList<QByteArray> &jsonFrames, const QString &, const QString &) const
{
    return jsonFrames;
}

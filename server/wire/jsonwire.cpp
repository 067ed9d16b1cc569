#include "jsonwire.h"

#include "framecodec.h"
#include "framevalidator.h"

namespace {

const QByteArray ByteOrderMark("\xEF\xBB\xBF");

} // namespace

WireFormat::Decoded JsonWire::decode(const QByteArray &line, const Context &) const
{
    // Some editors and Windows tools put a byte order mark before the first line.
    const FrameCodec::Decoded decoded = FrameCodec::decode(
        line.startsWith(ByteOrderMark) ? line.sliced(ByteOrderMark.size()) : line);
    if (!decoded.isValid()) {
        return {{}, decoded.error, decoded.message, {}};
    }
    const FrameValidator::Verdict verdict = FrameValidator::validateClientFrame(decoded.frame);
    if (!verdict.isValid()) {
        return {{}, verdict.error, verdict.message, {}};
    }
    return {decoded.frame, Protocol::ErrorCode::None, {}, {}};
}

QByteArray JsonWire::encode(const QJsonObject &frame, const QString &) const
{
    return FrameCodec::encode(frame);
}

QList<QByteArray> JsonWire::encodeShared(const QList<QByteArray> &jsonFrames, const QString &) const
{
    return jsonFrames;
}

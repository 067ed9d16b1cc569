#include "framecodec.h"

#include <QJsonDocument>
#include <QJsonParseError>
#include <QStringDecoder>

using Protocol::ErrorCode;

namespace {

FrameCodec::Decoded failure(ErrorCode code, const QString &message)
{
    FrameCodec::Decoded result;
    result.error = code;
    result.message = message;
    return result;
}

} // namespace

QString FrameCodec::Decoded::type() const
{
    return frame.value(QLatin1StringView("type")).toString();
}

FrameCodec::Decoded FrameCodec::decode(const QByteArray &line)
{
    // Qt's parser would quietly replace bad sequences inside strings; the protocol says UTF-8.
    if (!decodeUtf8(line)) {
        return failure(ErrorCode::BadJson, QStringLiteral("frame is not valid UTF-8"));
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(line, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        return failure(ErrorCode::BadJson,
            QStringLiteral("invalid JSON at offset %1: %2")
                .arg(parseError.offset)
                .arg(parseError.errorString()));
    }
    if (!document.isObject()) {
        return failure(ErrorCode::BadFrame, QStringLiteral("a frame must be a JSON object"));
    }
    const QJsonValue type = document.object().value(QLatin1StringView("type"));
    if (!type.isString()) {
        return failure(
            ErrorCode::BadFrame, QStringLiteral("a frame needs a string field \"type\""));
    }
    Decoded result;
    result.frame = document.object();
    return result;
}

std::optional<QString> FrameCodec::decodeUtf8(const QByteArray &bytes)
{
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString text = decoder.decode(bytes);
    if (decoder.hasError()) {
        return std::nullopt;
    }
    return text;
}

QByteArray FrameCodec::encode(const QJsonObject &frame)
{
    QByteArray bytes = QJsonDocument(frame).toJson(QJsonDocument::Compact);
    bytes.append('\n');
    return bytes;
}

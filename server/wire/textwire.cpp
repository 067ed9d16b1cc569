#include "textwire.h"

#include "framecodec.h"
#include "framevalidator.h"
#include "textcommandparser.h"
#include "textrenderer.h"

using namespace Qt::StringLiterals;

WireFormat::Decoded TextWire::decode(const QByteArray &line, const Context &context) const
{
    // Text mode has the same UTF-8 rule as JSON; a bad byte must not become U+FFFD silently.
    const std::optional<QString> text = FrameCodec::decodeUtf8(line);
    if (!text) {
        return {{}, Protocol::ErrorCode::BadJson, u"that line is not valid UTF-8"_s, {}};
    }
    const TextCommandParser::Command command = TextCommandParser::parse(
        *text, {context.registered, context.openQuestion, context.passwordFor, context.room});
    Decoded decoded;
    // Typed commands obey the rules JSON frames do (a room's name, a cid's shape).
    if (!command.frame.isEmpty()) {
        const FrameValidator::Verdict verdict = FrameValidator::validateClientFrame(command.frame);
        if (!verdict.isValid()) {
            return {{}, verdict.error, verdict.message, {}};
        }
    }
    decoded.frame = command.frame;
    if (!command.reply.isEmpty()) {
        QString reply = command.reply;
        // Plain text's errors ("! ...") are all in lower case, as the server's own are. The
        // parser's are also the desktop client's notices, where some read as sentences; its
        // replies never begin with a name, so the first letter may be lowered.
        if (reply.startsWith("! "_L1) && reply.size() > 2) {
            reply[2] = reply.at(2).toLower();
        }
        decoded.reply = (reply + u'\n').toUtf8();
    }
    return decoded;
}

QByteArray TextWire::encode(
    const QJsonObject &frame, const QString &self, const QString &room) const
{
    return TextRenderer::render(frame, self, room);
}

QList<QByteArray> TextWire::encodeShared(
    const QList<QByteArray> &jsonFrames, const QString &self, const QString &room) const
{
    // Text readers are few; reading the shared JSON back keeps the broadcast encode-once.
    QList<QByteArray> lines;
    lines.reserve(jsonFrames.size());
    for (const QByteArray &frame : jsonFrames) {
        const QByteArray rendered
            = TextRenderer::render(FrameCodec::decode(frame.chopped(1)).frame, self, room);
        if (!rendered.isEmpty()) {
            lines.append(rendered); // an empty history page shows nothing
        }
    }
    return lines;
}

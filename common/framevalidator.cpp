#include "framevalidator.h"

#include "frametype.h"

#include <QJsonArray>

#include <algorithm>
#include <array>
#include <cmath>

using Protocol::ErrorCode;
using Protocol::FrameType;

namespace {

struct FieldRule
{
    QLatin1StringView name;
    QJsonValue::Type type = QJsonValue::Undefined; // Undefined: any JSON value
    bool required = true;
};

using Fields = std::array<FieldRule, 5>; // unused slots have an empty name

using namespace Qt::StringLiterals;

// The fields of each client frame. No default: a new frame type does not compile quietly, it
// has to be given its fields here (or be listed as one no client sends).
Fields clientFields(FrameType type)
{
    switch (type) {
    case FrameType::Hello:
        // A name, with a password for an account; or a token, which names its account.
        return {{{"name"_L1, QJsonValue::String, false}, {"since"_L1, QJsonValue::Double, false},
            {"password"_L1, QJsonValue::String, false}, {"token"_L1, QJsonValue::String, false}}};
    case FrameType::Register:
        return {{{"password"_L1, QJsonValue::String}}};
    case FrameType::Password:
        return {{{"old"_L1, QJsonValue::String}, {"new"_L1, QJsonValue::String}}};
    case FrameType::Say:
        return {{{"text"_L1, QJsonValue::String}, {"cid"_L1, QJsonValue::String, false},
            {"room"_L1, QJsonValue::String, false}}};
    case FrameType::Dm:
        return {{{"to"_L1, QJsonValue::String}, {"text"_L1, QJsonValue::String},
            {"cid"_L1, QJsonValue::String, false}}};
    case FrameType::History:
        return {{{"before"_L1, QJsonValue::Double, false}, {"after"_L1, QJsonValue::Double, false},
            {"limit"_L1, QJsonValue::Double, false}, {"room"_L1, QJsonValue::String, false},
            {"with"_L1, QJsonValue::String, false}}};
    case FrameType::Join:
    case FrameType::Part:
        return {{{"room"_L1, QJsonValue::String}}};
    case FrameType::Create:
        return {{{"room"_L1, QJsonValue::String}, {"private"_L1, QJsonValue::Bool, false},
            {"topic"_L1, QJsonValue::String, false}}};
    case FrameType::Invite:
        return {{{"room"_L1, QJsonValue::String}, {"name"_L1, QJsonValue::String}}};
    case FrameType::Topic:
        return {{{"room"_L1, QJsonValue::String}, {"topic"_L1, QJsonValue::String}}};
    case FrameType::Read:
        return {{{"room"_L1, QJsonValue::String}, {"id"_L1, QJsonValue::Double}}};
    case FrameType::Echo:
        return {{{"text"_L1, QJsonValue::String}}};
    case FrameType::Time:
        return {{{"query"_L1, QJsonValue::String}, {"zone"_L1, QJsonValue::String, false}}};
    case FrameType::QuizAnswer:
        // The answer may be a number or a string; whether it is numeric is the quiz's call.
        return {{{"n"_L1, QJsonValue::Double}, {"answer"_L1}}};
    case FrameType::Kick:
        return {{{"name"_L1, QJsonValue::String}, {"reason"_L1, QJsonValue::String, false},
            {"room"_L1, QJsonValue::String, false}}};
    case FrameType::Ban:
        // A name or an address (checked below); minutes absent: for good.
        return {{{"name"_L1, QJsonValue::String, false}, {"address"_L1, QJsonValue::String, false},
            {"minutes"_L1, QJsonValue::Double, false}, {"reason"_L1, QJsonValue::String, false},
            {"room"_L1, QJsonValue::String, false}}};
    case FrameType::Unban:
        return {{{"name"_L1, QJsonValue::String, false}, {"address"_L1, QJsonValue::String, false},
            {"room"_L1, QJsonValue::String, false}}};
    case FrameType::Mute:
        return {{{"name"_L1, QJsonValue::String}, {"minutes"_L1, QJsonValue::Double, false},
            {"reason"_L1, QJsonValue::String, false}}};
    case FrameType::Unmute:
        return {{{"name"_L1, QJsonValue::String}}};
    case FrameType::Announce:
    case FrameType::Motd:
        return {{{"text"_L1, QJsonValue::String}}};
    case FrameType::Grant:
        return {{{"name"_L1, QJsonValue::String}, {"role"_L1, QJsonValue::String}}};
    case FrameType::Bans:
    case FrameType::Users:
    case FrameType::Ping:
    case FrameType::Pong: // the answer to the server's keep-alive ping
    case FrameType::Quit:
    case FrameType::QuizStart:
    case FrameType::QuizStop:
    case FrameType::Leaderboard:
    case FrameType::Logout:
    case FrameType::Rooms:
        return {};
    // No client sends these; isClientFrame() has already refused them.
    case FrameType::Unknown:
    case FrameType::Welcome:
    case FrameType::Message:
    case FrameType::Joined:
    case FrameType::Left:
    case FrameType::Bye:
    case FrameType::Error:
    case FrameType::QuizQuestion:
    case FrameType::QuizResult:
    case FrameType::QuizFinished:
    case FrameType::Registered:
    case FrameType::PasswordChanged:
    case FrameType::Room:
    case FrameType::Invited:
    case FrameType::Presence:
    case FrameType::Notice:
        return {};
    }
    return {};
}

QLatin1StringView jsonTypeName(QJsonValue::Type type)
{
    switch (type) {
    case QJsonValue::String:
        return "a string"_L1;
    case QJsonValue::Double:
        return "a number"_L1;
    case QJsonValue::Bool:
        return "a boolean"_L1;
    case QJsonValue::Array:
        return "an array"_L1;
    case QJsonValue::Object:
        return "an object"_L1;
    default:
        return "a value"_L1;
    }
}

bool isNameCharacter(QChar c)
{
    const char16_t u = c.unicode();
    return (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') || (u >= u'0' && u <= u'9')
        || u == u'_' || u == u'-' || u == u'.';
}

bool isValidCid(const QString &cid)
{
    if (cid.isEmpty() || cid.size() > Protocol::MaxCidLength) {
        return false;
    }
    return std::all_of(cid.cbegin(), cid.cend(), [](QChar c) { return c > u' ' && c < u'\x7f'; });
}

FrameValidator::Verdict reject(ErrorCode code, const QString &message)
{
    return {code, message};
}

} // namespace

FrameValidator::Verdict FrameValidator::validateClientFrame(const QJsonObject &frame)
{
    const QString type = frame.value("type"_L1).toString();
    const FrameType known = Protocol::frameTypeFromName(type);
    // A server frame sent back is as meaningless here as a made-up type.
    if (!Protocol::isClientFrame(known)) {
        return reject(ErrorCode::UnknownType, u"unknown frame type \"%1\""_s.arg(type));
    }
    for (const FieldRule &field : clientFields(known)) {
        if (field.name.isEmpty()) {
            continue;
        }
        const QJsonValue value = frame.value(field.name);
        if (value.isUndefined()) {
            if (!field.required) {
                continue;
            }
            return reject(
                ErrorCode::BadFrame, u"\"%1\" needs a field \"%2\""_s.arg(type, field.name));
        }
        if (field.type != QJsonValue::Undefined && value.type() != field.type) {
            return reject(ErrorCode::BadFrame,
                u"field \"%1\" of \"%2\" must be %3"_s.arg(
                    field.name, type, jsonTypeName(field.type)));
        }
    }
    // Ids and counts are whole numbers; a fraction or a huge double would be misread.
    for (const auto name : {"since"_L1, "before"_L1, "after"_L1, "limit"_L1, "id"_L1}) {
        const QJsonValue value = frame.value(name);
        if (!value.isUndefined()
            && (value.toDouble() < 0 || value.toDouble() > 9e15
                || value.toDouble() != std::floor(value.toDouble()))) {
            return reject(ErrorCode::BadFrame,
                u"field \"%1\" of \"%2\" must be a whole number from 0"_s.arg(name, type));
        }
    }
    if (known == FrameType::Hello && !frame.contains("name"_L1) && !frame.contains("token"_L1)) {
        return reject(ErrorCode::BadFrame, u"\"hello\" needs a field \"name\" or \"token\""_s);
    }
    const QJsonValue minutes = frame.value("minutes"_L1);
    if (!minutes.isUndefined()
        && (minutes.toDouble() < 1 || minutes.toDouble() > Protocol::MaxBanMinutes
            || minutes.toDouble() != std::floor(minutes.toDouble()))) {
        return reject(ErrorCode::BadFrame,
            u"\"minutes\" of \"%1\" must be a whole number from 1 to %2 (leave it out for good)"_s
                .arg(type)
                .arg(Protocol::MaxBanMinutes));
    }
    if (known == FrameType::Ban || known == FrameType::Unban) {
        const bool name = frame.contains("name"_L1);
        const bool address = frame.contains("address"_L1);
        if (name == address) {
            return reject(ErrorCode::BadFrame,
                u"\"%1\" needs a field \"name\" or a field \"address\", not both"_s.arg(type));
        }
        if (address && frame.contains("room"_L1)) {
            return reject(ErrorCode::BadFrame,
                u"\"%1\" in a room names a person, not an address"_s.arg(type));
        }
    }
    const QJsonValue room = frame.value("room"_L1);
    if (!room.isUndefined()) {
        const Verdict verdict = validateRoom(room.toString());
        if (!verdict.isValid()) {
            return verdict;
        }
    }
    const QJsonValue cid = frame.value("cid"_L1);
    if (!cid.isUndefined() && !isValidCid(cid.toString())) {
        return reject(ErrorCode::BadFrame,
            u"\"cid\" must hold 1 to %1 printable ASCII characters"_s.arg(Protocol::MaxCidLength));
    }
    return {};
}

FrameValidator::Verdict FrameValidator::validatePresence(const QJsonObject &frame)
{
    if (Protocol::frameType(frame) != FrameType::Presence) {
        return reject(ErrorCode::BadFrame, u"not a presence frame"_s);
    }
    const QJsonValue room = frame.value("room"_L1);
    if (!room.isString() || !validateRoom(room.toString()).isValid()) {
        return reject(ErrorCode::BadFrame, u"\"presence\" needs a valid \"room\""_s);
    }
    const QJsonValue joined = frame.value("joined"_L1);
    const QJsonValue left = frame.value("left"_L1);
    if (!joined.isArray() || !left.isArray()) {
        return reject(ErrorCode::BadFrame, u"\"presence\" needs arrays \"joined\" and \"left\""_s);
    }
    for (const QJsonValue &name : joined.toArray()) {
        if (!name.isString() || !validateName(name.toString()).isValid()) {
            return reject(ErrorCode::BadFrame, u"\"joined\" of \"presence\" holds names only"_s);
        }
    }
    for (const QJsonValue &value : left.toArray()) {
        const QJsonObject departure = value.toObject();
        const QJsonValue name = departure.value("name"_L1);
        if (!value.isObject() || !name.isString() || !validateName(name.toString()).isValid()
            || !departure.value("reason"_L1).isString()) {
            return reject(ErrorCode::BadFrame,
                u"\"left\" of \"presence\" holds {\"name\", \"reason\"} objects only"_s);
        }
    }
    return {};
}

FrameValidator::Verdict FrameValidator::validateName(const QString &name)
{
    if (name.isEmpty() || name.size() > Protocol::MaxNameLength) {
        return reject(
            ErrorCode::BadName, u"a name has 1 to %1 characters"_s.arg(Protocol::MaxNameLength));
    }
    for (const QChar c : name) {
        if (!isNameCharacter(c)) {
            return reject(ErrorCode::BadName,
                u"a name may only hold letters A-Z and a-z, digits, '_', '-' and '.'"_s);
        }
    }
    return {};
}

FrameValidator::Verdict FrameValidator::validateRoom(const QString &room)
{
    const bool valid = !room.isEmpty() && room.size() <= Protocol::MaxRoomLength
        && std::all_of(room.cbegin(), room.cend(), [](QChar c) {
               // ASCII first: lower-casing turns the Kelvin sign into k.
               const char16_t u = c.unicode() < 0x80 ? c.toLower().unicode() : u'\0';
               return (u >= u'a' && u <= u'z') || (u >= u'0' && u <= u'9') || u == u'-'
                   || u == u'_';
           });
    if (!valid) {
        return reject(ErrorCode::BadRoom,
            u"a room name has 1 to %1 of a-z, 0-9, '-' and '_'"_s.arg(Protocol::MaxRoomLength));
    }
    return {};
}

FrameValidator::Verdict FrameValidator::validateText(const QString &text)
{
    if (text.trimmed().isEmpty()) {
        return reject(ErrorCode::BadText, u"a message cannot be empty"_s);
    }
    // JSON escapes can smuggle in half a surrogate pair, which strict readers reject.
    if (!text.isValidUtf16()) {
        return reject(ErrorCode::BadText, u"a message cannot hold unpaired surrogates"_s);
    }
    for (const QChar c : text) {
        // Newlines and tabs are text; other control characters could drive a reader's terminal.
        if ((c.category() == QChar::Other_Control && c != u'\n' && c != u'\t')) {
            return reject(ErrorCode::BadText,
                u"a message cannot hold control characters (U+%1)"_s.arg(
                    c.unicode(), 4, 16, QChar(u'0')));
        }
    }
    return {};
}

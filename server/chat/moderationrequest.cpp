#include "moderationrequest.h"

#include "frametype.h"
#include "framevalidator.h"
#include "roomdirectory.h"

using Protocol::ErrorCode;
using Protocol::FrameType;
using namespace Qt::StringLiterals;

namespace {

// A ban of a subnet wider than this (a /4 of IPv4, say) would shut out much of the internet: a
// typing mistake, or a test of the server's patience.
constexpr int ShortestIpv4Prefix = 8;
constexpr int ShortestIpv6Prefix = 16;

using Refusal = ModerationRequest::Refusal;

std::optional<Refusal> checkReason(const QString &reason)
{
    if (reason.size() > Protocol::MaxReasonLength) {
        return Refusal{ErrorCode::TextTooLong,
            u"a reason may hold at most %1 characters"_s.arg(Protocol::MaxReasonLength)};
    }
    if (!reason.isEmpty()) {
        const FrameValidator::Verdict verdict = FrameValidator::validateText(reason);
        if (!verdict.isValid()) {
            return Refusal{verdict.error, u"the reason: "_s + verdict.message};
        }
    }
    return std::nullopt;
}

std::optional<Refusal> checkText(const QString &text, int maxText, bool mayBeEmpty)
{
    if (text.size() > maxText) {
        return Refusal{
            ErrorCode::TextTooLong, u"a text may hold at most %1 characters"_s.arg(maxText)};
    }
    if (!(mayBeEmpty && text.isEmpty())) {
        const FrameValidator::Verdict verdict = FrameValidator::validateText(text);
        if (!verdict.isValid()) {
            return Refusal{verdict.error, verdict.message};
        }
    }
    return std::nullopt;
}

} // namespace

std::variant<ModerationRequest, ModerationRequest::Refusal> ModerationRequest::parse(
    const QJsonObject &frame, int maxText)
{
    ModerationRequest request;
    switch (Protocol::frameType(frame)) {
    case FrameType::Kick:
        request.action = Action::Kick;
        break;
    case FrameType::Ban:
        request.action = Action::Ban;
        break;
    case FrameType::Unban:
        request.action = Action::Unban;
        break;
    case FrameType::Mute:
        request.action = Action::Mute;
        break;
    case FrameType::Unmute:
        request.action = Action::Unmute;
        break;
    case FrameType::Announce:
        request.action = Action::Announce;
        break;
    case FrameType::Motd:
        request.action = Action::Motd;
        break;
    case FrameType::Grant:
        request.action = Action::Grant;
        break;
    case FrameType::Bans:
        request.action = Action::List;
        break;
    default:
        return Refusal{ErrorCode::UnknownType, u"not a moderation frame"_s};
    }
    request.name = frame.value("name"_L1).toString();
    if (frame.contains("name"_L1)) {
        const FrameValidator::Verdict verdict = FrameValidator::validateName(request.name);
        if (!verdict.isValid()) {
            return Refusal{verdict.error, verdict.message};
        }
    }
    if (frame.contains("address"_L1)) {
        const QString address = frame.value("address"_L1).toString();
        request.subnet = BanList::parseSubnet(address);
        if (!request.subnet) {
            return Refusal{ErrorCode::BadAddress,
                u"\"%1\" is no IP address, nor a subnet like 203.0.113.0/24 or 2001:db8::/32"_s.arg(
                    address.left(64))};
        }
        const bool ipv4 = request.subnet->first.protocol() == QAbstractSocket::IPv4Protocol;
        const int shortest = ipv4 ? ShortestIpv4Prefix : ShortestIpv6Prefix;
        if (request.subnet->second < shortest) {
            return Refusal{ErrorCode::BadAddress,
                u"%1 holds too many addresses: a ban may cover an IPv%2 /%3 at most"_s
                    .arg(address.trimmed().left(64))
                    .arg(ipv4 ? 4 : 6)
                    .arg(shortest)};
        }
    }
    if (frame.contains("minutes"_L1)) {
        request.minutes = frame.value("minutes"_L1).toInteger();
    }
    request.reason = frame.value("reason"_L1).toString().trimmed();
    if (const auto refused = checkReason(request.reason)) {
        return *refused;
    }
    request.roomName = frame.value("room"_L1).toString();
    request.room = RoomDirectory::key(request.roomName);
    request.text = frame.value("text"_L1).toString();
    if (request.action == Action::Announce || request.action == Action::Motd) {
        if (const auto refused = checkText(request.text, maxText, request.action == Action::Motd)) {
            return *refused;
        }
    }
    if (request.action == Action::Grant) {
        const QString role = frame.value("role"_L1).toString();
        const auto known = Protocol::roleFromName(role);
        if (!known) {
            return Refusal{ErrorCode::BadRole,
                u"there is no role \"%1\": give owner, admin, moderator, or none to take one "
                "away"_s.arg(role.left(32))};
        }
        request.role = *known;
    }
    return request;
}

QString ModerationRequest::verb() const
{
    switch (action) {
    case Action::Kick:
        return u"kick"_s;
    case Action::Ban:
        return u"ban"_s;
    case Action::Unban:
        return u"unban"_s;
    case Action::Mute:
        return u"mute"_s;
    case Action::Unmute:
        return u"unmute"_s;
    case Action::Announce:
        return u"announce"_s;
    case Action::Motd:
        return u"motd"_s;
    case Action::Grant:
        return u"grant"_s;
    case Action::List:
        break;
    }
    return u"bans"_s;
}

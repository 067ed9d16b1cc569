#include "roommoderator.h"

#include "chatlog.h"
#include "chatroom.h"
#include "frames.h"
#include "messagestore.h"
#include "moderationtext.h"

using Protocol::ErrorCode;
using Protocol::Role;
using Action = ModerationRequest::Action;
using Kind = ModerationStore::Ban::Kind;
using T = ModerationText;
using namespace Qt::StringLiterals;

RoomModerator::RoomModerator(ChatRoom &room, BanList &bans)
    : m_room(room)
    , m_bans(bans)
{
}

Moderator::Answer RoomModerator::apply(MessageStore &store, const ModerationRequest &request,
    const Moderator::Actor &actor, Role role) const
{
    const QJsonObject about{{"room"_L1, request.roomName}};
    const auto refuse = [&about](ErrorCode code, const QString &message) {
        return Moderator::refuse(code, message, about);
    };
    const auto info = m_room.roomInfo(request.room);
    const auto self = m_room.online(actor.name);
    const bool inside
        = self && self->identity == actor.identity && self->rooms.contains(request.room);
    // To an outsider a private room is no room at all, as everywhere else.
    if (!info || (info->isPrivate && !inside && role < Role::Moderator)) {
        return refuse(ErrorCode::NoSuchRoom, u"there is no room %1"_s.arg(request.roomName));
    }
    const QString room = u"#"_s + info->name;
    const bool owner = !info->owner.isEmpty() && info->owner == actor.identity;
    if (!owner && role < Role::Moderator) {
        return refuse(ErrorCode::NotAllowed,
            u"only the owner of %1, or a moderator, may %2 people there"_s.arg(
                room, request.verb()));
    }
    const auto target = Moderator::find(store, m_room, request.name);
    if (!target) {
        return refuse(ErrorCode::NoSuchUser,
            u"nobody called %1 is online, and no account is"_s.arg(request.name));
    }
    if (target->identity == actor.identity) {
        return refuse(ErrorCode::NotAllowed, u"you cannot %1 yourself"_s.arg(request.verb()));
    }
    if (target->identity == info->owner) {
        return refuse(ErrorCode::NotAllowed,
            u"%1 owns %2: nobody may %3 them there"_s.arg(target->name, room, request.verb()));
    }
    // A staff member answers to staff above it; the room's owner acts on people without a role.
    if (target->role != Role::None || !owner) {
        if (const auto refused = Moderator::outranked(request, role, *target)) {
            return refuse(refused->error, refused->message);
        }
    }
    const QJsonObject fields = T::details(target->name, actor.name, request.reason,
        request.action == Action::Ban && request.minutes
            ? std::optional(m_bans.nowMs() + *request.minutes * 60 * 1000)
            : std::nullopt);
    switch (request.action) {
    case Action::Kick: {
        // Only who is there can be put out; an account that is away is banned, not kicked.
        if (!target->online || !target->rooms.contains(request.room)) {
            return refuse(ErrorCode::NotMember, u"%1 is not in %2"_s.arg(target->name, room));
        }
        const ErrorCode code = m_room.removeFromRoom(request.room, target->identity, u"kicked"_s,
            Frames::notice(u"kick"_s,
                u"%1 was put out of %2 by %3%4"_s.arg(
                    target->name, room, actor.name, T::because(request.reason)),
                fields),
            actor.identity);
        if (code != ErrorCode::None) {
            return refuse(code, u"%1 is not in %2"_s.arg(target->name, room));
        }
        qCInfo(lcModeration).noquote() << actor.peer << actor.name << "put" << target->name
                                       << "out of" << room << "- reason:" << request.reason;
        return {};
    }
    case Action::Ban: {
        const Moderator::Ban ban
            = Moderator::makeBan(Kind::Room, request, actor, *target, m_bans.nowMs());
        // A guest's ban from a room lasts its session, as its mute does: not stored.
        if (target->account && !store.moderation().addBan(ban)) {
            return refuse(ErrorCode::StorageFailed, u"the ban could not be stored"_s);
        }
        m_bans.add(ban);
        const QJsonObject notice = Frames::notice(u"ban"_s,
            u"%1 is banned from %2 %3 by %4%5"_s.arg(target->name, room, T::untilText(ban.untilMs),
                actor.name, T::because(request.reason)),
            fields);
        const ErrorCode code = m_room.removeFromRoom(
            request.room, target->identity, u"banned"_s, notice, actor.identity);
        qCInfo(lcModeration).noquote()
            << actor.peer << actor.name << "banned" << target->name << "from" << room
            << T::untilText(ban.untilMs) << "- reason:" << request.reason;
        if (code == ErrorCode::None) {
            return {}; // the room, the moderator and the banned are told together
        }
        m_room.noticePerson(target->identity, notice);
        QJsonObject acknowledged = notice;
        acknowledged.insert("room"_L1, info->name);
        return Moderator::acknowledge(acknowledged);
    }
    case Action::Unban: {
        const bool held = m_bans.find(Kind::Room, target->identity, request.room).has_value();
        const int lifted = target->account ? store.moderation().removeBan(
                               Kind::Room, target->identity, request.room, m_bans.nowMs())
                                           : 0;
        if (lifted < 0) {
            return refuse(ErrorCode::StorageFailed, u"the ban could not be lifted"_s);
        }
        m_bans.remove(Kind::Room, target->identity, request.room);
        if (lifted == 0 && !held) {
            return refuse(
                ErrorCode::NotBanned, u"%1 is not banned from %2"_s.arg(target->name, room));
        }
        QJsonObject notice
            = Frames::notice(u"unban"_s, u"%1 may join %2 again"_s.arg(target->name, room),
                T::details(target->name, actor.name, {}));
        notice.insert("room"_L1, info->name);
        m_room.noticePerson(target->identity, notice);
        qCInfo(lcModeration).noquote()
            << actor.peer << actor.name << "lifted the ban of" << target->name << "from" << room;
        return Moderator::acknowledge(notice);
    }
    default:
        return refuse(ErrorCode::BadFrame, u"only kick, ban and unban name a room"_s);
    }
}

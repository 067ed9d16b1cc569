#include "moderator.h"

#include "authenticator.h"
#include "chatlog.h"
#include "chatroom.h"
#include "framecodec.h"
#include "frames.h"
#include "messagestore.h"
#include "moderationtext.h"
#include "rolegranter.h"
#include "roommoderator.h"

#include <QDateTime>
#include <QJsonArray>

using Protocol::ErrorCode;
using Protocol::Role;
using Action = ModerationRequest::Action;
using Kind = ModerationStore::Ban::Kind;
using namespace Qt::StringLiterals;

namespace {

QString accountIdentity(qint64 id)
{
    return u"a:%1"_s.arg(id);
}

Moderator::Answer notAllowed(const ModerationRequest &request, Role least)
{
    return Moderator::refuse(ErrorCode::NotAllowed,
        u"only %1s%2 may %3"_s.arg(Protocol::roleName(least),
            least == Role::Moderator   ? u", admins and owners"_s
                : least == Role::Admin ? u" and owners"_s
                                       : QString(),
            request.verb()));
}

// The least role each request needs (of those that are not in one room).
Role least(const ModerationRequest &request)
{
    const bool adminsOnly = request.action == Action::Announce || request.action == Action::Motd
        || request.action == Action::Grant || request.subnet.has_value();
    return adminsOnly ? Role::Admin : Role::Moderator;
}

// reason: for what takes one (a kick, ban or mute), given or not.
void log(const Moderator::Actor &actor, const QString &what,
    const std::optional<QString> &reason = std::nullopt)
{
    qCInfo(lcModeration).noquote() << actor.peer << actor.name << what
                                   << (!reason                    ? QString()
                                              : reason->isEmpty() ? u"(no reason given)"_s
                                                                  : u"- reason: "_s + *reason);
}

// "no connection", "1 connection", "3 connections".
QString connections(int count)
{
    return count == 0 ? u"no connection"_s
        : count == 1  ? u"1 connection"_s
                      : u"%1 connections"_s.arg(count);
}

} // namespace

using T = ModerationText;

Moderator::Moderator(ChatRoom &room, BanList &bans)
    : m_room(room)
    , m_bans(bans)
{
}

Moderator::Answer Moderator::refuse(
    ErrorCode code, const QString &message, const QJsonObject &about)
{
    return {code, message, about, {}};
}

Moderator::Answer Moderator::acknowledge(const QJsonObject &notice)
{
    return {ErrorCode::None, {}, {}, {notice}};
}

std::optional<Moderator::Answer> Moderator::outranked(
    const ModerationRequest &request, Role actor, const Target &target)
{
    if (actor > target.role) {
        return std::nullopt;
    }
    return refuse(ErrorCode::NotAllowed,
        u"%1 is %2: you may not %3 them"_s.arg(
            target.name, T::withArticle(target.role), request.verb()));
}

Moderator::Standing Moderator::standing(MessageStore &store, const QString &identity, bool account,
    const QHostAddress &address, qint64 nowMs)
{
    Standing standing;
    if (account) {
        const auto found = store.accounts().accountById(Authenticator::accountId(identity));
        standing.role = found ? found->role : Role::None;
    }
    const auto bans = store.moderation().standing(identity, nowMs);
    if (!bans) {
        standing.failed = true;
        return standing;
    }
    for (const Ban &ban : *bans) {
        if (ban.kind == Kind::Address ? BanList::covers(ban, address)
                                      : ban.kind == Kind::Account && ban.target == identity) {
            standing.refusal = ban;
        } else if (ban.target == identity) {
            standing.held.append(ban);
        }
    }
    return standing;
}

std::optional<Moderator::Target> Moderator::find(
    MessageStore &store, const ChatRoom &room, const QString &name)
{
    Target target;
    const auto online = room.online(name);
    if (online) {
        target.online = true;
        target.name = online->name;
        target.identity = online->identity;
        target.rooms = online->rooms;
        target.addresses = online->addresses;
    }
    if (const auto account = store.accounts().account(name)) {
        target.name = account->name;
        target.identity = accountIdentity(account->id);
        target.account = true;
        target.role = account->role;
        // Someone online under the name is that account: a guest cannot take an account's name.
        target.online = online && online->identity == target.identity;
    } else if (!online) {
        return std::nullopt;
    }
    return target;
}

Moderator::Ban Moderator::makeBan(Kind kind, const ModerationRequest &request, const Actor &actor,
    const Target &target, qint64 nowMs)
{
    Ban ban;
    ban.kind = kind;
    ban.target = target.identity;
    ban.room = kind == Kind::Room ? request.room : QString();
    ban.name = target.name;
    ban.createdMs = nowMs;
    if (request.minutes) {
        ban.untilMs = nowMs + *request.minutes * 60 * 1000;
    }
    ban.by = actor.name;
    ban.reason = request.reason;
    return ban;
}

Moderator::Answer Moderator::apply(
    MessageStore &store, const ModerationRequest &request, const Actor &actor) const
{
    // Read here each time: a role given or taken meanwhile (natter-server --grant) counts now.
    Role role = Role::None;
    if (actor.account) {
        const auto account = store.accounts().accountById(Authenticator::accountId(actor.identity));
        role = account ? account->role : Role::None;
    }
    if (!request.room.isEmpty()) {
        return RoomModerator(m_room, m_bans).apply(store, request, actor, role);
    }
    if (role < least(request)) {
        return notAllowed(request, least(request));
    }
    switch (request.action) {
    case Action::Announce:
        m_room.announce(FrameCodec::encode(Frames::notice(u"announce"_s, request.text,
            {{"by"_L1, actor.name}, {"ts"_L1, Protocol::timestampNow()}})));
        log(actor, u"announced: %1"_s.arg(request.text));
        return {}; // the announcement reaches the admin too
    case Action::Motd:
        if (!store.moderation().setMotd(request.text)) {
            return refuse(ErrorCode::StorageFailed, u"the greeting could not be stored"_s);
        }
        m_room.setMotdOverride(request.text);
        log(actor,
            request.text.isEmpty() ? u"gave the greeting back to --motd"_s
                                   : u"set the greeting: %1"_s.arg(request.text));
        return acknowledge(Frames::notice(u"motd"_s,
            request.text.isEmpty() ? u"Welcomes greet with the server's own greeting again."_s
                                   : u"Welcomes greet with: %1"_s.arg(request.text),
            {{"by"_L1, actor.name}}));
    case Action::Grant:
        return RoleGranter(m_room).apply(store, request, actor, role);
    case Action::List:
        return list(store);
    case Action::Unban:
        if (!request.subnet && role < Role::Admin) {
            // A moderator lifts only what a moderator could have set.
            const auto account = store.accounts().account(request.name);
            if (account && beyondModerators(Kind::Account, accountIdentity(account->id))) {
                return refuse(ErrorCode::NotAllowed,
                    u"only admins and owners may lift a ban of more than 7 days"_s);
            }
        }
        return unban(store, request, actor);
    case Action::Ban:
        return request.subnet ? banAddress(store, request, actor)
                              : ban(store, request, actor, role);
    case Action::Kick:
    case Action::Mute:
    case Action::Unmute:
        break;
    }
    const auto target = find(store, m_room, request.name);
    if (!target) {
        return refuse(ErrorCode::NoSuchUser,
            u"nobody called %1 is online, and no account is"_s.arg(request.name));
    }
    if (target->identity == actor.identity) {
        return refuse(ErrorCode::NotAllowed, u"you cannot %1 yourself"_s.arg(request.verb()));
    }
    if (const auto refused = outranked(request, role, *target)) {
        return *refused;
    }
    switch (request.action) {
    case Action::Kick:
        return kick(request, actor, *target);
    case Action::Mute:
        if (role < Role::Admin && (!request.minutes || *request.minutes > ModeratorBanMinutes)) {
            return refuse(ErrorCode::NotAllowed,
                u"a moderator's mute lasts %1 minutes (7 days) at most: give \"minutes\""_s.arg(
                    ModeratorBanMinutes));
        }
        return mute(store, request, actor, *target);
    default:
        if (role < Role::Admin && beyondModerators(Kind::Mute, target->identity)) {
            return refuse(ErrorCode::NotAllowed,
                u"only admins and owners may lift a mute of more than 7 days"_s);
        }
        return unmute(store, actor, *target);
    }
}

bool Moderator::beyondModerators(Kind kind, const QString &identity) const
{
    const auto held = m_bans.find(kind, identity);
    return held
        && (!held->untilMs || *held->untilMs - m_bans.nowMs() > ModeratorBanMinutes * 60 * 1000);
}

Moderator::Answer Moderator::kick(
    const ModerationRequest &request, const Actor &actor, const Target &target) const
{
    if (!target.online) {
        return refuse(ErrorCode::NoSuchUser, u"%1 is not online"_s.arg(target.name));
    }
    const QJsonObject fields = T::details(target.name, actor.name, request.reason);
    const QJsonObject notice = Frames::notice(u"kick"_s,
        u"%1 was kicked by %2%3"_s.arg(target.name, actor.name, T::because(request.reason)),
        fields);
    // The rooms hear of it before the left that follows.
    m_room.noticeRooms(target.rooms, notice, actor.identity);
    const int closed = m_room.dismiss(target.identity,
        Frames::notice(u"kick"_s,
            u"You were kicked by %1%2"_s.arg(actor.name, T::because(request.reason)), fields),
        u"kicked"_s);
    log(actor, u"kicked %1 (%2)"_s.arg(target.name, connections(closed)), request.reason);
    // The moderator hears of it with the rooms, if there were any.
    return target.rooms.isEmpty() ? acknowledge(notice) : Answer{};
}

Moderator::Answer Moderator::banAddress(
    MessageStore &store, const ModerationRequest &request, const Actor &actor) const
{
    const QString subnet = BanList::subnetText(*request.subnet);
    Target where;
    where.name = where.identity = subnet;
    const Ban ban = makeBan(Kind::Address, request, actor, where, m_bans.nowMs());
    if (BanList::covers(ban, actor.address)) {
        return refuse(ErrorCode::NotAllowed,
            u"%1 holds your own address (%2): you would ban yourself"_s.arg(
                subnet, actor.address.toString()));
    }
    if (!store.moderation().addBan(ban)) {
        return refuse(ErrorCode::StorageFailed, u"the ban could not be stored"_s);
    }
    m_bans.add(ban);
    QJsonObject fields = T::details({}, actor.name, request.reason, ban.untilMs);
    fields.insert("address"_L1, subnet);
    const int closed = m_room.dismissAddresses(
        [&ban](const QHostAddress &address) {
            return !address.isNull() && BanList::covers(ban, address);
        },
        Frames::notice(u"ban"_s,
            u"Your address is banned %1 by %2%3"_s.arg(
                T::untilText(ban.untilMs), actor.name, T::because(request.reason)),
            fields),
        u"banned"_s);
    log(actor,
        u"banned the address %1 %2 (%3)"_s.arg(
            subnet, T::untilText(ban.untilMs), connections(closed)),
        request.reason);
    return acknowledge(Frames::notice(u"ban"_s,
        u"%1 is banned %2%3 (%4 closed)"_s.arg(
            subnet, T::untilText(ban.untilMs), T::because(request.reason), connections(closed)),
        fields));
}

Moderator::Answer Moderator::ban(
    MessageStore &store, const ModerationRequest &request, const Actor &actor, Role role) const
{
    const auto target = find(store, m_room, request.name);
    if (!target) {
        return refuse(ErrorCode::NoSuchAccount, u"no account is called %1"_s.arg(request.name));
    }
    if (!target->account) {
        QStringList addresses;
        for (const QHostAddress &address : target->addresses) {
            addresses.append(address.toString());
        }
        return refuse(ErrorCode::NoSuchAccount,
            u"%1 is a guest, not an account: %2"_s.arg(target->name,
                role >= Role::Admin && !addresses.isEmpty()
                    ? u"kick them, or ban their address (%1)"_s.arg(addresses.join(u", "_s))
                    : u"kick them instead"_s));
    }
    if (target->identity == actor.identity) {
        return refuse(ErrorCode::NotAllowed, u"you cannot ban yourself"_s);
    }
    if (const auto refused = outranked(request, role, *target)) {
        return *refused;
    }
    if (role < Role::Admin && (!request.minutes || *request.minutes > ModeratorBanMinutes)) {
        return refuse(ErrorCode::NotAllowed,
            u"a moderator's ban lasts %1 minutes (7 days) at most: give \"minutes\""_s.arg(
                ModeratorBanMinutes));
    }
    const Ban ban = makeBan(Kind::Account, request, actor, *target, m_bans.nowMs());
    if (!store.moderation().addBan(ban)) {
        return refuse(ErrorCode::StorageFailed, u"the ban could not be stored"_s);
    }
    m_bans.add(ban);
    const QJsonObject fields = T::details(target->name, actor.name, request.reason, ban.untilMs);
    const QString until = T::untilText(ban.untilMs);
    const QJsonObject notice = Frames::notice(u"ban"_s,
        u"%1 is banned %2 by %3%4"_s.arg(
            target->name, until, actor.name, T::because(request.reason)),
        fields);
    m_room.noticeRooms(target->rooms, notice, actor.identity);
    const int closed = m_room.dismiss(target->identity,
        Frames::notice(u"ban"_s,
            u"You are banned %1 by %2%3"_s.arg(until, actor.name, T::because(request.reason)),
            fields),
        u"banned"_s);
    log(actor, u"banned %1 %2 (%3)"_s.arg(target->name, until, connections(closed)),
        request.reason);
    return target->rooms.isEmpty() ? acknowledge(notice) : Answer{};
}

Moderator::Answer Moderator::unban(
    MessageStore &store, const ModerationRequest &request, const Actor &actor) const
{
    Target target;
    Kind kind = Kind::Address;
    if (request.subnet) {
        target.identity = target.name = BanList::subnetText(*request.subnet);
    } else {
        const auto account = store.accounts().account(request.name);
        if (!account) {
            return refuse(ErrorCode::NoSuchAccount, u"no account is called %1"_s.arg(request.name));
        }
        kind = Kind::Account;
        target.identity = accountIdentity(account->id);
        target.name = account->name;
    }
    const int lifted = store.moderation().removeBan(kind, target.identity, {}, m_bans.nowMs());
    if (lifted < 0) {
        return refuse(ErrorCode::StorageFailed, u"the ban could not be lifted"_s);
    }
    m_bans.remove(kind, target.identity);
    if (lifted == 0) {
        return refuse(ErrorCode::NotBanned, u"%1 is not banned"_s.arg(target.name));
    }
    log(actor, u"lifted the ban of %1"_s.arg(target.name));
    QJsonObject fields
        = T::details(kind == Kind::Account ? target.name : QString(), actor.name, {});
    if (kind == Kind::Address) {
        fields.insert("address"_L1, target.name);
    }
    return acknowledge(
        Frames::notice(u"unban"_s, u"%1 is no longer banned"_s.arg(target.name), fields));
}

Moderator::Answer Moderator::mute(MessageStore &store, const ModerationRequest &request,
    const Actor &actor, const Target &target) const
{
    const Ban ban = makeBan(Kind::Mute, request, actor, target, m_bans.nowMs());
    // A guest's mute lasts its session, which its identity does not outlive: not stored.
    if (target.account && !store.moderation().addBan(ban)) {
        return refuse(ErrorCode::StorageFailed, u"the mute could not be stored"_s);
    }
    m_bans.add(ban);
    const QJsonObject fields = T::details(target.name, actor.name, request.reason, ban.untilMs);
    const QString until = T::untilText(ban.untilMs);
    m_room.noticePerson(target.identity,
        Frames::notice(u"mute"_s,
            u"You are muted %1 by %2%3"_s.arg(until, actor.name, T::because(request.reason)),
            fields));
    log(actor, u"muted %1 %2"_s.arg(target.name, until), request.reason);
    return acknowledge(Frames::notice(u"mute"_s,
        u"%1 is muted %2%3"_s.arg(target.name, until, T::because(request.reason)), fields));
}

Moderator::Answer Moderator::unmute(
    MessageStore &store, const Actor &actor, const Target &target) const
{
    const bool muted = m_bans.find(Kind::Mute, target.identity).has_value();
    int lifted = 0;
    if (target.account) {
        lifted = store.moderation().removeBan(Kind::Mute, target.identity, {}, m_bans.nowMs());
        if (lifted < 0) {
            return refuse(ErrorCode::StorageFailed, u"the mute could not be lifted"_s);
        }
    }
    m_bans.remove(Kind::Mute, target.identity);
    if (lifted == 0 && !muted) {
        return refuse(ErrorCode::NotBanned, u"%1 is not muted"_s.arg(target.name));
    }
    const QJsonObject fields = T::details(target.name, actor.name, {});
    m_room.noticePerson(target.identity,
        Frames::notice(u"unmute"_s, u"%1 lets you talk again"_s.arg(actor.name), fields));
    log(actor, u"unmuted %1"_s.arg(target.name));
    return acknowledge(
        Frames::notice(u"unmute"_s, u"%1 may talk again"_s.arg(target.name), fields));
}

Moderator::Answer Moderator::list(MessageStore &store) const
{
    const auto bans = store.moderation().bans(m_bans.nowMs());
    if (!bans) {
        return refuse(ErrorCode::StorageFailed, u"the bans could not be read"_s);
    }
    QJsonArray entries;
    for (const Ban &ban : *bans) {
        const bool address = ban.kind == Kind::Address;
        QJsonObject entry
            = T::details(address ? QString() : ban.name, ban.by, ban.reason, ban.untilMs);
        entry.insert("kind"_L1, ModerationStore::kindName(ban.kind));
        entry.insert("since"_L1,
            Protocol::timestamp(QDateTime::fromMSecsSinceEpoch(ban.createdMs, Qt::UTC)));
        if (address) {
            entry.insert("address"_L1, ban.name);
        }
        if (ban.kind == Kind::Room) {
            const auto room = m_room.roomInfo(ban.room);
            entry.insert("room"_L1, room ? room->name : ban.room);
        }
        entries.append(entry);
    }
    return acknowledge(Frames::bans(entries));
}

#include "rolegranter.h"

#include "chatlog.h"
#include "chatroom.h"
#include "frames.h"
#include "messagestore.h"
#include "moderationtext.h"

using Protocol::ErrorCode;
using Protocol::Role;
using T = ModerationText;
using namespace Qt::StringLiterals;

RoleGranter::RoleGranter(ChatRoom &room)
    : m_room(room)
{
}

Moderator::Answer RoleGranter::apply(MessageStore &store, const ModerationRequest &request,
    const Moderator::Actor &actor, Role role) const
{
    const auto account = store.accounts().account(request.name);
    if (!account) {
        return Moderator::refuse(ErrorCode::NoSuchAccount,
            m_room.online(request.name)
                ? u"%1 is a guest: only an account can have a role"_s.arg(request.name)
                : u"no account is called %1"_s.arg(request.name));
    }
    const QString identity = u"a:%1"_s.arg(account->id);
    if (identity == actor.identity) {
        return Moderator::refuse(ErrorCode::NotAllowed, u"you cannot change your own role"_s);
    }
    if (role < Role::Owner && request.role > Role::Moderator) {
        return Moderator::refuse(
            ErrorCode::NotAllowed, u"only owners may make admins and owners"_s);
    }
    if (account->role >= role) {
        return Moderator::refuse(ErrorCode::NotAllowed,
            u"%1 is %2: only %3 can change that"_s.arg(account->name, T::withArticle(account->role),
                role == Role::Owner ? u"the command line (natter-server --grant)"_s
                                    : u"an owner"_s));
    }
    const QJsonObject fields{{"name"_L1, account->name}, {"by"_L1, actor.name},
        {"role"_L1, Protocol::roleName(request.role)}};
    if (account->role == request.role) {
        return Moderator::acknowledge(Frames::notice(u"grant"_s,
            u"%1 is %2 already"_s.arg(account->name, T::withArticle(request.role)), fields));
    }
    if (!store.accounts().setRole(account->id, request.role)) {
        return Moderator::refuse(ErrorCode::StorageFailed, u"the role could not be stored"_s);
    }
    const QLatin1StringView was = Protocol::roleName(account->role);
    m_room.noticePerson(identity,
        Frames::notice(u"grant"_s,
            request.role == Role::None
                ? u"%1 took your role (%2) away"_s.arg(actor.name, was)
                : u"%1 made you %2"_s.arg(actor.name, T::withArticle(request.role)),
            fields));
    qCInfo(lcModeration).noquote() << actor.peer << actor.name << "made" << account->name
                                   << Protocol::roleName(request.role) << "(was:" << was << ")";
    return Moderator::acknowledge(Frames::notice(u"grant"_s,
        u"%1 is %2 now (was: %3)"_s.arg(account->name, T::withArticle(request.role), was), fields));
}

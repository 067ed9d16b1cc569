#pragma once

#include "banlist.h"
#include "moderationrequest.h"
#include "protocol.h"

#include <QHostAddress>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

class ChatRoom;
class MessageStore;

// Carries out what moderators ask (docs/PROTOCOL.md, Moderation): decides whether the asker may,
// writes the ban, mute, role or greeting to the database, and acts on the people concerned. It
// runs on the store thread (StoreWorker::run), where the database is, and reads the asker's role
// there for every request, so a role given or taken from the command line counts at once.
//
// Who may do what:
//
//   kick, mute, unmute, bans, unban a name   moderator, admin, owner
//   ban an account for up to 7 days          moderator, admin, owner
//   ban an account longer, or for good       admin, owner
//   ban or unban an address or subnet        admin, owner
//   announce, motd                           admin, owner
//   grant moderator (or none to one)         admin, owner
//   grant admin or owner (or take it away)   owner
//   kick, ban, unban in one room             its owner (of people without a role), and
//                                            moderators, admins and owners
//
// Nobody acts on themselves or on someone of their own role or higher: a moderator on nobody
// but people without a role, an admin on moderators too, an owner on everyone but owners. The
// command line (natter-server --grant) changes any role.
class Moderator
{
public:
    using Ban = ModerationStore::Ban;
    struct Actor
    {
        QString name;
        QString identity;
        bool account = false;
        QHostAddress address; // an address ban that would cover it is refused
        QString peer; // for the log
    };
    struct Answer
    {
        Protocol::ErrorCode error = Protocol::ErrorCode::None;
        QString message;
        QJsonObject about; // what the error is about ({"room": R}), copied into it
        QList<QJsonObject> frames; // to the moderator: a notice, or the bans list
    };
    // What a sign-in finds in the database about its identity and address.
    struct Standing
    {
        bool failed = false; // the database could not be read
        std::optional<Ban> refusal; // an account or address ban in force: it may not sign in
        QList<Ban> held; // its mutes and room bans in force, for this server's BanList
        Protocol::Role role = Protocol::Role::None;
    };
    // A moderator's ban lasts this long at most; an admin's or owner's may last for good.
    static constexpr qint64 ModeratorBanMinutes = 7 * 24 * 60;
    // Its kicks, bans and unbans in one room are a RoomModerator's, and grant a RoleGranter's.

    Moderator(ChatRoom &room, BanList &bans);

    // On the store thread.
    Answer apply(MessageStore &store, const ModerationRequest &request, const Actor &actor) const;
    // On the store thread: the bans that concern a sign-in of identity from address, and its
    // role (none for a guest).
    static Standing standing(MessageStore &store, const QString &identity, bool account,
        const QHostAddress &address, qint64 nowMs);

    // Someone a request names: an account (online or not), or a guest online.
    struct Target
    {
        QString name;
        QString identity;
        bool account = false;
        Protocol::Role role = Protocol::Role::None;
        bool online = false;
        QStringList rooms; // the rooms it is in, if it is online
        QList<QHostAddress> addresses; // its connections', if it is online
    };
    // The account called name, or the guest online under it.
    static std::optional<Target> find(
        MessageStore &store, const ChatRoom &room, const QString &name);
    // A ban (or mute) as the request says, from nowMs.
    static Ban makeBan(Ban::Kind kind, const ModerationRequest &request, const Actor &actor,
        const Target &target, qint64 nowMs);
    // Why actor may not act on target (someone of its own role or higher), or nothing.
    static std::optional<Answer> outranked(
        const ModerationRequest &request, Protocol::Role actor, const Target &target);
    static Answer refuse(
        Protocol::ErrorCode code, const QString &message, const QJsonObject &about = {});
    static Answer acknowledge(const QJsonObject &notice);

private:
    Answer kick(const ModerationRequest &request, const Actor &actor, const Target &target) const;
    Answer banAddress(
        MessageStore &store, const ModerationRequest &request, const Actor &actor) const;
    Answer ban(MessageStore &store, const ModerationRequest &request, const Actor &actor,
        Protocol::Role role) const;
    Answer unban(MessageStore &store, const ModerationRequest &request, const Actor &actor) const;
    Answer mute(MessageStore &store, const ModerationRequest &request, const Actor &actor,
        const Target &target) const;
    Answer unmute(MessageStore &store, const Actor &actor, const Target &target) const;
    // Whether what is held on identity lasts longer than a moderator may ban or mute for (or
    // for good): lifting it is for admins and owners.
    bool beyondModerators(ModerationStore::Ban::Kind kind, const QString &identity) const;
    Answer list(MessageStore &store) const;

    ChatRoom &m_room;
    BanList &m_bans;
};

#pragma once

#include "moderator.h"

// Kicks, bans and unbans in one room (a kick, ban or unban with "room"): a part forced on
// someone, and a ban from joining it again. A room's owner may do them to people without a
// role; moderators, admins and owners to anyone below them, in any room. Nobody acts on the
// room's owner. Runs on the store thread, for the Moderator.
class RoomModerator
{
public:
    RoomModerator(ChatRoom &room, BanList &bans);

    // role: the actor's, read just now.
    Moderator::Answer apply(MessageStore &store, const ModerationRequest &request,
        const Moderator::Actor &actor, Protocol::Role role) const;

private:
    ChatRoom &m_room;
    BanList &m_bans;
};

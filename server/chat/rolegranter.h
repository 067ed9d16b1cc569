#pragma once

#include "moderator.h"

// Roles given and taken in the chat (grant): an admin makes moderators and takes their role
// away; an owner does that for admins and owners too. Nobody changes their own role, or the role
// of someone at their own level or above (an owner's is the command line's: natter-server
// --grant). The person is told. Runs on the store thread, for the Moderator.
class RoleGranter
{
public:
    explicit RoleGranter(ChatRoom &room);

    // role: the actor's, read just now (admin or owner).
    Moderator::Answer apply(MessageStore &store, const ModerationRequest &request,
        const Moderator::Actor &actor, Protocol::Role role) const;

private:
    ChatRoom &m_room;
};

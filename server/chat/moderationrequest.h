#pragma once

#include "banlist.h"
#include "protocol.h"

#include <QJsonObject>
#include <QString>

#include <optional>
#include <variant>

// A moderation frame (kick, ban, unban, mute, unmute, announce, motd, grant, bans) read into
// what it asks, with every field checked: a name, an address or subnet, a role, a reason and a
// text each get an error of their own before anything is looked up. Whether the sender may do
// it is the Moderator's to decide.
class ModerationRequest
{
public:
    enum class Action { Kick, Ban, Unban, Mute, Unmute, Announce, Motd, Grant, List };
    struct Refusal
    {
        Protocol::ErrorCode code = Protocol::ErrorCode::BadFrame;
        QString message;
    };

    // frame has passed FrameValidator (field types, minutes, name or address); maxText is the
    // server's --max-text, the longest announcement or greeting.
    static std::variant<ModerationRequest, Refusal> parse(const QJsonObject &frame, int maxText);

    // The moderators' words for it ("kick", "ban", ...), for messages and the log.
    QString verb() const;

    Action action = Action::Kick;
    QString name; // the person acted on; empty for an address, announce, motd and the list
    std::optional<BanList::Subnet> subnet; // ban and unban of an address
    std::optional<qint64> minutes; // ban and mute: nothing is for good
    QString reason;
    QString room; // kick, ban and unban in one room: its key
    QString roomName; // ... as the frame spelt it
    QString text; // announce, motd (empty: the server's own greeting again)
    Protocol::Role role = Protocol::Role::None; // grant
};

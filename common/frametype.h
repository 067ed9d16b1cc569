#pragma once

#include <QJsonObject>
#include <QLatin1StringView>
#include <QStringView>

#include <array>

// Every frame type of protocol v1, in one list: X(enumerator, wire name, direction), where the
// direction is a FrameDirection enumerator. Everything below is generated from it, so a new
// frame is added here once; the compiler then points at each switch over FrameType that has to
// decide what to do with it (FrameValidator, TextRenderer, ChatClient). The fields of each frame
// are spelled in frames.h, and described in docs/PROTOCOL.md.
//
// A type that exists both ways is a request and its answer of the same name (a dm sent and the
// dm delivered, ping and the server's keep-alive ping, ...).
//
// clang-format off
#define NATTER_ALL_FRAME_TYPES(X)                              \
    X(Hello,        "hello",         ClientToServer)           \
    X(Welcome,      "welcome",       ServerToClient)           \
    X(Say,          "say",           ClientToServer)           \
    X(Message,      "message",       ServerToClient)           \
    X(Dm,           "dm",            Both)                     \
    X(History,      "history",       Both)                     \
    X(Users,        "users",         Both)                     \
    X(Joined,       "joined",        ServerToClient)           \
    X(Left,         "left",          ServerToClient)           \
    X(Ping,         "ping",          Both)                     \
    X(Pong,         "pong",          Both)                     \
    X(Quit,         "quit",          ClientToServer)           \
    X(Bye,          "bye",           ServerToClient)           \
    X(Error,        "error",         ServerToClient)           \
    X(Echo,         "echo",          Both)                     \
    X(Time,         "time",          Both)                     \
    X(QuizStart,    "quiz_start",    ClientToServer)           \
    X(QuizQuestion, "quiz_question", ServerToClient)           \
    X(QuizAnswer,   "quiz_answer",   ClientToServer)           \
    X(QuizResult,   "quiz_result",   ServerToClient)           \
    X(QuizStop,     "quiz_stop",     ClientToServer)           \
    X(QuizFinished, "quiz_finished", ServerToClient)           \
    X(Leaderboard,  "leaderboard",   Both)                     \
    X(Register,     "register",      ClientToServer)           \
    X(Registered,   "registered",    ServerToClient)           \
    X(Password,     "password",      ClientToServer)           \
    X(PasswordChanged, "password_changed", ServerToClient)     \
    X(Logout,       "logout",        ClientToServer)           \
    X(Rooms,        "rooms",         Both)                     \
    X(Join,         "join",          ClientToServer)           \
    X(Part,         "part",          ClientToServer)           \
    X(Room,         "room",          ServerToClient)           \
    X(Create,       "create",        ClientToServer)           \
    X(Invite,       "invite",        ClientToServer)           \
    X(Invited,      "invited",       ServerToClient)           \
    X(Topic,        "topic",         Both)                     \
    X(Read,         "read",          ClientToServer)           \
    X(Presence,     "presence",      ServerToClient)           \
    X(Kick,         "kick",          ClientToServer)           \
    X(Ban,          "ban",           ClientToServer)           \
    X(Unban,        "unban",         ClientToServer)           \
    X(Mute,         "mute",          ClientToServer)           \
    X(Unmute,       "unmute",        ClientToServer)           \
    X(Announce,     "announce",      ClientToServer)           \
    X(Motd,         "motd",          ClientToServer)           \
    X(Grant,        "grant",         ClientToServer)           \
    X(Bans,         "bans",          Both)                     \
    X(Notice,       "notice",        ServerToClient)
// clang-format on

namespace Protocol {

enum class FrameDirection {
    ClientToServer,
    ServerToClient,
    Both,
};

enum class FrameType {
    Unknown, // not a protocol v1 type, or a frame without a string "type"
#define NATTER_FRAME_TYPE_ENUMERATOR(name, wire, direction) name,
    NATTER_ALL_FRAME_TYPES(NATTER_FRAME_TYPE_ENUMERATOR)
#undef NATTER_FRAME_TYPE_ENUMERATOR
};

// How many FrameType enumerators there are, Unknown included, so that a table indexed by
// std::size_t(type) (a dispatch table, say) has a slot for each: std::array<T, FrameTypeCount>.
inline constexpr int FrameTypeCount = 1
#define NATTER_FRAME_TYPE_COUNT(name, wire, direction) +1
    NATTER_ALL_FRAME_TYPES(NATTER_FRAME_TYPE_COUNT)
#undef NATTER_FRAME_TYPE_COUNT
    ;

// Every type but Unknown, in the order of the list above.
inline constexpr std::array<FrameType, FrameTypeCount - 1> AllFrameTypes{{
#define NATTER_FRAME_TYPE_ITEM(name, wire, direction) FrameType::name,
    NATTER_ALL_FRAME_TYPES(NATTER_FRAME_TYPE_ITEM)
#undef NATTER_FRAME_TYPE_ITEM
}};

// The wire name ("quiz_answer"); empty for Unknown.
QLatin1StringView frameTypeName(FrameType type);
// The type a wire name stands for, compared exactly (case matters); Unknown for anything else.
// Cheap enough to call for every frame: it allocates nothing.
FrameType frameTypeFromName(QStringView name);
// The type of a decoded frame; Unknown if its "type" is missing, not a string, or not known.
FrameType frameType(const QJsonObject &frame);

// Whether a client may send it (ClientToServer or Both); false for Unknown.
bool isClientFrame(FrameType type);
// Whether the server sends it (ServerToClient or Both); false for Unknown.
bool isServerFrame(FrameType type);

} // namespace Protocol

#pragma once

// Natter protocol v1: newline-delimited JSON over TCP. docs/PROTOCOL.md is the full reference,
// frametype.h lists the frame types and frames.h spells their fields.
//
// clang-format off
//   stream := frame*
//   frame  := json-object "\n"    UTF-8, at most maxFrameBytes before the "\n"; a trailing
//                                 "\r" is ignored and blank lines are skipped
//   object := {"type": string, ...fields}
//
//   client to server:  hello say quit quiz_start quiz_answer quiz_stop register password
//                      logout join part create invite read kick ban unban mute unmute
//                      announce motd grant
//   server to client:  welcome message joined left presence bye error quiz_question
//                      quiz_result quiz_finished registered password_changed room invited
//                      notice
//   both ways:         dm history users ping pong echo time leaderboard rooms topic bans
// clang-format on
//
// Ids are one strictly increasing sequence shared by message and dm; every client sees chat
// messages in id order. Names are 1-32 ASCII letters, digits, '_', '-', '.', unique regardless
// of case.

#include <QDateTime>
#include <QLatin1StringView>
#include <QString>
#include <QStringView>

#include <optional>

namespace Protocol {

inline constexpr int Version = 1;
inline constexpr quint16 DefaultPort = 9990;
inline constexpr qsizetype DefaultMaxFrameBytes = 64 * 1024;
inline constexpr qsizetype MaxNameLength = 32;
// Room names: 1 to this many of a-z 0-9 - _, compared ignoring case.
inline constexpr qsizetype MaxRoomLength = 32;
// The room everyone is in unless they leave it, and where a say without "room" goes.
inline constexpr auto DefaultRoom = "general";
// Characters in a room's topic.
inline constexpr qsizetype MaxTopicLength = 500;
// Rooms one person (an account, or a guest session) may be in at once.
inline constexpr int MaxRoomsPerPerson = 100;
// A client message id ("cid") that makes a say or dm idempotent: 1-64 printable ASCII characters.
inline constexpr qsizetype MaxCidLength = 64;
// The most messages one history reply holds, and how many it holds when not told.
inline constexpr int MaxHistoryPage = 200;
inline constexpr int DefaultHistoryPage = 50;
// The most missed messages a hello with "since" replays; an older gap is flagged in welcome.
inline constexpr int MaxReplay = 1000;
// The longest ban or mute there is, in minutes (ten years); without minutes one is for good.
inline constexpr qint64 MaxBanMinutes = 10LL * 365 * 24 * 60;
// Characters in the reason given for a kick, ban or mute.
inline constexpr qsizetype MaxReasonLength = 300;
// The most names one presence frame carries, joined and left together; more make several
// frames. A departure is at most ~70 bytes ({"name":32 characters,"reason":"slow_consumer"}),
// so a frame stays near 35 KB, well inside DefaultMaxFrameBytes.
inline constexpr int MaxPresenceNames = 500;

// Error codes carried by {"type":"error","code":...}: X(enumerator, wire name). The wire names
// are a contract: a code may be added, never renamed.
// clang-format off
#define NATTER_ALL_ERROR_CODES(X)                              \
    X(BadJson,            "bad_json")                          \
    X(BadFrame,           "bad_frame")                         \
    X(UnknownType,        "unknown_type")                      \
    X(NotRegistered,      "not_registered")                    \
    X(AlreadyRegistered,  "already_registered")                \
    X(BadName,            "bad_name")                          \
    X(NameTaken,          "name_taken")                        \
    X(NoSuchUser,         "no_such_user")                      \
    X(BadText,            "bad_text")                          \
    X(FrameTooLarge,      "frame_too_large")                   \
    X(ServerFull,         "server_full")                       \
    X(ShuttingDown,       "shutting_down")                     \
    X(UnknownQuery,       "unknown_query")                     \
    X(UnknownZone,        "unknown_zone")                      \
    X(QuizRunning,        "quiz_running")                      \
    X(NoQuiz,             "no_quiz")                           \
    X(AlreadyAnswered,    "already_answered")                  \
    X(NotAsked,           "not_asked")                         \
    X(BadAnswer,          "bad_answer")                        \
    X(RateLimited,        "rate_limited")                      \
    X(TextTooLong,        "text_too_long")                     \
    X(TooManyConnections, "too_many_connections")              \
    X(StorageFailed,      "storage_failed")                    \
    X(FrameTimeout,       "frame_timeout")                     \
    X(AuthFailed,         "auth_failed")                       \
    X(AuthRequired,       "auth_required")                     \
    X(WeakPassword,       "weak_password")                     \
    X(AccountExists,      "account_exists")                    \
    X(TooManyAttempts,    "too_many_attempts")                 \
    X(GuestsDisabled,     "guests_disabled")                   \
    X(BadRoom,            "bad_room")                          \
    X(NoSuchRoom,         "no_such_room")                      \
    X(NotMember,          "not_member")                        \
    X(RoomExists,         "room_exists")                       \
    X(NotInvited,         "not_invited")                       \
    X(NotOwner,           "not_owner")                         \
    X(TooManyRooms,       "too_many_rooms")                    \
    X(NotAllowed,         "not_allowed")                       \
    X(Banned,             "banned")                            \
    X(Muted,              "muted")                             \
    X(NotBanned,          "not_banned")                        \
    X(NoSuchAccount,      "no_such_account")                   \
    X(BadAddress,         "bad_address")                       \
    X(BadRole,            "bad_role")
// clang-format on

// None and Unknown are not on the wire. Unknown, rather than an empty std::optional, is what
// errorCodeFromName() gives for a name it does not know, so that a client can switch over the
// code of an error frame the way it switches over FrameType.
enum class ErrorCode {
    None, // no error
    Unknown, // a name that is not a code of this version (a newer server's, or garbage)
#define NATTER_ERROR_CODE_ENUMERATOR(name, wire) name,
    NATTER_ALL_ERROR_CODES(NATTER_ERROR_CODE_ENUMERATOR)
#undef NATTER_ERROR_CODE_ENUMERATOR
};

// How many ErrorCode enumerators there are, None and Unknown included.
inline constexpr int ErrorCodeCount = 2
#define NATTER_ERROR_CODE_COUNT(name, wire) +1
    NATTER_ALL_ERROR_CODES(NATTER_ERROR_CODE_COUNT)
#undef NATTER_ERROR_CODE_COUNT
    ;
inline constexpr ErrorCode LastErrorCode = ErrorCode(ErrorCodeCount - 1);

// The wire name ("bad_name"); "none" and "unknown" for the two that are never sent.
QLatin1StringView errorCodeName(ErrorCode code);
// The code a wire name stands for, compared exactly; Unknown for anything else, "none" and
// "unknown" included.
ErrorCode errorCodeFromName(QStringView name);

// What an account may do beyond chatting (docs/PROTOCOL.md, Moderation), in rising order of
// power: each may act only on people below it. None is everyone else, guests included.
enum class Role { None, Moderator, Admin, Owner };
// "none", "moderator", "admin", "owner".
QLatin1StringView roleName(Role role);
// The role a wire name stands for, compared exactly; nothing for anything else.
std::optional<Role> roleFromName(QStringView name);

// ISO 8601 in UTC with milliseconds, e.g. 2026-11-21T15:04:05.123Z.
QString timestamp(const QDateTime &when);
QString timestampNow();

} // namespace Protocol

#pragma once

// Natter protocol v1: newline-delimited JSON over TCP (docs/PROTOCOL.md is the full reference).
//
//   stream  := frame*
//   frame   := json-object "\n"          (UTF-8, at most maxFrameBytes before the "\n";
//                                          a trailing "\r" is ignored, blank lines are skipped)
//   object  := { "type": string, ...fields }
//
// Client to server                         Server to client
//   hello  {name}          (first frame)     welcome {name, users[], motd?}   joined {name, ts}
//   say    {text}                            message {id, from, text, ts}
//   dm     {to, text}                        dm      {id, from, to, text, ts}
//   users  {}                                users   {users[]}                left {name, reason,
//   ts} ping   {}                                pong    {} quit   {} bye     {reason}   (then the
//   server closes)
//                                            error   {code, message}
//
// Ids are one strictly increasing sequence shared by message and dm; every client sees chat
// messages in id order. Names are 1-32 ASCII letters, digits, '_', '-', '.', unique regardless
// of case.

#include <QDateTime>
#include <QLatin1StringView>
#include <QString>

namespace Protocol {

inline constexpr int Version = 1;
inline constexpr quint16 DefaultPort = 9990;
inline constexpr qsizetype DefaultMaxFrameBytes = 64 * 1024;
inline constexpr qsizetype MaxNameLength = 32;
// A client message id ("cid") that makes a say or dm idempotent: 1-64 printable ASCII characters.
inline constexpr qsizetype MaxCidLength = 64;
// The most messages one history reply holds, and how many it holds when not told.
inline constexpr int MaxHistoryPage = 200;
inline constexpr int DefaultHistoryPage = 50;
// The most missed messages a hello with "since" replays; an older gap is flagged in welcome.
inline constexpr int MaxReplay = 1000;

// Error codes carried by {"type":"error","code":...}. Their wire names are a contract.
enum class ErrorCode {
    None,
    BadJson,
    BadFrame,
    UnknownType,
    NotRegistered,
    AlreadyRegistered,
    BadName,
    NameTaken,
    NoSuchUser,
    BadText,
    FrameTooLarge,
    ServerFull,
    ShuttingDown,
    UnknownQuery,
    UnknownZone,
    QuizRunning,
    NoQuiz,
    AlreadyAnswered,
    NotAsked,
    BadAnswer,
    RateLimited,
    TextTooLong,
    TooManyConnections,
    StorageFailed,
};
inline constexpr ErrorCode LastErrorCode = ErrorCode::StorageFailed;

QLatin1StringView errorCodeName(ErrorCode code);

// ISO 8601 in UTC with milliseconds, e.g. 2026-11-21T15:04:05.123Z.
QString timestamp(const QDateTime &when);
QString timestampNow();

} // namespace Protocol

#pragma once

#include <QSslConfiguration>

#include <optional>

class ChatRoom;
class FanOut;
class Leaderboard;
class PasswordHasher;
class SignInThrottle;
class StoreWorker;
struct SessionSettings;

// What every session shares, all owned by ChatServer and outliving the sessions. The room, the
// leaderboard, the store's saveScore and run, the hasher, the throttle and the fan-out are
// thread-safe; the settings are read-only.
struct ServerContext
{
    ChatRoom &room;
    Leaderboard &leaderboard;
    StoreWorker &store;
    PasswordHasher &hasher;
    SignInThrottle &throttle;
    const SessionSettings &settings;
    const std::optional<QSslConfiguration> &tls; // set: every connection speaks TLS
    FanOut &fanOut; // the threads that send broadcasts
};

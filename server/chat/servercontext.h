#pragma once

#include <QSslConfiguration>

#include <optional>

class ChatRoom;
class Leaderboard;
class PasswordHasher;
class SignInThrottle;
class StoreWorker;
struct SessionSettings;

// What every session shares, all owned by ChatServer and outliving the sessions. The room, the
// leaderboard, the store's saveScore and run, the hasher and the throttle are thread-safe; the
// settings are read-only.
struct ServerContext
{
    ChatRoom &room;
    Leaderboard &leaderboard;
    StoreWorker &store;
    PasswordHasher &hasher;
    SignInThrottle &throttle;
    const SessionSettings &settings;
    const std::optional<QSslConfiguration> &tls; // set: every connection speaks TLS
};

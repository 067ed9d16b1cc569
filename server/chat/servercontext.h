#pragma once

#include <QSslConfiguration>

#include <optional>

class ChatRoom;
class Leaderboard;
class StoreWorker;
struct SessionSettings;

// What every session shares, all owned by ChatServer and outliving the sessions. The room, the
// leaderboard and the store's saveScore are thread-safe; the settings are read-only.
struct ServerContext
{
    ChatRoom &room;
    Leaderboard &leaderboard;
    StoreWorker &store;
    const SessionSettings &settings;
    const std::optional<QSslConfiguration> &tls; // set: every connection speaks TLS
};

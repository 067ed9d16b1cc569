#pragma once

#include <QSslConfiguration>

#include <optional>

class ChatRoom;
class Leaderboard;
class StoreWorker;
struct ServerConfig;

// What every worker shares, all owned by ChatServer and outliving the workers. The room, the
// leaderboard and the store's public calls are thread-safe; the configuration is read-only.
struct ServerContext
{
    ChatRoom &room;
    Leaderboard &leaderboard;
    StoreWorker &store;
    const ServerConfig &config;
    const std::optional<QSslConfiguration> &tls; // set: every connection speaks TLS
};

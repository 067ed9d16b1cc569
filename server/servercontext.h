#pragma once

#include <QSslConfiguration>

#include <optional>

class ChatRoom;
class Leaderboard;
struct ServerConfig;

// What every worker shares, all owned by ChatServer and outliving the workers. The room and
// the leaderboard are thread-safe; the configuration is read-only.
struct ServerContext
{
    ChatRoom &room;
    Leaderboard &leaderboard;
    const ServerConfig &config;
    const std::optional<QSslConfiguration> &tls; // set: every connection speaks TLS
};

#pragma once

#include <memory>

class BanList;
class ChatBudgets;
class ChatRoom;
class FanOut;
class Leaderboard;
class PasswordHasher;
class SignInThrottle;
class StoreWorker;
struct SessionSettings;

// What every session shares, all owned by ChatServer and outliving the sessions. The room, the
// leaderboard, the store's saveScore and run, the hasher, the throttle, the fan-out, the budgets
// and the bans are thread-safe. The settings are the ones in force when the session began: a
// reload of the configuration replaces them for the sessions that come after.
struct ServerContext
{
    ChatRoom &room;
    Leaderboard &leaderboard;
    StoreWorker &store;
    PasswordHasher &hasher;
    SignInThrottle &throttle;
    std::shared_ptr<const SessionSettings> settings;
    FanOut &fanOut; // the threads that send broadcasts
    ChatBudgets &budgets; // each person's chat and history allowance, across connections
    BanList &bans; // the bans and mutes in force
};

#pragma once

#include <QDateTime>
#include <QList>
#include <QString>

// The best quiz result of each player, ranked by score, then by time taken (faster first).
// An interface so the ranking can be tested apart from the server; every implementation is
// called from many worker threads at once and must be thread-safe. (The server keeps it in
// memory and saves each kept entry through the StoreWorker.)
class Leaderboard
{
public:
    struct Entry
    {
        QString name;
        double score = 0;
        double seconds = 0;
        int right = 0;
        int wrong = 0;
        QDateTime when;
        // Who: an account ("a:12") or one guest session ("g:..."); empty: the name, ignoring
        // case. Two guests who use one name in turn are two players.
        QString player;
        bool guest = false; // shown as a guest's, and never stored
    };
    // Who plays a quiz: the name shown, and the player key and guest flag of its entry.
    struct Player
    {
        QString name;
        QString key;
        bool guest = false;
    };

    virtual ~Leaderboard() = default;

    // Keeps the entry if it beats that player's best; true if kept.
    virtual bool record(const Entry &entry) = 0;
    virtual QList<Entry> top(int count) const = 0;

    // True when a ranks above b.
    static bool ranksAbove(const Entry &a, const Entry &b)
    {
        if (a.score != b.score) {
            return a.score > b.score;
        }
        return a.seconds < b.seconds;
    }
};

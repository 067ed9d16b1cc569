#pragma once

#include "leaderboard.h"

#include <QHash>
#include <mutex>

// A Leaderboard kept in memory for the server's lifetime. It holds at most `capacity` names,
// so endless new names cannot grow it: a newcomer must beat the lowest entry, which it evicts.
class MemoryLeaderboard : public Leaderboard
{
public:
    explicit MemoryLeaderboard(int capacity = 1000)
        : m_capacity(capacity)
    {
    }

    bool record(const Entry &entry) override;
    QList<Entry> top(int count) const override;

private:
    mutable std::mutex m_mutex;
    QHash<QString, Entry> m_best; // keyed by player (or case-folded name)
    const int m_capacity;
};

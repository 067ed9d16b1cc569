#pragma once

#include "leaderboard.h"

#include <QHash>
#include <QMutex>

// A Leaderboard kept in memory for the server's lifetime.
class MemoryLeaderboard : public Leaderboard
{
public:
    void record(const Entry &entry) override;
    QList<Entry> top(int count) const override;

private:
    mutable QMutex m_mutex;
    QHash<QString, Entry> m_best; // keyed by case-folded name
};

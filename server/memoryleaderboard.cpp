#include "memoryleaderboard.h"

#include <algorithm>

void MemoryLeaderboard::record(const Entry &entry)
{
    QMutexLocker locker(&m_mutex);
    const QString key = entry.name.toCaseFolded();
    const auto best = m_best.constFind(key);
    if (best == m_best.constEnd() || ranksAbove(entry, *best)) {
        m_best.insert(key, entry);
    }
}

QList<Leaderboard::Entry> MemoryLeaderboard::top(int count) const
{
    QMutexLocker locker(&m_mutex);
    QList<Entry> entries = m_best.values();
    locker.unlock();
    std::sort(entries.begin(), entries.end(), &Leaderboard::ranksAbove);
    if (entries.size() > count) {
        entries.resize(count);
    }
    return entries;
}

#include "memoryleaderboard.h"

#include <algorithm>

bool MemoryLeaderboard::record(const Entry &entry)
{
    std::unique_lock locker(m_mutex);
    const QString key = entry.player.isEmpty() ? entry.name.toCaseFolded() : entry.player;
    const auto best = m_best.constFind(key);
    if (best != m_best.constEnd()) {
        if (!ranksAbove(entry, *best)) {
            return false;
        }
        m_best.insert(key, entry);
        return true;
    }
    if (m_best.size() >= m_capacity) {
        const auto lowest = std::min_element(m_best.cbegin(), m_best.cend(),
            [](const Entry &a, const Entry &b) { return ranksAbove(b, a); });
        if (!ranksAbove(entry, *lowest)) {
            return false;
        }
        m_best.erase(lowest);
    }
    m_best.insert(key, entry);
    return true;
}

QList<Leaderboard::Entry> MemoryLeaderboard::top(int count) const
{
    std::unique_lock locker(m_mutex);
    QList<Entry> entries = m_best.values();
    locker.unlock();
    std::sort(entries.begin(), entries.end(), &Leaderboard::ranksAbove);
    if (entries.size() > count) {
        entries.resize(count);
    }
    return entries;
}

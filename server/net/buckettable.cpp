#include "buckettable.h"

#include "netlog.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace {

// Sweeping stops at the first bucket still owed tokens; it only needs to be cheap, since the
// bound, not the sweep, limits memory. A few at a time keeps one call from walking the table.
constexpr int MaxSweptPerTouch = 8;
constexpr qint64 WarningIntervalMs = 60 * 1000;

} // namespace

BucketTable::BucketTable(QString what, int maxEntries)
    : m_what(std::move(what))
    , m_maxEntries(std::max(1, maxEntries))
{
}

TokenBucket &BucketTable::touch(const QString &key, double rate, double burst, qint64 nowMs)
{
    sweep(nowMs);
    auto found = m_index.find(key);
    if (found != m_index.end()) {
        m_entries.splice(m_entries.begin(), m_entries, found.value());
        TokenBucket &bucket = m_entries.front().bucket;
        if (bucket.ratePerSecond() != rate || bucket.burst() != burst) {
            bucket.setLimits(rate, burst);
        }
        return bucket;
    }
    if (int(m_index.size()) >= m_maxEntries) {
        evictOldest(nowMs);
    }
    m_entries.push_front(Entry{key, TokenBucket(rate, burst)});
    m_index.insert(key, m_entries.begin());
    return m_entries.front().bucket;
}

const TokenBucket *BucketTable::find(const QString &key) const
{
    const auto found = m_index.constFind(key);
    return found == m_index.cend() ? nullptr : &found.value()->bucket;
}

void BucketTable::sweep(qint64 nowMs)
{
    for (int i = 0; i < MaxSweptPerTouch && !m_entries.empty(); ++i) {
        const Entry &oldest = m_entries.back();
        if (!oldest.bucket.isFull(nowMs)) {
            return;
        }
        m_index.remove(oldest.key);
        m_entries.pop_back();
    }
}

void BucketTable::evictOldest(qint64 nowMs)
{
    ++m_evictions;
    if (m_lastWarningMs < 0 || nowMs - m_lastWarningMs >= WarningIntervalMs) {
        m_lastWarningMs = nowMs;
        qCWarning(lcNet).noquote()
            << u"%1: all %2 buckets in use; forgetting the least recently used before they "
               "refill (%3 so far; a flood from that many addresses or accounts?)"_s.arg(m_what)
                   .arg(m_maxEntries)
                   .arg(m_evictions);
    }
    m_index.remove(m_entries.back().key);
    m_entries.pop_back();
}

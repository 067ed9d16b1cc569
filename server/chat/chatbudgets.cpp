#include "chatbudgets.h"

#include <chrono>

using namespace Qt::StringLiterals;

ChatBudgets::ChatBudgets(int maxEntries, Clock clock)
    : m_clock(std::move(clock))
    , m_buckets(u"chat allowances"_s, maxEntries)
{
}

bool ChatBudgets::take(Kind kind, const QString &who, double rate, double capacity, double reserve)
{
    const QString key = (kind == Kind::Chat ? u"chat "_s : u"history "_s) + who;
    const std::lock_guard lock(m_mutex);
    // Read under the lock: a reading taken earlier by another thread must not come after ours.
    const qint64 now = m_clock();
    return m_buckets.touch(key, rate, capacity, now).take(now, reserve);
}

QString ChatBudgets::owner(bool account, const QString &identity, const QString &address)
{
    // "a:12" or "g:<uuid>" for identities; an address starts with neither.
    return account ? identity : u"@"_s + address;
}

int ChatBudgets::size() const
{
    const std::lock_guard lock(m_mutex);
    return m_buckets.size();
}

qint64 ChatBudgets::evictions() const
{
    const std::lock_guard lock(m_mutex);
    return m_buckets.evictions();
}

ChatBudgets::Clock ChatBudgets::steadyClock()
{
    return [] {
        return qint64(std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now().time_since_epoch())
                          .count());
    };
}

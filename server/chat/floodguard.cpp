#include "floodguard.h"

#include <chrono>

FloodGuard::FloodGuard(double rate, double burst, Clock clock)
    : FloodGuard([bucket = TokenBucket(rate, burst),
                     clock = std::move(clock)]() mutable { return bucket.take(clock()); },
        int(burst))
{
}

FloodGuard::FloodGuard(Take take, int maxStrikes)
    : m_take(std::move(take))
    , m_maxStrikes(maxStrikes)
{
}

FloodGuard::Verdict FloodGuard::admit()
{
    if (m_take()) {
        m_strikes = 0;
        return Verdict::Allowed;
    }
    return ++m_strikes > m_maxStrikes ? Verdict::Flooding : Verdict::Refused;
}

FloodGuard::Clock FloodGuard::steadyClock()
{
    return [] {
        return qint64(std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now().time_since_epoch())
                          .count());
    };
}

#include "floodguard.h"

#include <chrono>

FloodGuard::FloodGuard(double rate, double burst, Clock clock)
    : m_bucket(rate, burst)
    , m_clock(std::move(clock))
    , m_maxStrikes(int(burst))
{
}

FloodGuard::Verdict FloodGuard::admit()
{
    if (m_bucket.take(m_clock())) {
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

#include "tokenbucket.h"

#include <algorithm>

TokenBucket::TokenBucket(double ratePerSecond, double burst)
    : m_rate(ratePerSecond / 1000.0)
    , m_burst(burst)
    , m_tokens(burst)
{
}

bool TokenBucket::take(qint64 nowMs, double reserve)
{
    m_tokens = tokensAt(nowMs);
    m_lastMs = std::max(m_lastMs, nowMs);
    if (m_tokens < reserve + 1.0) {
        return false;
    }
    m_tokens -= 1.0;
    return true;
}

bool TokenBucket::isFull(qint64 nowMs) const
{
    return tokensAt(nowMs) >= m_burst;
}

void TokenBucket::setLimits(double ratePerSecond, double burst)
{
    m_rate = ratePerSecond / 1000.0;
    m_burst = burst;
    m_tokens = std::min(m_tokens, burst);
}

double TokenBucket::tokensAt(qint64 nowMs) const
{
    if (m_lastMs < 0) {
        return m_tokens;
    }
    // A clock that went back (another thread's reading, taken a moment earlier) adds nothing.
    return std::min(m_burst, m_tokens + double(std::max<qint64>(0, nowMs - m_lastMs)) * m_rate);
}

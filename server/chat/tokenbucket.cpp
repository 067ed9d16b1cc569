#include "tokenbucket.h"

#include <algorithm>

TokenBucket::TokenBucket(double ratePerSecond, double burst)
    : m_rate(ratePerSecond / 1000.0)
    , m_burst(burst)
    , m_tokens(burst)
{
}

bool TokenBucket::take(qint64 nowMs)
{
    if (m_lastMs >= 0) {
        m_tokens = std::min(m_burst, m_tokens + double(nowMs - m_lastMs) * m_rate);
    }
    m_lastMs = nowMs;
    if (m_tokens < 1.0) {
        return false;
    }
    m_tokens -= 1.0;
    return true;
}

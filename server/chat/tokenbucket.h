#pragma once

#include <QtGlobal>

// Flood control as IRC servers do it: a bucket of `burst` tokens refilled at `ratePerSecond`;
// each chat frame takes one. Typing, even a quick burst of Smile clicks, stays inside it; a
// script pasting hundreds of lines does not. Time comes from the caller so tests can drive it.
class TokenBucket
{
public:
    TokenBucket(double ratePerSecond, double burst);

    // Takes a token at time nowMs (any monotonic clock); false when the bucket is empty.
    bool take(qint64 nowMs);

private:
    double m_rate = 0; // tokens per millisecond
    double m_burst = 0;
    double m_tokens = 0;
    qint64 m_lastMs = -1;
};

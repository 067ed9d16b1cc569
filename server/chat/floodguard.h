#pragma once

#include "tokenbucket.h"

#include <QtGlobal>

#include <functional>

// Flood control for one client's chat: a token bucket (rate a second, burst at once) and a
// count of refusals in a row. Each refusal is answered; a client that keeps going regardless,
// more than `burst` times in a row, is flooding and is disconnected. Time comes from a clock
// the owner may inject, so tests can drive it.
class FloodGuard
{
public:
    using Clock = std::function<qint64()>; // milliseconds, monotonic

    enum class Verdict { Allowed, Refused, Flooding };

    FloodGuard(double rate, double burst, Clock clock = steadyClock());

    Verdict admit();
    // Refusals in a row so far.
    int strikes() const { return m_strikes; }

    static Clock steadyClock();

private:
    TokenBucket m_bucket;
    Clock m_clock;
    const int m_maxStrikes;
    int m_strikes = 0;
};

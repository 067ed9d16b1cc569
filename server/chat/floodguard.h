#pragma once

#include "tokenbucket.h"

#include <QtGlobal>

#include <functional>

// Flood control for one client's chat: a token bucket (rate a second, burst at once) and a
// count of refusals in a row. Each refusal is answered; a client that keeps going regardless,
// more than `burst` times in a row, is flooding and is disconnected. The bucket is the guard's
// own, on a clock the owner may inject (tests drive it), or kept elsewhere (ChatBudgets, shared
// by every connection of one person); the refusals in a row are always this connection's.
class FloodGuard
{
public:
    using Clock = std::function<qint64()>; // milliseconds, monotonic
    // Takes a token from the budget kept elsewhere; false when there is none.
    using Take = std::function<bool()>;

    enum class Verdict { Allowed, Refused, Flooding };

    FloodGuard(double rate, double burst, Clock clock = steadyClock());
    FloodGuard(Take take, int maxStrikes);

    Verdict admit();
    // Refusals in a row so far.
    int strikes() const { return m_strikes; }

    static Clock steadyClock();

private:
    Take m_take;
    const int m_maxStrikes;
    int m_strikes = 0;
};

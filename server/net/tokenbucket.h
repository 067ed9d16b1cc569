#pragma once

#include <QtGlobal>

// Flood control as IRC servers do it: a bucket of `burst` tokens refilled at `ratePerSecond`;
// each chat frame (or new connection) takes one. Typing, even a quick burst of Smile clicks,
// stays inside it; a script pasting hundreds of lines does not. Time comes from the caller so
// tests can drive it.
class TokenBucket
{
public:
    TokenBucket(double ratePerSecond, double burst);

    // Takes a token at time nowMs (any monotonic clock); false when the bucket is empty. With a
    // reserve, false unless a token is left above it: a caller allowed only the top of a larger
    // bucket (a JSON client's burst out of the plain-text paste allowance) sees it as full
    // when the bucket is.
    bool take(qint64 nowMs, double reserve = 0);
    // Whether take() would succeed now, taking nothing.
    bool canTake(qint64 nowMs, double reserve = 0) const
    {
        return tokensAt(nowMs) >= reserve + 1.0;
    }
    // Nothing taken is still owed: the bucket is as a new one would be, and may be forgotten.
    bool isFull(qint64 nowMs) const;
    // New limits (a reloaded configuration), keeping the tokens left, up to the new burst.
    void setLimits(double ratePerSecond, double burst);
    double ratePerSecond() const { return m_rate * 1000.0; }
    double burst() const { return m_burst; }

private:
    double tokensAt(qint64 nowMs) const;

    double m_rate = 0; // tokens per millisecond
    double m_burst = 0;
    double m_tokens = 0;
    qint64 m_lastMs = -1;
};

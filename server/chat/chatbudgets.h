#pragma once

#include "buckettable.h"

#include <QString>

#include <functional>
#include <mutex>

// Each person's allowance of chat and of history requests, shared by all their connections and
// kept when they reconnect: a script that reconnects in a loop, or opens many connections, gets
// no more than one connection would. A person is an account (its identity, wherever it
// connects from) or, for a guest, which is a new identity on every connection, its address (an
// IPv6 address's /64, as the sign-in throttle counts it). Guests behind one address share one
// allowance; an account has its own.
//
// A bucket that is full again is forgotten (BucketTable), and at most maxEntries are held.
// Thread-safe: sessions on every thread take from it. One mutex, held for a hash lookup and a
// little arithmetic per chat frame; the room's own mutex is taken for each of those frames
// anyway. Time comes from a clock the owner may inject, so tests can drive it.
class ChatBudgets
{
public:
    using Clock = std::function<qint64()>; // milliseconds, monotonic

    enum class Kind { Chat, History };

    // About 190 bytes each: 12 MiB. A budget is held until it has refilled (20 s for a spent
    // chat allowance at the defaults), so this many is 65,536 people chatting at once.
    static constexpr int DefaultMaxEntries = 65536;

    explicit ChatBudgets(int maxEntries = DefaultMaxEntries, Clock clock = steadyClock());

    // Takes a token from who's budget of this kind, a bucket of capacity tokens refilled at rate
    // a second, leaving at least reserve in it; false (and nothing taken) if it cannot.
    bool take(Kind kind, const QString &who, double rate, double capacity, double reserve = 0);

    // Who a session's budget belongs to: the account's identity, or for a guest its address as
    // the sign-in throttle counts it (Authenticator::throttleAddress).
    static QString owner(bool account, const QString &identity, const QString &address);

    int size() const;
    qint64 evictions() const;

    static Clock steadyClock();

private:
    Clock m_clock;
    mutable std::mutex m_mutex;
    BucketTable m_buckets;
};

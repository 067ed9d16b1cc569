#pragma once

#include "buckettable.h"

#include <QHostAddress>

#include <functional>

// How fast new connections may come: a token bucket per address and one per network (an IPv4
// /24, an IPv6 /64; see networkOf), kept across connections, so that a client reconnecting in a
// loop is held to the rate, and so is one that moves from address to address in its network.
// A connection takes a token from both, and only when both have one: one address flooding
// spends its own bucket and no more of its network's than the connections it was allowed.
//
// The defaults let everyone behind one address come back at once after a restart (the burst
// is above --max-per-ip's 32), and a whole network too (above --max-per-network's 128).
//
// Used from the listener's thread only. Time comes from a clock the owner may inject, so tests
// can drive it.
class ConnectionThrottle
{
public:
    using Clock = std::function<qint64()>; // milliseconds, monotonic

    struct Limits
    {
        double addressRate = 20; // connections a second from one address, sustained ...
        double addressBurst = 40; // ... and at once
        double networkRate = 50; // from one network
        double networkBurst = 150;
    };

    enum class Verdict { Allowed, AddressTooFast, NetworkTooFast };

    // Per table (addresses, networks), about 190 bytes each: 6 MiB. A bucket is held until it
    // has refilled (2 s at the defaults), so this many is a flood from 16,000 addresses a second.
    static constexpr int DefaultMaxEntries = 32768;

    explicit ConnectionThrottle(
        Limits limits, int maxEntries = DefaultMaxEntries, Clock clock = steadyClock());

    // A connection from peer: allowed (and counted), or refused (and not counted).
    Verdict admit(const QHostAddress &peer);
    // New limits for the connections from now on (a reloaded configuration).
    void setLimits(const Limits &limits) { m_limits = limits; }
    // The buckets held: addresses and networks that connected lately.
    const BucketTable &addresses() const { return m_addresses; }
    const BucketTable &networks() const { return m_networks; }

    static Clock steadyClock();

private:
    Limits m_limits;
    Clock m_clock;
    BucketTable m_addresses;
    BucketTable m_networks;
};

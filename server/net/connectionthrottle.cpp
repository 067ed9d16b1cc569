#include "connectionthrottle.h"

#include "peeraddress.h"

#include <chrono>

ConnectionThrottle::ConnectionThrottle(Limits limits, int maxEntries, Clock clock)
    : m_limits(limits)
    , m_clock(std::move(clock))
    , m_addresses(QStringLiteral("connection rate per address"), maxEntries)
    , m_networks(QStringLiteral("connection rate per network"), maxEntries)
{
}

ConnectionThrottle::Verdict ConnectionThrottle::admit(const QHostAddress &peer)
{
    const qint64 now = m_clock();
    const QHostAddress address = unmappedAddress(peer);
    TokenBucket &own
        = m_addresses.touch(address.toString(), m_limits.addressRate, m_limits.addressBurst, now);
    if (!own.canTake(now)) {
        return Verdict::AddressTooFast;
    }
    TokenBucket &network
        = m_networks.touch(networkOf(address), m_limits.networkRate, m_limits.networkBurst, now);
    if (!network.canTake(now)) {
        return Verdict::NetworkTooFast;
    }
    own.take(now);
    network.take(now);
    return Verdict::Allowed;
}

ConnectionThrottle::Clock ConnectionThrottle::steadyClock()
{
    return [] {
        return qint64(std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now().time_since_epoch())
                          .count());
    };
}

#pragma once

#include "moderationstore.h"

#include <QHostAddress>
#include <QList>
#include <QPair>

#include <functional>
#include <mutex>
#include <optional>

// The bans and mutes in force on this server, kept in memory so that a connection, a say or a
// join is checked without the database: a banned address is refused as it connects, a muted
// person's line at once. The database holds the same bans (ModerationStore); this list is
// filled from it at start-up, changed as moderators act here, and given what a sign-in finds
// there (a ban made on another server of a cluster, or from the command line).
//
// A ban ends by itself: every check compares its end with the clock, which tests may replace
// (setClock) to see a ban end without waiting for it. Thread-safe: sessions call it from
// their threads.
class BanList
{
public:
    using Ban = ModerationStore::Ban;
    using Clock = std::function<qint64()>; // milliseconds since the epoch
    // An address and its prefix length, as QHostAddress::parseSubnet gives them.
    using Subnet = QPair<QHostAddress, int>;

    BanList();

    // Tests only: a clock to check bans against instead of the system's.
    void setClock(Clock clock);
    qint64 nowMs() const;

    // Replaces every ban with these (start-up).
    void load(const QList<Ban> &bans);
    // In place of one of the same kind, target and room.
    void add(const Ban &ban);
    void remove(Ban::Kind kind, const QString &target, const QString &room = {});

    // The ban of that kind on target (an identity, in room for a room ban) in force now.
    std::optional<Ban> find(Ban::Kind kind, const QString &target, const QString &room = {}) const;
    // The address ban in force now whose subnet holds address (an IPv4 peer seen through a
    // dual-stack socket as ::ffff:a.b.c.d included).
    std::optional<Ban> findAddress(const QHostAddress &address) const;

    // "203.0.113.7", "203.0.113.0/24", "2001:db8::/32": the subnet, its address masked to the
    // prefix; nothing for anything else (a name, a prefix too long for the address).
    static std::optional<Subnet> parseSubnet(const QString &text);
    // The subnet as bans are stored and shown: "203.0.113.0/24", "2001:db8::/32".
    static QString subnetText(const Subnet &subnet);
    // Whether the ban (an address ban) covers address.
    static bool covers(const Ban &ban, const QHostAddress &address);

private:
    std::optional<Ban> findLocked(
        Ban::Kind kind, const QString &target, const QString &room, qint64 nowMs) const;

    mutable std::mutex m_mutex;
    Clock m_clock;
    QList<Ban> m_bans; // a few hundred at most: a list walked under the lock is enough
};

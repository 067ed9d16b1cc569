#include "banlist.h"

#include "peeraddress.h"

#include <QDateTime>

using namespace Qt::StringLiterals;

namespace {

bool sameSlot(
    const BanList::Ban &ban, BanList::Ban::Kind kind, const QString &target, const QString &room)
{
    return ban.kind == kind && ban.target == target && ban.room == room;
}

} // namespace

BanList::BanList()
    : m_clock([] { return QDateTime::currentMSecsSinceEpoch(); })
{
}

void BanList::setClock(Clock clock)
{
    std::unique_lock locker(m_mutex);
    m_clock = std::move(clock);
}

qint64 BanList::nowMs() const
{
    std::unique_lock locker(m_mutex);
    return m_clock();
}

void BanList::load(const QList<Ban> &bans)
{
    std::unique_lock locker(m_mutex);
    m_bans = bans;
}

void BanList::add(const Ban &ban)
{
    std::unique_lock locker(m_mutex);
    const qint64 now = m_clock();
    // Ended ones go whenever the list changes, so it never grows with history.
    m_bans.removeIf([&](const Ban &old) {
        return sameSlot(old, ban.kind, ban.target, ban.room) || !old.isActive(now);
    });
    m_bans.append(ban);
}

void BanList::remove(Ban::Kind kind, const QString &target, const QString &room)
{
    std::unique_lock locker(m_mutex);
    m_bans.removeIf([&](const Ban &old) { return sameSlot(old, kind, target, room); });
}

std::optional<BanList::Ban> BanList::find(
    Ban::Kind kind, const QString &target, const QString &room) const
{
    std::unique_lock locker(m_mutex);
    return findLocked(kind, target, room, m_clock());
}

std::optional<BanList::Ban> BanList::findLocked(
    Ban::Kind kind, const QString &target, const QString &room, qint64 nowMs) const
{
    for (const Ban &ban : m_bans) {
        if (sameSlot(ban, kind, target, room) && ban.isActive(nowMs)) {
            return ban;
        }
    }
    return std::nullopt;
}

std::optional<BanList::Ban> BanList::findAddress(const QHostAddress &address) const
{
    std::unique_lock locker(m_mutex);
    const qint64 now = m_clock();
    for (const Ban &ban : m_bans) {
        if (ban.kind == Ban::Kind::Address && ban.isActive(now) && covers(ban, address)) {
            return ban;
        }
    }
    return std::nullopt;
}

bool BanList::covers(const Ban &ban, const QHostAddress &address)
{
    const std::optional<Subnet> subnet = parseSubnet(ban.target);
    return subnet && unmappedAddress(address).isInSubnet(*subnet);
}

std::optional<BanList::Subnet> BanList::parseSubnet(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty() || trimmed.count(u'/') > 1) {
        return std::nullopt;
    }
    const qsizetype slash = trimmed.indexOf(u'/');
    QHostAddress address;
    if (!address.setAddress(slash < 0 ? trimmed : trimmed.left(slash))) {
        return std::nullopt;
    }
    address = unmappedAddress(address);
    // Scoped IPv6 addresses (fe80::1%eth0) name an interface, which a ban cannot.
    if (!address.scopeId().isEmpty()) {
        return std::nullopt;
    }
    const int bits = address.protocol() == QAbstractSocket::IPv4Protocol ? 32 : 128;
    int prefix = bits;
    if (slash >= 0) {
        bool ok = false;
        const QString length = trimmed.mid(slash + 1);
        prefix = length.toInt(&ok);
        // Digits only: parseSubnet would take a netmask (/255.255.255.0) too, but one spelling
        // is enough, and "/+8" or "/ 8" are typing mistakes.
        if (!ok || length.isEmpty()
            || !std::all_of(length.cbegin(), length.cend(), [](QChar c) { return c.isDigit(); })
            || prefix < 0 || prefix > bits) {
            return std::nullopt;
        }
    }
    const Subnet subnet = QHostAddress::parseSubnet(u"%1/%2"_s.arg(address.toString()).arg(prefix));
    if (subnet.second < 0) {
        return std::nullopt;
    }
    return subnet;
}

QString BanList::subnetText(const Subnet &subnet)
{
    return u"%1/%2"_s.arg(subnet.first.toString()).arg(subnet.second);
}

#pragma once

#include <QHostAddress>
#include <QString>

#include <algorithm>
#include <iterator>

// A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d; limits count them, and logs show
// them, as people know them: a.b.c.d.
inline QHostAddress unmappedAddress(const QHostAddress &address)
{
    bool isIpv4 = false;
    const quint32 ipv4 = address.toIPv4Address(&isIpv4);
    return isIpv4 ? QHostAddress(ipv4) : address;
}

// The network an address is counted with, for limits that one party must not escape by
// moving to the next address: an IPv4 address's /24 ("192.0.2.0/24"; whoever holds one address
// often holds its neighbours, and a /24 is the smallest block routed on the internet) and an
// IPv6 address's /64 ("2001:db8:1:2::/64", what one host or one site is given). An IPv4-mapped
// IPv6 address counts as IPv4.
inline QString networkOf(const QHostAddress &address)
{
    const QHostAddress plain = unmappedAddress(address);
    if (plain.protocol() == QAbstractSocket::IPv4Protocol) {
        return QHostAddress(plain.toIPv4Address() & 0xffffff00u).toString() + QStringLiteral("/24");
    }
    Q_IPV6ADDR bytes = plain.toIPv6Address();
    std::fill(std::begin(bytes.c) + 8, std::end(bytes.c), quint8(0));
    return QHostAddress(bytes).toString() + QStringLiteral("/64");
}

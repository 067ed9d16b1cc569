#pragma once

#include <QHostAddress>

// A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d; limits count them, and logs show
// them, as people know them: a.b.c.d.
inline QHostAddress unmappedAddress(const QHostAddress &address)
{
    bool isIpv4 = false;
    const quint32 ipv4 = address.toIPv4Address(&isIpv4);
    return isIpv4 ? QHostAddress(ipv4) : address;
}

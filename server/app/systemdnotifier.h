#pragma once

#include <QByteArray>
#include <QString>

// Tells systemd how the server is doing when it runs as a Type=notify service
// (packaging/natter-server.service): ready once it listens, so that `systemctl start` returns
// only then and units ordered after it find it accepting connections; stopping when shutdown
// begins; reloading while it re-reads its configuration. systemd names its socket in
// NOTIFY_SOCKET; without it (a server started by hand, or by a test) every call does nothing.
class SystemdNotifier
{
public:
    // Whether a service manager is listening (NOTIFY_SOCKET is set).
    static bool isEnabled();

    // READY=1, with a STATUS= line for `systemctl status` ("listening on 0.0.0.0:9990"). Also
    // what ends a reload. Each returns whether systemd was told.
    static bool ready(const QString &status);
    // STOPPING=1: the shutdown has begun (saying bye to every client can take a moment).
    static bool stopping();
    // RELOADING=1 before the configuration is re-read; call ready() once it is in effect.
    static bool reloading();

private:
    static bool notify(const QByteArray &state);
};

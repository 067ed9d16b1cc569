#pragma once

#include "connection.h"

#include <QSslConfiguration>

#include <optional>

// What a Session is told by the server's configuration: its connection's limits, its timers and
// its rate limits.
struct SessionSettings
{
    Connection::Limits limits;
    std::optional<QSslConfiguration> tls; // set: every connection speaks TLS
    int helloTimeoutMs = 20000; // to register, from connecting
    int idleTimeoutMs = 120000; // silence before a keep-alive ping; 0: never
    int maxTextLength = 4000; // characters in one say or dm
    double chatRate = 5.0; // say and dm frames a second, sustained ...
    double chatBurst = 20.0; // ... and at once
    double historyRate = 2.0; // history requests a second, sustained ...
    double historyBurst = 10.0; // ... and at once
    std::optional<quint32> quizSeed; // fixed quiz questions, for tests and demos
    bool guestsAllowed = true; // a name alone, not an account's, signs in as a guest
    qint64 tokenIdleExpiryMs = 90LL * 24 * 3600 * 1000; // a sign-in token unused this long ends
};

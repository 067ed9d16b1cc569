#pragma once

#include <QSslConfiguration>
#include <QString>

#include <variant>

// The server's TLS certificate and private key, loaded and proven to work at start-up: a
// missing, unreadable or mismatched file stops the server with a message, never leaving a
// silent plaintext server behind.
class TlsIdentity
{
public:
    // A server-side configuration, or a message saying what is wrong.
    static std::variant<QSslConfiguration, QString> load(
        const QString &certificatePath, const QString &keyPath);
};

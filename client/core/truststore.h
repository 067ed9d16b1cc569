#pragma once

#include <QByteArray>
#include <QHash>
#include <QString>

class QSslCertificate;

// Which server certificates the person chose to trust, by SHA-256 fingerprint per host:port,
// the way SSH's known_hosts works (trust on first use): "once" lasts while the program runs,
// "always" is stored in the settings. A server whose certificate the system already trusts
// never gets here.
class TrustStore
{
public:
    enum class Verdict { Trusted, Unknown, Changed };

    Verdict check(const QString &server, const QByteArray &fingerprint) const;
    void trustOnce(const QString &server, const QByteArray &fingerprint);
    void trustAlways(const QString &server, const QByteArray &fingerprint);

    // "AB:CD:..." — SHA-256 over the DER certificate, as openssl x509 -fingerprint prints it.
    static QByteArray fingerprint(const QSslCertificate &certificate);

private:
    QHash<QString, QByteArray> m_session;
};

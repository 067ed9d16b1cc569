#include "truststore.h"

#include <QCryptographicHash>
#include <QSettings>
#include <QSslCertificate>

using namespace Qt::StringLiterals;

namespace {

QString settingsKey(const QString &server)
{
    // QSettings treats '/' as a group separator; host:port has none, but be safe.
    return u"trustedServers/"_s + QString(server).replace(u'/', u'_');
}

} // namespace

TrustStore::Verdict TrustStore::check(const QString &server, const QByteArray &fingerprint) const
{
    const QByteArray known = m_session.contains(server)
        ? m_session.value(server)
        : QSettings().value(settingsKey(server)).toByteArray();
    if (known.isEmpty()) {
        return Verdict::Unknown;
    }
    return known == fingerprint ? Verdict::Trusted : Verdict::Changed;
}

void TrustStore::trustOnce(const QString &server, const QByteArray &fingerprint)
{
    m_session.insert(server, fingerprint);
}

void TrustStore::trustAlways(const QString &server, const QByteArray &fingerprint)
{
    m_session.insert(server, fingerprint);
    QSettings().setValue(settingsKey(server), fingerprint);
}

QByteArray TrustStore::fingerprint(const QSslCertificate &certificate)
{
    return certificate.digest(QCryptographicHash::Sha256).toHex(':').toUpper();
}

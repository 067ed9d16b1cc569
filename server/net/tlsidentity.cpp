#include "tlsidentity.h"

#include <QEventLoop>
#include <QFile>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace {

std::variant<QByteArray, QString> readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return u"cannot read %1: %2"_s.arg(path, file.errorString());
    }
    return file.readAll();
}

// Qt has no call that says whether a key belongs to a certificate, so prove it the way it will
// be used: one TLS handshake over loopback with this configuration.
QString handshakeError(const QSslConfiguration &configuration)
{
    QSslServer server;
    server.setSslConfiguration(configuration);
    if (!server.listen(QHostAddress::LocalHost, 0)) {
        return {}; // cannot test here; the real handshakes will tell
    }
    QSslSocket client;
    client.setPeerVerifyMode(QSslSocket::VerifyNone);
    QEventLoop loop;
    QString error;
    QObject::connect(&client, &QSslSocket::encrypted, &loop, &QEventLoop::quit);
    QObject::connect(&server, &QSslServer::errorOccurred, &loop,
        [&](QSslSocket *socket, QAbstractSocket::SocketError) {
            error = socket->errorString();
            loop.quit();
        });
    QObject::connect(&client, &QSslSocket::errorOccurred, &loop, [&] {
        if (error.isEmpty()) {
            error = client.errorString();
        }
        loop.quit();
    });
    QTimer::singleShot(5000, &loop, [&] {
        error = u"the TLS self-test timed out"_s;
        loop.quit();
    });
    client.connectToHostEncrypted(u"127.0.0.1"_s, server.serverPort());
    loop.exec();
    return client.isEncrypted() ? QString() : error;
}

} // namespace

std::variant<QSslConfiguration, QString> TlsIdentity::load(
    const QString &certificatePath, const QString &keyPath)
{
    if (!QSslSocket::supportsSsl()) {
        return u"TLS is not available: Qt found no TLS backend (install libssl3)"_s;
    }
    const auto certificateFile = readFile(certificatePath);
    if (const auto *error = std::get_if<QString>(&certificateFile)) {
        return *error;
    }
    const QList<QSslCertificate> chain
        = QSslCertificate::fromData(std::get<QByteArray>(certificateFile), QSsl::Pem);
    if (chain.isEmpty() || chain.first().isNull()) {
        return u"%1 holds no PEM certificate"_s.arg(certificatePath);
    }

    const auto keyFile = readFile(keyPath);
    if (const auto *error = std::get_if<QString>(&keyFile)) {
        return *error;
    }
    QSslKey key;
    for (const QSsl::KeyAlgorithm algorithm : {QSsl::Ec, QSsl::Rsa, QSsl::Dsa}) {
        key = QSslKey(std::get<QByteArray>(keyFile), algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!key.isNull()) {
            break;
        }
    }
    if (key.isNull()) {
        return u"%1 holds no unencrypted PEM private key (RSA, EC or DSA)"_s.arg(keyPath);
    }

    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificateChain(chain);
    configuration.setPrivateKey(key);
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone); // clients have no certificates
    configuration.setProtocol(QSsl::TlsV1_2OrLater);
    if (const QString error = handshakeError(configuration); !error.isEmpty()) {
        return u"the certificate %1 and the key %2 do not work together: %3"_s.arg(
            certificatePath, keyPath, error);
    }
    return configuration;
}

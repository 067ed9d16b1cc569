#pragma once

#include "transport.h"

#include <QSslConfiguration>

class QSslSocket;

// TLS through QSslSocket. Unlike TcpTransport it cannot serve a half-closed peer: Qt closes the
// socket when it reads the end of the stream (a TLS peer ends its session with close_notify
// anyway). Pausing leaves input in Qt's bounded read buffer, after which TCP holds the peer back.
class TlsTransport : public Transport
{
    Q_OBJECT

public:
    TlsTransport(const QSslConfiguration &configuration, QObject *parent = nullptr);

    bool open(qintptr descriptor) override;
    QByteArray read(qint64 maxBytes) override;
    void setReading(bool reading) override;
    void write(const QList<QByteArray> &chunks) override;
    qint64 unsentBytes() const override;
    qint64 unacknowledgedBytes() const override;
    void shutdownWrite() override;
    void abort(bool reset) override;
    QHostAddress peerAddress() const override;
    quint16 peerPort() const override;

private:
    void onBytesWritten();

    const QSslConfiguration m_configuration;
    QSslSocket *m_socket = nullptr;
    bool m_reading = true;
    bool m_shutdownPending = false;
    bool m_aborting = false;
    bool m_closed = false;
};

#include "tlstransport.h"

#include "metrics.h"

#include <QSslSocket>

#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

// Bounds what Qt buffers from the socket; past it TCP flow control holds the sender back.
constexpr qint64 ReadBufferBytes = 64 * 1024;

} // namespace

TlsTransport::TlsTransport(const QSslConfiguration &configuration, QObject *parent)
    : Transport(parent)
    , m_configuration(configuration)
{
}

bool TlsTransport::open(qintptr descriptor)
{
    m_socket = new QSslSocket(this);
    m_socket->setSslConfiguration(m_configuration);
    if (!m_socket->setSocketDescriptor(descriptor)) {
        ::close(int(descriptor));
        return false;
    }
    m_socket->setReadBufferSize(ReadBufferBytes);
    m_socket->setSocketOption(QAbstractSocket::KeepAliveOption, 1);
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    connect(m_socket, &QSslSocket::readyRead, this, [this] {
        if (m_reading) {
            emit readyRead();
        }
    });
    connect(m_socket, &QSslSocket::bytesWritten, this, &TlsTransport::onBytesWritten);
    connect(m_socket, &QSslSocket::encryptedBytesWritten, this, &TlsTransport::onBytesWritten);
    connect(m_socket, &QSslSocket::disconnected, this, [this] {
        if (!std::exchange(m_closed, true)) {
            emit closed();
        }
    });
    // A client that does not speak TLS fails the handshake and is dropped.
    m_socket->startServerEncryption();
    return true;
}

QByteArray TlsTransport::read(qint64 maxBytes)
{
    return m_closed || m_aborting ? QByteArray() : m_socket->read(maxBytes);
}

void TlsTransport::setReading(bool reading)
{
    m_reading = reading;
    if (reading && m_socket->bytesAvailable() > 0) {
        QMetaObject::invokeMethod(this, &TlsTransport::readyRead, Qt::QueuedConnection);
    }
}

void TlsTransport::write(const QList<QByteArray> &chunks)
{
    if (m_closed || m_aborting) {
        return;
    }
    for (const QByteArray &chunk : chunks) {
        m_socket->write(chunk);
        Metrics::instance().bytesOut(chunk.size()); // before encryption
    }
}

qint64 TlsTransport::unsentBytes() const
{
    // bytesToWrite() only counts what is not yet encrypted; the rest waits in the encrypted
    // buffer.
    return m_closed || m_aborting ? 0
                                  : m_socket->bytesToWrite() + m_socket->encryptedBytesToWrite();
}

qint64 TlsTransport::unacknowledgedBytes() const
{
    int bytes = 0; // SIOCOUTQ: sent and not acknowledged, or not sent yet (Linux)
    const int fd = m_closed || m_aborting ? -1 : int(m_socket->socketDescriptor());
    return fd >= 0 && ::ioctl(fd, SIOCOUTQ, &bytes) == 0 ? bytes : 0;
}

void TlsTransport::onBytesWritten()
{
    if (unsentBytes() > 0 || m_closed || m_aborting) {
        return;
    }
    if (std::exchange(m_shutdownPending, false)
        && m_socket->state() == QAbstractSocket::ConnectedState) {
        ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
    }
    emit drained();
}

void TlsTransport::shutdownWrite()
{
    m_shutdownPending = true;
    onBytesWritten();
}

void TlsTransport::abort(bool reset)
{
    if (m_closed || m_aborting) {
        return;
    }
    m_aborting = true;
    if (reset && m_socket->socketDescriptor() >= 0) {
        const linger hard{1, 0};
        ::setsockopt(int(m_socket->socketDescriptor()), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    }
    // Not now: this may run inside one of the socket's own signals, and QSslSocket goes on
    // using its TLS state after they return. abort() emits disconnected, hence closed.
    QMetaObject::invokeMethod(m_socket, &QSslSocket::abort, Qt::QueuedConnection);
}

QHostAddress TlsTransport::peerAddress() const
{
    return m_socket->peerAddress();
}

quint16 TlsTransport::peerPort() const
{
    return m_socket->peerPort();
}

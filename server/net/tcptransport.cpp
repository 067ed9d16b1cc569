#include "tcptransport.h"

#include "socketwriter.h"

#include <cerrno>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

void setOption(int fd, int level, int name, int value)
{
    ::setsockopt(fd, level, name, &value, sizeof value); // best effort: AF_UNIX has no TCP
}

} // namespace

TcpTransport::TcpTransport(qint64 writeLimit, QObject *parent)
    : Transport(parent)
    , m_writeLimit(writeLimit)
{
}

TcpTransport::~TcpTransport()
{
    closeDescriptor();
}

bool TcpTransport::open(qintptr descriptor)
{
    m_fd = int(descriptor);
    const int flags = ::fcntl(m_fd, F_GETFL);
    if (flags < 0 || ::fcntl(m_fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        closeDescriptor();
        return false;
    }
    // Writes are already coalesced per batch; Nagle would hold each one back for the peer's
    // delayed ACK (40 ms on Linux). Keep-alive finds a peer gone without a FIN (a pulled cable).
    setOption(m_fd, IPPROTO_TCP, TCP_NODELAY, 1);
    setOption(m_fd, SOL_SOCKET, SO_KEEPALIVE, 1);
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (::getpeername(m_fd, reinterpret_cast<sockaddr *>(&storage), &length) == 0) {
        m_peerAddress = QHostAddress(reinterpret_cast<const sockaddr *>(&storage));
        if (storage.ss_family == AF_INET) {
            m_peerPort = ntohs(reinterpret_cast<const sockaddr_in &>(storage).sin_port);
        } else if (storage.ss_family == AF_INET6) {
            m_peerPort = ntohs(reinterpret_cast<const sockaddr_in6 &>(storage).sin6_port);
        }
    }
    m_writer = std::make_shared<SocketWriter>(m_fd, m_writeLimit, [this] {
        QMetaObject::invokeMethod(this, &TcpTransport::onWriterWake, Qt::QueuedConnection);
    });
    m_readNotifier = new QSocketNotifier(m_fd, QSocketNotifier::Read, this);
    connect(m_readNotifier, &QSocketNotifier::activated, this, &TcpTransport::readyRead);
    m_writeNotifier = new QSocketNotifier(m_fd, QSocketNotifier::Write, this);
    m_writeNotifier->setEnabled(false);
    connect(m_writeNotifier, &QSocketNotifier::activated, this, &TcpTransport::flushQueue);
    return true;
}

QByteArray TcpTransport::read(qint64 maxBytes)
{
    if (m_fd < 0 || m_inputEnded) {
        return {};
    }
    QByteArray bytes(maxBytes, Qt::Uninitialized);
    const ssize_t n = ::recv(m_fd, bytes.data(), std::size_t(maxBytes), 0);
    if (n > 0) {
        bytes.truncate(n);
        return bytes;
    }
    const bool wouldBlock = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
    if (m_writeBroken && (n == 0 || wouldBlock)) {
        fail(); // everything the peer sent before it went has been read
    } else if (n == 0) {
        // The peer's FIN. Writing goes on: replies it is owed can still reach it.
        m_inputEnded = true;
        m_readNotifier->setEnabled(false);
        QMetaObject::invokeMethod(this, &TcpTransport::inputEnded, Qt::QueuedConnection);
    } else if (!wouldBlock) {
        fail();
    }
    return {};
}

void TcpTransport::setReading(bool reading)
{
    m_reading = reading;
    if (m_readNotifier && !m_inputEnded) {
        m_readNotifier->setEnabled(reading);
    }
    // Reading pauses while output piles up, and resumes when it drains (drained). A lane may
    // drain it without ever waking this thread: watch the socket, so that drain() finds out.
    if (!reading && m_writeNotifier && m_writer->unsent() > 0) {
        m_writeNotifier->setEnabled(true);
    }
}

void TcpTransport::write(const QList<QByteArray> &chunks)
{
    if (m_fd < 0 || m_writeBroken) {
        return;
    }
    if (m_writer->write(chunks)) {
        m_writeNotifier->setEnabled(true);
    } else if (m_writer->broken()) {
        writeFailed();
    }
}

void TcpTransport::flushQueue()
{
    // Only here, when the kernel had been full, is a backlog cleared: drained must not come
    // from inside write(), whose caller may be in the middle of handling a line.
    const bool empty = m_writer->drain();
    if (m_writer->broken()) {
        writeFailed();
        return;
    }
    m_writeNotifier->setEnabled(!empty);
    if (empty) {
        emit drained();
    }
}

void TcpTransport::onWriterWake()
{
    if (m_fd < 0 || m_writeBroken) {
        return;
    }
    if (m_writer->broken()) {
        writeFailed();
        return;
    }
    if (m_writer->unsent() > 0) {
        m_writeNotifier->setEnabled(true);
    }
    emit backlogged();
}

qint64 TcpTransport::unsentBytes() const
{
    return m_writer ? m_writer->unsent() : 0;
}

bool TcpTransport::overflowed() const
{
    return m_writer && m_writer->overflowed();
}

qint64 TcpTransport::unacknowledgedBytes() const
{
    int bytes = 0; // SIOCOUTQ: sent and not acknowledged, or not sent yet (Linux)
    return m_fd >= 0 && ::ioctl(m_fd, SIOCOUTQ, &bytes) == 0 ? bytes : 0;
}

void TcpTransport::shutdownWrite()
{
    if (m_fd < 0 || m_writeBroken) {
        return;
    }
    m_writer->shutdownWhenEmpty();
}

void TcpTransport::abort(bool reset)
{
    if (m_fd < 0) {
        return;
    }
    if (reset) {
        const linger hard{1, 0};
        ::setsockopt(m_fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    }
    closeDescriptor();
    QMetaObject::invokeMethod(this, &TcpTransport::closed, Qt::QueuedConnection);
}

void TcpTransport::writeFailed()
{
    // The peer has gone (a reset, a broken pipe), but what it sent before going may still wait
    // unread, its quit among it: that is read first, and the connection closes once nothing is
    // left (read() calls fail()). Closing now would turn a quit into a dropped connection.
    m_writeBroken = true;
    m_writeNotifier->setEnabled(false);
    if (m_inputEnded) {
        fail();
        return;
    }
    QMetaObject::invokeMethod(this, &TcpTransport::readyRead, Qt::QueuedConnection);
}

void TcpTransport::fail()
{
    // A reset by the peer, or a broken pipe: nothing more can be sent or received.
    closeDescriptor();
    QMetaObject::invokeMethod(this, &TcpTransport::closed, Qt::QueuedConnection);
}

void TcpTransport::closeDescriptor()
{
    if (m_fd < 0) {
        return;
    }
    // This may run inside one of the notifiers' own signals: they go later, disabled now.
    for (QSocketNotifier *notifier : {m_readNotifier, m_writeNotifier}) {
        if (notifier) {
            notifier->setEnabled(false);
            notifier->deleteLater();
        }
    }
    m_readNotifier = m_writeNotifier = nullptr;
    // Descriptor numbers are reused: no other thread may write to this one once it is closed.
    if (m_writer) {
        m_writer->detach();
    }
    ::close(m_fd);
    m_fd = -1;
}

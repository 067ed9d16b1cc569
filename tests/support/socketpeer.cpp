#include "socketpeer.h"

#include <QDeadlineTimer>
#include <QSocketNotifier>
#include <QTest>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

SocketPeer::SocketPeer()
{
    int fds[2] = {-1, -1};
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
        qWarning("socketpair failed: %s", strerror(errno));
        return;
    }
    m_fd = fds[0];
    m_other = fds[1];
    ::fcntl(m_fd, F_SETFL, ::fcntl(m_fd, F_GETFL) | O_NONBLOCK);
    m_notifier = std::make_unique<QSocketNotifier>(m_fd, QSocketNotifier::Read);
    QObject::connect(m_notifier.get(), &QSocketNotifier::activated, m_notifier.get(),
        [this] { readAvailable(); });
}

SocketPeer::~SocketPeer()
{
    m_notifier.reset();
    if (m_fd >= 0) {
        ::close(m_fd);
    }
    if (m_other >= 0) {
        ::close(m_other);
    }
}

qintptr SocketPeer::takeOtherEnd()
{
    return std::exchange(m_other, -1);
}

void SocketPeer::setBufferSizes(int bytes)
{
    for (const int fd : {m_fd, m_other}) {
        if (fd >= 0) {
            ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
            ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
        }
    }
}

bool SocketPeer::send(const QByteArray &bytes, int timeoutMs)
{
    const QDeadlineTimer deadline(timeoutMs);
    qsizetype sent = 0;
    while (sent < bytes.size()) {
        const ssize_t n = ::send(
            m_fd, bytes.constData() + sent, std::size_t(bytes.size() - sent), MSG_NOSIGNAL);
        if (n > 0) {
            sent += n;
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            return false;
        }
        // Full: let the other end's event loop take some, then try again.
        const bool writable = QTest::qWaitFor(
            [this] {
                pollfd entry{m_fd, POLLOUT, 0};
                return ::poll(&entry, 1, 0) > 0;
            },
            int(std::max<qint64>(deadline.remainingTime(), 0)));
        if (!writable) {
            return false;
        }
    }
    return true;
}

void SocketPeer::shutdownWrite()
{
    ::shutdown(m_fd, SHUT_WR);
}

void SocketPeer::close()
{
    m_notifier.reset();
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
}

void SocketPeer::setReading(bool reading)
{
    m_reading = reading;
    if (m_notifier) {
        m_notifier->setEnabled(reading && m_end == End::Open);
    }
}

QList<QByteArray> SocketPeer::lines() const
{
    QList<QByteArray> lines = m_received.split('\n');
    lines.removeLast(); // what follows the last "\n": an unfinished line, or nothing
    return lines;
}

void SocketPeer::readAvailable()
{
    char buffer[64 * 1024];
    while (m_end == End::Open) {
        const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
        if (n > 0) {
            m_received.append(buffer, n);
        } else if (n == 0) {
            m_end = End::Eof;
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return;
        } else {
            m_error = errno;
            m_end = End::Error;
        }
    }
    // At the end the descriptor stays readable for good: stop listening to it.
    m_notifier->setEnabled(false);
}

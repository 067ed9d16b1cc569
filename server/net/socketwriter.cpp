#include "socketwriter.h"

#include "metrics.h"

#include <array>
#include <cerrno>
#include <sys/socket.h>

namespace {

// The most buffers one sendmsg takes (Linux's UIO_MAXIOV is 1024).
constexpr std::size_t MaxIov = 256;

} // namespace

SocketWriter::SocketWriter(int fd, qint64 limit, std::function<void()> wakeOwner)
    : m_limit(limit)
    , m_wakeOwner(std::move(wakeOwner))
    , m_fd(fd)
{
}

bool SocketWriter::write(const QList<QByteArray> &chunks)
{
    std::unique_lock locker(m_mutex);
    if (m_fd < 0 || broken() || overflowed() || !appendLocked(chunks)) {
        return false; // the caller finds out which (broken(), overflowed())
    }
    if (!m_ownerDraining) {
        sendLocked();
    }
    if (unsent() > m_limit) {
        m_overflowed.store(true, std::memory_order_relaxed); // the caller cuts the client off
    }
    if (m_queue.isEmpty() || broken()) {
        return false;
    }
    m_ownerDraining = true;
    return true;
}

bool SocketWriter::queue(const QList<QByteArray> &chunks)
{
    std::unique_lock locker(m_mutex);
    if (m_fd < 0 || broken() || overflowed()) {
        return false;
    }
    if (!appendLocked(chunks)) {
        if (m_wakeOwner) {
            m_wakeOwner(); // to cut the client off
        }
        return false;
    }
    if (m_ownerDraining) {
        // The kernel is full: nothing goes before the owner drains, so past the limit is final.
        if (unsent() > m_limit) {
            m_overflowed.store(true, std::memory_order_relaxed);
            if (m_wakeOwner) {
                m_wakeOwner();
            }
        }
        return false;
    }
    if (m_listed) {
        return false; // the lane will send it
    }
    m_listed = true;
    return true;
}

void SocketWriter::flush()
{
    std::unique_lock locker(m_mutex);
    m_listed = false;
    if (m_fd < 0 || broken() || m_ownerDraining) {
        return;
    }
    sendLocked();
    if (m_queue.isEmpty() && std::exchange(m_shutdownPending, false)) {
        ::shutdown(m_fd, SHUT_WR);
    }
    if (broken() || !m_queue.isEmpty()) {
        // The owner reads what the peer sent before it went, or watches for room in the kernel
        // (and cuts the client off if what the kernel left is past the limit).
        if (!broken() && unsent() > m_limit) {
            m_overflowed.store(true, std::memory_order_relaxed);
        }
        m_ownerDraining = !broken();
        if (m_wakeOwner) {
            m_wakeOwner();
        }
    }
}

bool SocketWriter::drain()
{
    std::unique_lock locker(m_mutex);
    if (m_fd < 0 || broken()) {
        return true;
    }
    sendLocked();
    if (!m_queue.isEmpty() && !broken()) {
        m_ownerDraining = true;
        return false;
    }
    m_ownerDraining = false;
    if (m_queue.isEmpty() && std::exchange(m_shutdownPending, false)) {
        ::shutdown(m_fd, SHUT_WR);
    }
    return true;
}

void SocketWriter::detach()
{
    std::unique_lock locker(m_mutex);
    m_fd = -1;
    m_wakeOwner = nullptr;
    m_queue.clear();
    m_headOffset = 0;
    m_unsent.store(0, std::memory_order_relaxed);
}

void SocketWriter::shutdownWhenEmpty()
{
    std::unique_lock locker(m_mutex);
    if (m_fd < 0 || broken()) {
        return;
    }
    if (m_queue.isEmpty()) {
        ::shutdown(m_fd, SHUT_WR);
    } else {
        m_shutdownPending = true;
    }
}

bool SocketWriter::appendLocked(const QList<QByteArray> &chunks)
{
    qint64 unsent = m_unsent.load(std::memory_order_relaxed);
    const bool over = unsent > m_limit;
    for (const QByteArray &chunk : chunks) {
        unsent += chunk.size();
    }
    // Counted either way, so that unsent() shows how far past the limit the client was.
    m_unsent.store(unsent, std::memory_order_relaxed);
    if (over) {
        // Already past the limit: the client is cut off. What it would never read is not kept,
        // and nothing after it may be sent either, or the client would see a gap.
        m_overflowed.store(true, std::memory_order_relaxed);
        return false;
    }
    // One push may cross the limit: what counts is what the kernel leaves of it.
    for (const QByteArray &chunk : chunks) {
        if (!chunk.isEmpty()) {
            m_queue.append(chunk);
        }
    }
    return true;
}

void SocketWriter::sendLocked()
{
    std::array<iovec, MaxIov> parts{};
    qint64 unsent = m_unsent.load(std::memory_order_relaxed);
    while (!m_queue.isEmpty()) {
        std::size_t count = 0;
        for (auto it = m_queue.cbegin(); it != m_queue.cend() && count < MaxIov; ++it, ++count) {
            const qsizetype skip = count == 0 ? m_headOffset : 0;
            parts[count]
                = {const_cast<char *>(it->constData() + skip), std::size_t(it->size() - skip)};
        }
        msghdr message{};
        message.msg_iov = parts.data();
        message.msg_iovlen = count;
        const ssize_t n = ::sendmsg(m_fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            Metrics::instance().bytesOut(n);
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                // The peer has gone: nothing queued can reach it.
                m_broken.store(true, std::memory_order_relaxed);
                m_queue.clear();
                m_headOffset = 0;
                m_shutdownPending = false;
                unsent = 0;
            }
            break;
        }
        unsent -= n;
        qsizetype left = n;
        while (left > 0) {
            const qsizetype head = m_queue.front().size() - m_headOffset;
            if (left < head) {
                m_headOffset += left;
                break;
            }
            left -= head;
            m_queue.removeFirst();
            m_headOffset = 0;
        }
    }
    m_unsent.store(unsent, std::memory_order_relaxed);
}

#pragma once

#include <QByteArray>
#include <QList>

#include <atomic>
#include <functional>
#include <mutex>

// The write side of one plain TCP socket, shared by every thread that writes to it: the
// client's own (its replies) and the fan-out lanes (what the room broadcasts). One lock orders
// all of them, and everything goes through one queue, so a reply never overtakes a broadcast
// queued before it.
//
// Whoever holds the lock may hand the queue to the kernel with a non-blocking sendmsg, as NATS
// does from the publisher's thread: a broadcast reaches a thousand sockets without waking a
// thousand threads. Only when the kernel's buffer is full does the owner take over: the writer
// asks it once (wakeOwner) to watch the socket and drain the rest.
//
// The owner alone closes the descriptor, and detaches it here first, under the lock: descriptor
// numbers are reused, so no thread may write to one once it is closed.
class SocketWriter
{
public:
    // wakeOwner is called, under the lock, from any thread: the owner must drain (the kernel
    // was full), the peer has gone (broken()), or the limit was passed (overflowed()). It must
    // only post to the owner's thread.
    SocketWriter(int fd, qint64 limit, std::function<void()> wakeOwner);

    // The limit: what the kernel leaves unsent may not pass it. A push that finds unsent()
    // already past it is refused, and so is everything after it (overflowed()): the client is
    // cut off. (One push may cross it while the kernel has not had its turn yet.)
    // The owner: queues chunks behind what is queued and hands the kernel as much as it takes.
    // True: some wait, and the owner must watch the socket and call drain().
    bool write(const QList<QByteArray> &chunks);
    // Any thread (the room, delivering): queues chunks for a lane to send. True: the writer was
    // not listed for a lane yet, and the caller must list it (FanOutLane::markReady).
    bool queue(const QList<QByteArray> &chunks);
    // A fan-out lane: sends what is queued, unless the owner is draining already.
    void flush();
    // The owner, when the socket takes more: true once the queue is empty.
    bool drain();

    // Everything queued and not taken by the kernel yet, and whatever was refused.
    qint64 unsent() const { return m_unsent.load(std::memory_order_relaxed); }
    // The peer has gone (reset, broken pipe); nothing more is queued.
    bool broken() const { return m_broken.load(std::memory_order_relaxed); }
    // Something was refused for passing the limit; nothing more is queued, and the owner must
    // cut the client off.
    bool overflowed() const { return m_overflowed.load(std::memory_order_relaxed); }
    // The owner: no thread touches the descriptor after this returns, and nothing is woken.
    void detach();
    // The owner: shutdown(SHUT_WR) once the queue is empty (now, or when drain() empties it).
    void shutdownWhenEmpty();

private:
    // False: unsent() was past the limit already; nothing was queued.
    bool appendLocked(const QList<QByteArray> &chunks);
    void sendLocked();

    const qint64 m_limit;
    std::function<void()> m_wakeOwner;
    mutable std::mutex m_mutex;
    int m_fd = -1;
    // Oldest first; shared bytes, never copied. (A QList: empty, it allocates nothing, where a
    // std::deque takes over half a KiB per idle client.)
    QList<QByteArray> m_queue;
    qsizetype m_headOffset = 0; // bytes of m_queue.front() already sent
    std::atomic<qint64> m_unsent{0};
    std::atomic<bool> m_broken{false};
    std::atomic<bool> m_overflowed{false};
    bool m_ownerDraining = false; // the owner watches the socket until the queue is empty
    bool m_shutdownPending = false;
    bool m_listed = false; // a lane will flush it
};

#pragma once

#include <QByteArray>
#include <QList>

#include <memory>

class QSocketNotifier;

// The far end of a socketpair(AF_UNIX, SOCK_STREAM), held by a test as a raw descriptor: the
// other end goes to the code under test (a Connection, a Session), which owns it from then on.
// What arrives is read in the event loop, so QTRY_COMPARE(peer.received(), ...) and friends
// wait for it; setReading(false) leaves it in the kernel, as a client that stopped reading.
class SocketPeer
{
public:
    enum class End {
        Open, // nothing has ended yet
        Eof, // the other end closed or shut down its writing, and everything was read
        Error, // a read failed (ECONNRESET on a reset): error() says why
    };

    SocketPeer();
    ~SocketPeer();
    SocketPeer(const SocketPeer &) = delete;
    SocketPeer &operator=(const SocketPeer &) = delete;

    bool isValid() const { return m_fd >= 0; }
    // Hands over the other end; the caller owns it from now on (-1 if already taken).
    qintptr takeOtherEnd();
    // SO_SNDBUF and SO_RCVBUF of both ends (before takeOtherEnd), so that little fits in the
    // kernel and writers queue.
    void setBufferSizes(int bytes);

    // Writes every byte, waiting (in the event loop) while the socket is full; false on an
    // error or when the bytes could not go within timeoutMs.
    bool send(const QByteArray &bytes, int timeoutMs = 10000);
    // shutdown(SHUT_WR): the other end reads the end of the stream; this end can still read.
    void shutdownWrite();
    // Closes this end altogether, as a client that leaves does: a write to it then fails.
    void close();

    // Whether what arrives is read (on by default).
    void setReading(bool reading);
    // Everything read so far.
    const QByteArray &received() const { return m_received; }
    // The complete lines read so far, without their "\n".
    QList<QByteArray> lines() const;
    End end() const { return m_end; }
    bool atEnd() const { return m_end != End::Open; }
    int error() const { return m_error; }

private:
    void readAvailable();

    int m_fd = -1;
    int m_other = -1;
    std::unique_ptr<QSocketNotifier> m_notifier;
    QByteArray m_received;
    End m_end = End::Open;
    int m_error = 0;
    bool m_reading = true;
};

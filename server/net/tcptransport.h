#pragma once

#include "transport.h"

#include <QSocketNotifier>

#include <memory>

// Plain TCP on a descriptor this class owns. QTcpSocket cannot be used here: it closes the
// descriptor as soon as it reads the end of the stream, dropping the replies still in its write
// buffer, so a client that half-closes (nc -N) would never get them; and other threads write to
// the socket too. Every write goes through the socket's SocketWriter, this thread's and the
// fan-out lanes' alike, straight from the shared frame buffers; what the kernel does not take
// waits there, in order, and this class watches the socket until it is gone.
class TcpTransport : public Transport
{
    Q_OBJECT

public:
    // writeLimit: past this many unsent bytes, nothing more is queued (SocketWriter).
    explicit TcpTransport(qint64 writeLimit, QObject *parent = nullptr);
    ~TcpTransport() override;

    bool open(qintptr descriptor) override;
    QByteArray read(qint64 maxBytes) override;
    void setReading(bool reading) override;
    void write(const QList<QByteArray> &chunks) override;
    qint64 unsentBytes() const override;
    bool overflowed() const override;
    qint64 unacknowledgedBytes() const override;
    void shutdownWrite() override;
    void abort(bool reset) override;
    QHostAddress peerAddress() const override { return m_peerAddress; }
    quint16 peerPort() const override { return m_peerPort; }
    std::shared_ptr<SocketWriter> sharedWriter() const override { return m_writer; }

private:
    // The write notifier: the kernel takes more.
    void flushQueue();
    // The writer's call from another thread: the kernel was full, or the peer has gone.
    void onWriterWake();
    void writeFailed();
    void fail();
    void closeDescriptor();

    int m_fd = -1;
    QSocketNotifier *m_readNotifier = nullptr; // children; they go with the descriptor
    QSocketNotifier *m_writeNotifier = nullptr;
    const qint64 m_writeLimit;
    std::shared_ptr<SocketWriter> m_writer; // shared with the fan-out lanes
    QHostAddress m_peerAddress;
    quint16 m_peerPort = 0;
    bool m_reading = true;
    bool m_inputEnded = false;
    bool m_writeBroken = false; // the peer has gone; what it sent is still to be read
};

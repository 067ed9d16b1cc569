#pragma once

#include "transport.h"

#include <QSocketNotifier>

#include <deque>

// Plain TCP on a descriptor this class owns. QTcpSocket cannot be used here: it closes the
// descriptor as soon as it reads the end of the stream, dropping the replies still in its write
// buffer, so a client that half-closes (nc -N) would never get them. Writes go to the kernel
// with one sendmsg(2) per batch, straight from the shared frame buffers; what the kernel does
// not take waits here, in order.
class TcpTransport : public Transport
{
    Q_OBJECT

public:
    using Transport::Transport;
    ~TcpTransport() override;

    bool open(qintptr descriptor) override;
    QByteArray read(qint64 maxBytes) override;
    void setReading(bool reading) override;
    void write(const QList<QByteArray> &chunks) override;
    qint64 unsentBytes() const override { return m_unsent; }
    qint64 unacknowledgedBytes() const override;
    void shutdownWrite() override;
    void abort(bool reset) override;
    QHostAddress peerAddress() const override { return m_peerAddress; }
    quint16 peerPort() const override { return m_peerPort; }

private:
    // The write notifier: the kernel takes more.
    void flushQueue();
    void sendQueued();
    void writeFailed();
    void fail();
    void closeDescriptor();

    int m_fd = -1;
    QSocketNotifier *m_readNotifier = nullptr; // children; they go with the descriptor
    QSocketNotifier *m_writeNotifier = nullptr;
    std::deque<QByteArray> m_queue; // unsent, oldest first
    qsizetype m_headOffset = 0; // bytes of m_queue.front() already sent
    qint64 m_unsent = 0;
    QHostAddress m_peerAddress;
    quint16 m_peerPort = 0;
    bool m_reading = true;
    bool m_inputEnded = false;
    bool m_shutdownPending = false;
    bool m_writeBroken = false; // the peer has gone; what it sent is still to be read
};

#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QObject>

#include <memory>

class SocketWriter;

// The byte pipe under a Connection: plain TCP on the descriptor itself (TcpTransport), or TLS
// through QSslSocket (TlsTransport). It moves bytes and reports the peer's end; framing, limits
// and timers are the Connection's. A transport lives and is opened in the thread that uses it.
class Transport : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;

    // Adopts an accepted descriptor. False: it could not, and the descriptor is closed.
    virtual bool open(qintptr descriptor) = 0;
    // Up to maxBytes of what has arrived; empty when nothing is waiting.
    virtual QByteArray read(qint64 maxBytes) = 0;
    // Whether readyRead is emitted: a paused transport leaves input to TCP flow control.
    virtual void setReading(bool reading) = 0;
    // Queues bytes in order; as much as the kernel takes goes at once, without copying.
    virtual void write(const QList<QByteArray> &chunks) = 0;
    // Bytes written that the peer has not taken yet.
    virtual qint64 unsentBytes() const = 0;
    // Bytes were refused because too many were unsent already: the peer must be cut off, even
    // if what was queued has drained since.
    virtual bool overflowed() const { return false; }
    // Bytes the kernel has sent (or holds) that the peer's kernel has not acknowledged yet, the
    // end of the stream (FIN) included; 0 when that cannot be known.
    virtual qint64 unacknowledgedBytes() const = 0;
    // Sends FIN once everything queued is out: the peer reads the end of the stream.
    virtual void shutdownWrite() = 0;
    // Closes now, dropping what is queued. reset: with a TCP reset (SO_LINGER 0), so the peer
    // learns at once and the kernel frees the socket's buffers instead of retrying them.
    virtual void abort(bool reset) = 0;

    virtual QHostAddress peerAddress() const = 0;
    virtual quint16 peerPort() const = 0;
    // The writer other threads may write through, in order with this transport's writes; none
    // where every byte must pass through this thread (TLS encrypts per connection).
    virtual std::shared_ptr<SocketWriter> sharedWriter() const { return {}; }

signals:
    void readyRead();
    // The peer will send nothing more (it closed or half-closed); writing may still work.
    void inputEnded();
    // A backlog the kernel would not take has all been sent. Never emitted from inside write(),
    // whose caller may be in the middle of handling a line.
    void drained();
    // Another thread queued bytes that wait for the peer (sharedWriter()): time to check the
    // backlog against the limits.
    void backlogged();
    // The connection is gone: an error, the peer's reset, or abort().
    void closed();
};

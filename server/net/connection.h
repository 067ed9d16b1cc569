#pragma once

#include "framereader.h"

#include <QBasicTimer>
#include <QObject>
#include <QSslConfiguration>

#include <chrono>
#include <memory>
#include <optional>

class SocketWriter;
class Transport;

// One client's connection: it moves bytes, and bounds every one of them. It splits input into
// lines (never buffering more than a frame), hands each line on, and holds the client to:
//   - maxPendingBytes: everything written to the client and not yet taken, replies and
//     broadcasts alike, is checked after every write; past it the client is reset at once;
//   - frameTimeout: a frame that has begun must be finished in this time;
//   - reading pauses while a client's replies pile up unread, so its requests cannot make the
//     server buffer without bound.
// It knows nothing of the protocol: the Session on top decides what lines mean and when to close.
class Connection : public QObject
{
    Q_OBJECT

public:
    struct Limits
    {
        qsizetype maxFrameBytes = 64 * 1024;
        qint64 maxPendingBytes = 4 * 1024 * 1024;
        std::chrono::milliseconds frameTimeout{30000};
        std::chrono::milliseconds closeGrace{5000};
    };

    // tls set: the connection speaks TLS only.
    Connection(const Limits &limits, const std::optional<QSslConfiguration> &tls,
        QObject *parent = nullptr);
    ~Connection() override;

    // In the connection's thread. False: the descriptor could not be adopted (and is closed).
    bool open(qintptr descriptor);
    // address:port, with IPv4 peers of a dual-stack listener shown as a.b.c.d.
    QString peer() const { return m_peer; }
    QHostAddress peerAddress() const;

    // Queued in order behind everything written before. Ignored once closing.
    void write(const QByteArray &bytes);
    void write(const QList<QByteArray> &chunks);
    qint64 unsentBytes() const;
    // What other threads may write through, in order with write() and under the same limits;
    // none over TLS (see Transport::sharedWriter).
    std::shared_ptr<SocketWriter> sharedWriter() const;

    // How close() ends the connection once the peer has our last bytes.
    enum class Ending {
        // Closed: the peer reads the end of the stream, and may go on writing into the void.
        Linger,
        // Reset, once the peer's kernel has acknowledged everything (FIN included) and a moment
        // has passed for the peer to read it. For a person at nc, which reads the end of the
        // stream but exits only when its terminal does or the connection is reset. (A reset
        // that overtook our last bytes, or came before nc read them, would lose them.)
        ResetWhenRead,
    };

    // Lingering close (as nginx does): send what is queued, then FIN; discard the peer's input
    // until it closes too or the grace runs out. Closing a socket that still holds unread input
    // would make the kernel send a reset, which can destroy the peer's copy of our last frames.
    void close(Ending ending = Ending::Linger);
    // Cut off now with a TCP reset, dropping what is queued.
    void reset();
    bool isClosing() const { return m_closing; }

    // Holds the lines after the one being handled until resumeInput(), for a session that must
    // wait for an answer (a password check) before it may read the client's next frame. The
    // kernel's buffer holds what follows meanwhile, so a paused client cannot grow memory.
    void pauseInput();
    void resumeInput();

signals:
    void lineReceived(const QByteArray &line);
    // Anything at all arrived: the peer is alive.
    void activity();
    // A line grew past maxFrameBytes; no more lines are read.
    void frameTooLarge(qsizetype maxFrameBytes);
    // A frame was begun and not finished within frameTimeout; no more lines are read.
    void frameTimedOut();
    // Unread output passed maxPendingBytes; the connection has been reset.
    void overloaded(qint64 unsentBytes);
    // The peer sends nothing more, and every line it sent has been handed on.
    void inputEnded();
    // The connection is gone; nothing more is sent or received.
    void closed();

private:
    void readInput();
    void deliverLines();
    bool checkPending();
    void onInputEnded();
    void onDrained();
    void onClosed();
    // Ending::ResetWhenRead: resets once everything sent has been acknowledged for a while.
    void resetIfAcknowledged();

    const Limits m_limits;
    const std::optional<QSslConfiguration> m_tls;
    const qint64 m_readPauseBytes;
    Transport *m_transport = nullptr;
    FrameReader m_reader;
    void timerEvent(QTimerEvent *event) override;

    // QBasicTimers (timerEvent): no object and no connection per client.
    QBasicTimer m_frameTimer;
    QBasicTimer m_acknowledgeTimer; // Ending::ResetWhenRead: checks whether the peer has it all
    QString m_peer;
    bool m_stopped = false; // no more lines: overflow, timeout or closing
    bool m_inputEnded = false;
    bool m_paused = false;
    bool m_closing = false;
    bool m_closed = false;
    bool m_resetWhenRead = false;
    bool m_acknowledged = false; // everything was acknowledged at the last check
};

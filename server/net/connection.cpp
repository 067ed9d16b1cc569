#include "connection.h"

#include "metrics.h"
#include "netlog.h"
#include "peeraddress.h"
#include "tcptransport.h"
#include "tlstransport.h"

#include <QTimer>
#include <QTimerEvent>

using namespace Qt::StringLiterals;

namespace {

constexpr qint64 ReadChunkBytes = 64 * 1024;
// A client whose replies pile up unread is not read from until they drain (at most half the
// slow-consumer cap: a client that floods and reads slowly is throttled before it is cut off).
constexpr qint64 ReadPauseBytes = 1024 * 1024;
// Ending::ResetWhenRead: how often the peer's acknowledgements are checked. The reset goes out
// at the second check that finds everything acknowledged, so the peer has had at least this
// long to read our last bytes (nc reads as soon as they arrive; one that had not yet read them
// would lose them to the reset).
constexpr std::chrono::milliseconds AcknowledgeCheck{100};

} // namespace

Connection::Connection(
    const Limits &limits, const std::optional<QSslConfiguration> &tls, QObject *parent)
    : QObject(parent)
    , m_limits(limits)
    , m_tls(tls)
    , m_readPauseBytes(std::min(ReadPauseBytes, limits.maxPendingBytes / 2))
    , m_reader(limits.maxFrameBytes)
{
}

void Connection::timerEvent(QTimerEvent *event)
{
    if (event->timerId() == m_frameTimer.timerId()) {
        m_frameTimer.stop();
        m_stopped = true;
        emit frameTimedOut();
    } else if (event->timerId() == m_acknowledgeTimer.timerId()) {
        resetIfAcknowledged();
    } else {
        QObject::timerEvent(event);
    }
}

Connection::~Connection() = default;

bool Connection::open(qintptr descriptor)
{
    if (m_tls) {
        m_transport = new TlsTransport(*m_tls, this);
    } else {
        m_transport = new TcpTransport(m_limits.maxPendingBytes, this);
    }
    if (!m_transport->open(descriptor)) {
        qCWarning(lcNet) << "cannot adopt a connection";
        return false;
    }
    m_peer = u"%1:%2"_s.arg(peerAddress().toString()).arg(m_transport->peerPort());
    connect(m_transport, &Transport::readyRead, this, &Connection::readInput);
    connect(m_transport, &Transport::inputEnded, this, &Connection::onInputEnded);
    connect(m_transport, &Transport::drained, this, &Connection::onDrained);
    connect(m_transport, &Transport::backlogged, this, [this] {
        if (!m_closing && !m_closed) {
            checkPending();
        }
    });
    connect(m_transport, &Transport::closed, this, &Connection::onClosed);
    return true;
}

QHostAddress Connection::peerAddress() const
{
    return unmappedAddress(m_transport->peerAddress());
}

void Connection::write(const QByteArray &bytes)
{
    write(QList<QByteArray>{bytes});
}

void Connection::write(const QList<QByteArray> &chunks)
{
    if (m_closing || m_closed) {
        return;
    }
    m_transport->write(chunks);
    checkPending();
}

std::shared_ptr<SocketWriter> Connection::sharedWriter() const
{
    return m_closing || m_closed ? nullptr : m_transport->sharedWriter();
}

qint64 Connection::unsentBytes() const
{
    return m_closed ? 0 : m_transport->unsentBytes();
}

bool Connection::checkPending()
{
    const qint64 unsent = m_transport->unsentBytes();
    if (unsent <= m_limits.maxPendingBytes && !m_transport->overflowed()) {
        if (unsent > m_readPauseBytes) {
            m_transport->setReading(false);
        }
        return true;
    }
    // It is not reading, so a bye would only queue behind what it already ignores.
    reset();
    Metrics::instance().cutOff(Metrics::Cutoff::SlowConsumer);
    emit overloaded(unsent);
    return false;
}

void Connection::readInput()
{
    if (m_closed) {
        return;
    }
    if (m_closing) {
        while (!m_transport->read(ReadChunkBytes).isEmpty()) { }
        return;
    }
    deliverLines();
    while (!m_stopped && !m_paused && !m_closed && m_transport->unsentBytes() <= m_readPauseBytes) {
        const QByteArray bytes = m_transport->read(ReadChunkBytes);
        if (bytes.isEmpty()) {
            break;
        }
        emit activity();
        Metrics::instance().bytesIn(bytes.size());
        m_reader.append(bytes);
        deliverLines();
    }
    if (m_closed || m_closing) {
        return;
    }
    m_transport->setReading(
        !m_stopped && !m_paused && m_transport->unsentBytes() <= m_readPauseBytes);
    if (m_inputEnded && !m_stopped && !m_paused) {
        m_stopped = true;
        emit inputEnded();
    }
}

void Connection::deliverLines()
{
    while (!m_stopped && !m_paused && !m_closing && !m_closed) {
        const std::optional<QByteArray> line = m_reader.nextLine();
        if (!line) {
            break;
        }
        emit lineReceived(*line);
    }
    if (m_stopped || m_paused || m_closing || m_closed) {
        return;
    }
    if (m_reader.hasOverflowed()) {
        m_stopped = true;
        emit frameTooLarge(m_reader.maxFrameBytes());
        return;
    }
    // The clock runs from the first byte of an unfinished frame until its newline.
    if (m_reader.bufferedBytes() == 0) {
        m_frameTimer.stop();
    } else if (!m_frameTimer.isActive()) {
        m_frameTimer.start(int(m_limits.frameTimeout.count()), this);
    }
}

void Connection::onInputEnded()
{
    m_inputEnded = true;
    m_frameTimer.stop();
    readInput(); // hands on any lines still held, then reports the end
}

void Connection::pauseInput()
{
    m_paused = true;
    m_frameTimer.stop(); // what waits is ours to read, not the client's to finish
}

void Connection::resumeInput()
{
    if (!std::exchange(m_paused, false)) {
        return;
    }
    // Queued: the caller may be inside a handler that a delivered line would re-enter.
    QMetaObject::invokeMethod(this, &Connection::readInput, Qt::QueuedConnection);
}

void Connection::close(Ending ending)
{
    if (m_closing || m_closed) {
        return;
    }
    m_closing = true;
    m_resetWhenRead = ending == Ending::ResetWhenRead;
    m_stopped = true;
    m_frameTimer.stop();
    m_transport->setReading(true); // to discard, not to read
    m_transport->shutdownWrite();
    QTimer::singleShot(m_limits.closeGrace, this, [this] { m_transport->abort(false); });
    onDrained();
}

void Connection::onDrained()
{
    if (m_closed) {
        return;
    }
    if (!m_closing) {
        if (m_transport->unsentBytes() <= m_readPauseBytes / 2) {
            readInput(); // resumes a read paused for backpressure
        }
        return;
    }
    // Our last frames are with the kernel. Once nothing the peer sent is left unread, closing
    // cannot turn into a reset, so there is no reason to wait for the peer.
    if (m_transport->unsentBytes() == 0) {
        while (!m_transport->read(ReadChunkBytes).isEmpty()) { }
        if (m_resetWhenRead) {
            if (!m_acknowledgeTimer.isActive()) {
                m_acknowledgeTimer.start(int(AcknowledgeCheck.count()), this);
            }
            return;
        }
        m_transport->abort(false);
    }
}

void Connection::resetIfAcknowledged()
{
    if (m_closed) {
        m_acknowledgeTimer.stop();
        return;
    }
    const bool acknowledged
        = m_transport->unsentBytes() == 0 && m_transport->unacknowledgedBytes() == 0;
    if (std::exchange(m_acknowledged, acknowledged) && acknowledged) {
        m_acknowledgeTimer.stop();
        m_transport->abort(true);
    }
}

void Connection::reset()
{
    if (m_closed) {
        return;
    }
    m_closing = true;
    m_stopped = true;
    m_transport->abort(true);
}

void Connection::onClosed()
{
    if (std::exchange(m_closed, true)) {
        return;
    }
    m_frameTimer.stop();
    m_acknowledgeTimer.stop();
    emit closed();
}

#include "chatconnection.h"

#include "framecodec.h"
#include "frames.h"
#include "frametype.h"
#include "protocol.h"

#include <QRandomGenerator>
#include <QSslSocket>
#include <QTcpSocket>

using Protocol::ErrorCode;
using Protocol::FrameType;
using namespace Qt::StringLiterals;

namespace {

// Server frames can be larger than client frames (a users list of thousands of names); this
// still bounds what a broken or hostile server can make us buffer.
constexpr qsizetype MaxServerFrameBytes = 16 * 1024 * 1024;
constexpr int DefaultPingIntervalMs = 5000;
// A pong this many ping intervals late means the connection is dead, even if TCP hasn't said.
constexpr int MissedPingsBeforeDead = 3;

} // namespace

ChatConnection::ChatConnection(QObject *parent)
    : QObject(parent)
    , m_reader(MaxServerFrameBytes)
    , m_retryTimer(this)
    , m_pingTimer(this)
{
    m_retryTimer.setSingleShot(true);
    m_pingTimer.setInterval(DefaultPingIntervalMs);
    connect(&m_retryTimer, &QTimer::timeout, this, &ChatConnection::connectSocket);
    connect(&m_pingTimer, &QTimer::timeout, this, &ChatConnection::sendPing);
}

ChatConnection::~ChatConnection()
{
    if (m_socket) {
        m_socket->disconnect(this);
    }
}

void ChatConnection::setRetryDelays(int firstMs, int maxMs)
{
    m_firstRetryMs = firstMs;
    m_maxRetryMs = maxMs;
}

void ChatConnection::setPingInterval(int ms)
{
    m_pingTimer.setInterval(ms);
}

void ChatConnection::open(
    const QString &host, quint16 port, const QString &name, bool retryFirstConnect, bool tls)
{
    close();
    m_host = host;
    m_port = port;
    m_name = name;
    m_retryFirstConnect = retryFirstConnect;
    m_tls = tls;
    m_wasOnline = false;
    m_lastId = -1;
    m_attempt = 0;
    connectSocket();
}

void ChatConnection::close()
{
    m_retryTimer.stop();
    m_pingTimer.stop();
    if (m_socket) {
        QTcpSocket *socket = std::exchange(m_socket, nullptr);
        socket->disconnect(this);
        // Say quit only where the server is listening for frames (not mid-handshake).
        if (m_state == State::Online || m_state == State::Registering) {
            socket->write(FrameCodec::encode(Frames::quit()));
            // Hand it to the kernel now: closing the window quits the application right after.
            socket->flush();
            socket->disconnectFromHost();
        } else {
            socket->abort();
        }
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        if (socket->state() == QAbstractSocket::UnconnectedState) {
            socket->deleteLater();
        }
    }
    setState(State::Disconnected);
}

bool ChatConnection::send(const QJsonObject &frame)
{
    if (m_state != State::Online) {
        return false;
    }
    m_socket->write(FrameCodec::encode(frame));
    return true;
}

void ChatConnection::setState(State state)
{
    if (m_state != state) {
        m_state = state;
        emit stateChanged(state);
    }
}

void ChatConnection::connectSocket()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
    }
    QSslSocket *tls = m_tls ? new QSslSocket(this) : nullptr;
    m_socket = tls ? tls : new QTcpSocket(this);
    m_reader = FrameReader(MaxServerFrameBytes);
    m_pingOutstanding = false;
    if (tls) {
        // Speak only once the channel is encrypted.
        connect(tls, &QSslSocket::encrypted, this, &ChatConnection::onConnected);
        connect(tls, &QSslSocket::sslErrors, this, &ChatConnection::onSslErrors);
    } else {
        connect(m_socket, &QTcpSocket::connected, this, &ChatConnection::onConnected);
    }
    connect(m_socket, &QTcpSocket::readyRead, this, &ChatConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::disconnected, this, &ChatConnection::onSocketGone);
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError) {
        // A failed connect reports only an error; a dropped connection also says disconnected.
        if (m_socket && m_socket->state() == QAbstractSocket::UnconnectedState) {
            onSocketGone();
        }
    });
    setState(State::Connecting);
    if (tls) {
        tls->connectToHostEncrypted(m_host, m_port);
    } else {
        m_socket->connectToHost(m_host, m_port);
    }
}

void ChatConnection::onSslErrors(const QList<QSslError> &errors)
{
    auto *tls = qobject_cast<QSslSocket *>(m_socket);
    const QSslCertificate certificate = tls->peerCertificate();
    const QByteArray fingerprint = TrustStore::fingerprint(certificate);
    const QString server = u"%1:%2"_s.arg(m_host).arg(m_port);
    const TrustStore::Verdict verdict = m_trustStore.check(server, fingerprint);
    if (verdict == TrustStore::Verdict::Trusted) {
        tls->ignoreSslErrors(errors); // the person vouched for exactly this certificate
        return;
    }
    close();
    emit certificateNeedsTrust(certificate, fingerprint, verdict == TrustStore::Verdict::Changed);
}

void ChatConnection::onConnected()
{
    setState(State::Registering);
    // After the first welcome every hello resumes: the server replays what we missed.
    m_socket->write(FrameCodec::encode(Frames::hello(m_name, m_lastId)));
}

void ChatConnection::onReadyRead()
{
    QList<QJsonObject> batch;
    m_reader.append(m_socket->readAll());
    while (const std::optional<QByteArray> line = m_reader.nextLine()) {
        const FrameCodec::Decoded decoded = FrameCodec::decode(*line);
        if (decoded.isValid()) {
            handle(decoded.frame, batch);
        }
        if (!m_socket) {
            break; // the frame closed the connection
        }
    }
    if (!batch.isEmpty()) {
        emit framesReceived(batch);
    }
    if (m_socket && m_reader.hasOverflowed()) {
        m_socket->abort();
    }
}

void ChatConnection::handle(const QJsonObject &frame, QList<QJsonObject> &batch)
{
    const FrameType type = Protocol::frameType(frame);
    switch (type) {
    case FrameType::Ping:
        m_socket->write(FrameCodec::encode(Frames::pong())); // the server's keep-alive
        return;
    case FrameType::Pong:
        if (m_pingOutstanding) {
            m_pingOutstanding = false;
            m_roundTripMs = int(m_pingClock.elapsed());
            emit roundTripChanged(m_roundTripMs);
        }
        return;
    default:
        break;
    }
    if (m_state == State::Registering) {
        switch (type) {
        case FrameType::Welcome: {
            m_name = frame.value("name"_L1).toString();
            // A fresh start takes the server's newest id; so does a resume from an id the
            // server no longer has (its history was reset).
            const qint64 lastId = frame.value("last_id"_L1).toInteger();
            if (m_lastId < 0 || lastId < m_lastId) {
                m_lastId = lastId;
            }
            m_attempt = 0;
            m_wasOnline = true;
            setState(State::Online);
            emit welcomed(frame);
            sendPing();
            m_pingTimer.start();
            break;
        }
        case FrameType::Error: {
            const QString code = frame.value("code"_L1).toString();
            const QString message = frame.value("message"_L1).toString();
            if (m_wasOnline && Protocol::errorCodeFromName(code) == ErrorCode::NameTaken) {
                scheduleRetry(u"waiting for the server to release the name %1"_s.arg(m_name));
            } else {
                close();
                emit registrationRefused(code, message);
            }
            break;
        }
        default:
            break;
        }
        return;
    }
    switch (type) {
    case FrameType::Message:
    case FrameType::Dm:
        m_lastId = std::max(m_lastId, frame.value("id"_L1).toInteger());
        break;
    case FrameType::Bye:
        // The server is going away (a restart, usually): come back when it does.
        scheduleRetry(
            u"the server closed the connection (%1)"_s.arg(frame.value("reason"_L1).toString()));
        return;
    default:
        break;
    }
    batch.append(frame);
}

void ChatConnection::onSocketGone()
{
    if (!m_socket) {
        return;
    }
    const QString reason = m_socket->error() == QAbstractSocket::RemoteHostClosedError
        ? u"the server closed the connection"_s
        : m_socket->errorString();
    if (!m_wasOnline && !m_retryFirstConnect) {
        const QString message
            = u"Cannot connect to %1:%2: %3"_s.arg(m_host).arg(m_port).arg(m_socket->errorString());
        close();
        emit connectFailed(message);
        return;
    }
    scheduleRetry(reason);
}

void ChatConnection::scheduleRetry(const QString &reason)
{
    const bool wasOnline = m_state == State::Online;
    m_pingTimer.stop();
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    // Exponential backoff with jitter, so a restarted server is not hit by every client at
    // the same instant.
    const int base = std::min(m_maxRetryMs, m_firstRetryMs << std::min(m_attempt, 16));
    const int delay = int(base * (0.8 + 0.4 * QRandomGenerator::global()->generateDouble()));
    ++m_attempt;
    m_retryTimer.start(delay);
    setState(State::Reconnecting);
    if (wasOnline) {
        emit connectionLost(reason);
    }
}

void ChatConnection::sendPing()
{
    if (m_state != State::Online) {
        return;
    }
    if (m_pingOutstanding
        && m_pingClock.elapsed() > qint64(m_pingTimer.interval()) * MissedPingsBeforeDead) {
        scheduleRetry(u"the server stopped answering"_s);
        return;
    }
    if (!m_pingOutstanding) {
        m_pingOutstanding = true;
        m_pingClock.start();
        m_socket->write(FrameCodec::encode(Frames::ping()));
    }
}

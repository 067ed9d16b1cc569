#include "chatconnection.h"

#include "framecodec.h"
#include "frames.h"
#include "frametype.h"
#include "protocol.h"

#include <QRandomGenerator>
#include <QSslSocket>
#include <QTcpSocket>

#include <algorithm>

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
// For each step of signing in: connecting, the answer to hello, the answer to register.
constexpr int DefaultHandshakeTimeoutMs = 10000;

// The start of what a server that is no Natter server said, fit to quote to a person ("HTTP/1.1
// 400 Bad Request"); empty when it is nothing readable.
QString quotable(const QByteArray &line)
{
    constexpr qsizetype MaxQuoted = 60;
    QString text = QString::fromUtf8(line.left(MaxQuoted * 4)).simplified();
    if (text.isEmpty()
        || std::any_of(text.cbegin(), text.cend(), [](QChar c) { return !c.isPrint(); })) {
        return {};
    }
    if (text.size() > MaxQuoted) {
        text = text.left(MaxQuoted - 1) + u'…';
    }
    return text;
}

} // namespace

ChatConnection::ChatConnection(QObject *parent)
    : QObject(parent)
    , m_reader(MaxServerFrameBytes)
    , m_retryTimer(this)
    , m_pingTimer(this)
    , m_handshakeTimer(this)
{
    m_retryTimer.setSingleShot(true);
    m_pingTimer.setInterval(DefaultPingIntervalMs);
    m_handshakeTimer.setSingleShot(true);
    m_handshakeTimer.setInterval(DefaultHandshakeTimeoutMs);
    connect(&m_retryTimer, &QTimer::timeout, this, &ChatConnection::connectSocket);
    connect(&m_pingTimer, &QTimer::timeout, this, &ChatConnection::sendPing);
    connect(&m_handshakeTimer, &QTimer::timeout, this, &ChatConnection::onHandshakeTimeout);
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

void ChatConnection::setHandshakeTimeout(int ms)
{
    m_handshakeTimer.setInterval(ms);
}

void ChatConnection::open(
    const QString &host, quint16 port, const QString &name, bool retryFirstConnect, bool tls)
{
    open(host, port, SignIn{name, {}, {}, false}, retryFirstConnect, tls);
}

void ChatConnection::open(
    const QString &host, quint16 port, const SignIn &signIn, bool retryFirstConnect, bool tls)
{
    close();
    m_host = host;
    m_port = port;
    m_name = signIn.name;
    m_password = signIn.password;
    m_token = signIn.token;
    m_createAccount = signIn.createAccount;
    m_account = false;
    m_retryFirstConnect = retryFirstConnect;
    m_tls = tls;
    m_wasOnline = false;
    m_lastId = -1;
    m_attempt = 0;
    connectSocket();
}

void ChatConnection::reopen()
{
    disconnectSocket(true);
    m_attempt = 0;
    connectSocket();
}

void ChatConnection::close()
{
    disconnectSocket(true);
    m_password.clear();
    m_token.clear();
    m_createAccount = false;
    m_heldWelcome = {};
    m_heldFrames.clear();
    setState(State::Disconnected);
}

void ChatConnection::disconnectSocket(bool sayQuit)
{
    m_retryTimer.stop();
    m_pingTimer.stop();
    m_handshakeTimer.stop();
    if (m_socket) {
        QTcpSocket *socket = std::exchange(m_socket, nullptr);
        socket->disconnect(this);
        // Say quit only where the server is listening for frames (not mid-handshake).
        if (sayQuit && (m_state == State::Online || m_state == State::Registering)) {
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
        // Speak only once the channel is encrypted; the TLS handshake is a step of its own.
        connect(tls, &QSslSocket::connected, this, [this] { m_handshakeTimer.start(); });
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
    m_handshakeTimer.start();
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
    // Not close(): the sign-in is kept for reopen() once the person trusts the certificate.
    disconnectSocket(false);
    setState(State::Disconnected);
    emit certificateNeedsTrust(certificate, fingerprint, verdict == TrustStore::Verdict::Changed);
}

void ChatConnection::onConnected()
{
    setState(State::Registering);
    m_handshakeTimer.start(); // now for the answer to hello
    sendHello();
}

void ChatConnection::sendHello()
{
    // After the first welcome every hello resumes (m_lastId): the server replays what we missed.
    QJsonObject hello;
    if (!m_token.isEmpty()) {
        hello = Frames::helloWithToken(m_token, m_lastId);
    } else if (!m_password.isEmpty() && !m_createAccount) {
        hello = Frames::helloWithPassword(m_name, m_password, m_lastId);
    } else {
        hello = Frames::hello(m_name, m_lastId);
    }
    m_socket->write(FrameCodec::encode(hello));
}

void ChatConnection::onReadyRead()
{
    QList<QJsonObject> batch;
    m_reader.append(m_socket->readAll());
    while (const std::optional<QByteArray> line = m_reader.nextLine()) {
        const FrameCodec::Decoded decoded = FrameCodec::decode(*line);
        if (decoded.isValid()) {
            handle(decoded.frame, batch);
        } else if (m_state == State::Registering && m_heldWelcome.isEmpty()) {
            onNotNatter(*line); // the first answer: an HTTP server, say
        }
        if (!m_socket) {
            break; // the frame closed the connection
        }
    }
    if (!batch.isEmpty()) {
        emit framesReceived(batch);
    }
    if (m_socket && m_reader.hasOverflowed()) {
        if (m_state == State::Registering && m_heldWelcome.isEmpty()) {
            onNotNatter({});
        } else {
            m_socket->abort();
        }
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
        onRegisteringFrame(frame, batch);
        return;
    }
    switch (type) {
    case FrameType::Message:
    case FrameType::Dm:
        m_lastId = std::max(m_lastId, frame.value("id"_L1).toInteger());
        break;
    case FrameType::Registered:
        // A guest's name became an account: from now on we come back with the token.
        m_account = true;
        m_name = frame.value("name"_L1).toString();
        m_token = frame.value("token"_L1).toString();
        emit tokenReceived(m_name, m_token);
        break;
    case FrameType::Bye: {
        const QString reason = frame.value("reason"_L1).toString();
        if (reason == "session_revoked"_L1 || reason == "logout"_L1) {
            // Coming back would only be refused: the token is dead. What came before the bye
            // is delivered first.
            if (!batch.isEmpty()) {
                emit framesReceived(std::exchange(batch, {}));
            }
            const QString token = std::exchange(m_token, {});
            disconnectSocket(false);
            m_password.clear();
            setState(State::Disconnected);
            emit sessionEnded(reason, token);
            return;
        }
        if (reason == "kicked"_L1 || reason == "banned"_L1) {
            // A moderator put us out: coming straight back would undo a kick, and a ban would
            // only be refused. The notice that says why came before the bye.
            if (!batch.isEmpty()) {
                emit framesReceived(std::exchange(batch, {}));
            }
            disconnectSocket(false);
            m_password.clear();
            setState(State::Disconnected);
            emit removed(reason);
            return;
        }
        // The server is going away (a restart, usually): come back when it does.
        scheduleRetry(u"the server closed the connection (%1)"_s.arg(reason));
        return;
    }
    default:
        break;
    }
    batch.append(frame);
}

void ChatConnection::onRegisteringFrame(const QJsonObject &frame, QList<QJsonObject> &batch)
{
    const FrameType type = Protocol::frameType(frame);
    if (!m_heldWelcome.isEmpty()) {
        // Welcomed as a guest; register went out and its answer decides.
        switch (type) {
        case FrameType::Registered: {
            m_account = true;
            m_name = frame.value("name"_L1).toString();
            m_token = frame.value("token"_L1).toString();
            emit tokenReceived(m_name, m_token);
            QJsonObject welcome = std::exchange(m_heldWelcome, {});
            welcome.insert("name"_L1, m_name);
            welcome.insert("account"_L1, true);
            goOnline(welcome);
            batch.append(frame);
            for (const QJsonObject &held : std::exchange(m_heldFrames, {})) {
                handle(held, batch);
            }
            return;
        }
        case FrameType::Error:
            onRegisteringError(frame);
            return;
        default:
            m_heldFrames.append(frame);
            return;
        }
    }
    switch (type) {
    case FrameType::Welcome:
        m_name = frame.value("name"_L1).toString();
        if (m_createAccount) {
            m_createAccount = false;
            m_heldWelcome = frame;
            m_socket->write(
                FrameCodec::encode(Frames::registerRequest(std::exchange(m_password, {}))));
            m_handshakeTimer.start(); // now for the answer to register
            return;
        }
        m_password.clear(); // answered: the token does from here on
        m_account = frame.value("account"_L1).toBool();
        if (const QString token = frame.value("token"_L1).toString(); !token.isEmpty()) {
            m_token = token;
            emit tokenReceived(m_name, m_token);
        }
        goOnline(frame);
        return;
    case FrameType::Error:
        onRegisteringError(frame);
        return;
    default:
        return;
    }
}

void ChatConnection::onRegisteringError(const QJsonObject &frame)
{
    const QString code = frame.value("code"_L1).toString();
    const QString message = frame.value("message"_L1).toString();
    const ErrorCode error = Protocol::errorCodeFromName(code);
    const bool helloUsedToken = !m_token.isEmpty() && m_heldWelcome.isEmpty();
    if (m_wasOnline && m_heldWelcome.isEmpty()) {
        switch (error) {
        case ErrorCode::NameTaken:
            scheduleRetry(u"waiting for the server to release the name %1"_s.arg(m_name));
            return;
        case ErrorCode::TooManyAttempts:
        case ErrorCode::ShuttingDown:
        case ErrorCode::StorageFailed:
            // Passing troubles on the server's side: the token is still good.
            scheduleRetry(u"the server cannot sign us in yet (%1)"_s.arg(message));
            return;
        default:
            break;
        }
    }
    const QString token = m_token;
    close();
    if (helloUsedToken && error == ErrorCode::AuthFailed) {
        emit tokenRejected(token, message);
    } else {
        emit registrationRefused(code, message);
    }
}

void ChatConnection::goOnline(const QJsonObject &welcome)
{
    // A fresh start takes the server's newest id; so does a resume from an id the server no
    // longer has (its history was reset).
    const qint64 lastId = welcome.value("last_id"_L1).toInteger();
    if (m_lastId < 0 || lastId < m_lastId) {
        m_lastId = lastId;
    }
    m_attempt = 0;
    m_wasOnline = true;
    m_handshakeTimer.stop();
    setState(State::Online);
    emit welcomed(welcome);
    sendPing();
    m_pingTimer.start();
}

void ChatConnection::onSocketGone()
{
    if (!m_socket) {
        return;
    }
    if (!m_heldWelcome.isEmpty()) {
        // Whether the account came to be is unknown; a guest reconnect would be wrong.
        close();
        emit connectFailed(
            u"The connection to %1:%2 dropped while creating the account."_s.arg(m_host).arg(
                m_port));
        return;
    }
    const QString reason = m_socket->error() == QAbstractSocket::RemoteHostClosedError
        ? u"the server closed the connection"_s
        : m_socket->errorString();
    if (m_state == State::Registering) {
        // Connected, hello sent, and gone before a word: a Natter server answers every hello.
        failAttempt(u"The server at %1:%2 closed the connection without answering: it is not a "
                    "Natter server, or it is shutting down."_s.arg(m_host)
                        .arg(m_port),
            reason);
        return;
    }
    failAttempt(
        u"Cannot connect to %1:%2: %3"_s.arg(m_host).arg(m_port).arg(m_socket->errorString()),
        reason);
}

void ChatConnection::onHandshakeTimeout()
{
    if (!m_socket) {
        return;
    }
    const QString server = u"%1:%2"_s.arg(m_host).arg(m_port);
    const int seconds = std::max(1, (m_handshakeTimer.interval() + 500) / 1000);
    if (!m_heldWelcome.isEmpty()) {
        // Whether the account came to be is unknown: as when the connection drops then.
        close();
        emit connectFailed(u"The server at %1 did not answer the request to create the account "
                           "within %2 s."_s.arg(server)
                               .arg(seconds));
        return;
    }
    QString message;
    if (m_socket->state() != QAbstractSocket::ConnectedState) {
        message = u"Cannot connect to %1: no answer within %2 s."_s.arg(server).arg(seconds);
    } else if (m_state == State::Connecting) { // connected, but the TLS handshake is not done
        message = u"The server at %1 accepted the connection but did not begin TLS within %2 s: "
                  "it may not use TLS."_s.arg(server)
                      .arg(seconds);
    } else {
        message = u"The server at %1 accepted the connection but did not answer as a Natter "
                  "server within %2 s."_s.arg(server)
                      .arg(seconds);
    }
    failAttempt(message, u"the server did not answer within %1 s"_s.arg(seconds));
}

void ChatConnection::onNotNatter(const QByteArray &line)
{
    const QString server = u"%1:%2"_s.arg(m_host).arg(m_port);
    const QString said = quotable(line);
    failAttempt(said.isEmpty()
            ? u"%1 is not a Natter server: what it answered is not a Natter frame."_s.arg(server)
            : u"%1 is not a Natter server: it answered “%2”."_s.arg(server, said),
        u"the server's answer is not a Natter frame"_s);
}

void ChatConnection::failAttempt(const QString &message, const QString &reason)
{
    if (!m_wasOnline && !m_retryFirstConnect) {
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
    m_handshakeTimer.stop();
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

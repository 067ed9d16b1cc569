#include "clientworker.h"

#include "chatroom.h"
#include "framecodec.h"
#include "frames.h"
#include "framevalidator.h"
#include "gracefulclose.h"
#include "serverconfig.h"
#include "serverlog.h"

#include <QTcpSocket>

using Protocol::ErrorCode;
using namespace Qt::StringLiterals;

namespace {

// Bounds what Qt buffers from the socket; past it TCP flow control holds the sender back.
constexpr qint64 ReadChunkBytes = 64 * 1024;
// How long a closing connection may take to drain before it is cut.
constexpr std::chrono::seconds CloseGrace {5};

} // namespace

ClientWorker::ClientWorker(qintptr socketDescriptor, ChatRoom &room, const ServerConfig &config)
    : m_socketDescriptor(socketDescriptor)
    , m_room(room)
    , m_reader(config.maxFrameBytes)
    , m_outbox([this] {
        QMetaObject::invokeMethod(this, &ClientWorker::flushOutbox, Qt::QueuedConnection);
    })
{
}

ClientWorker::~ClientWorker()
{
    // Covers a thread stopped under us (server destroyed): the room must forget this outbox.
    leaveRoom(u"disconnected"_s);
}

void ClientWorker::start()
{
    m_socket = new QTcpSocket(this);
    if (!m_socket->setSocketDescriptor(m_socketDescriptor)) {
        qCWarning(lcServer) << "cannot adopt connection:" << m_socket->errorString();
        m_finished = true;
        emit finished();
        return;
    }
    m_socket->setReadBufferSize(ReadChunkBytes);
    m_peer = u"%1:%2"_s.arg(m_socket->peerAddress().toString()).arg(m_socket->peerPort());
    qCInfo(lcServer).noquote() << m_peer << "connected";

    connect(m_socket, &QTcpSocket::readyRead, this, &ClientWorker::readFromSocket);
    connect(m_socket, &QTcpSocket::disconnected, this, &ClientWorker::onDisconnected);
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        if (error != QAbstractSocket::RemoteHostClosedError) {
            qCInfo(lcServer).noquote() << m_peer << "socket error:" << m_socket->errorString();
        }
    });
}

void ClientWorker::shutdown(const QString &reason)
{
    if (!m_socket || m_finished) {
        m_finished = true;
        emit finished();
        return;
    }
    closeWithBye(reason, reason);
}

void ClientWorker::readFromSocket()
{
    while (!m_closing && m_socket->bytesAvailable() > 0) {
        m_reader.append(m_socket->read(ReadChunkBytes));
        while (const std::optional<QByteArray> line = m_reader.nextLine()) {
            handleLine(*line);
            if (m_closing) {
                return;
            }
        }
        if (m_reader.hasOverflowed()) {
            qCInfo(lcServer).noquote()
                << m_peer << "sent a frame over" << m_reader.maxFrameBytes() << "bytes";
            sendError(ErrorCode::FrameTooLarge,
                u"a frame may hold at most %1 bytes; closing"_s.arg(m_reader.maxFrameBytes()));
            closeWithBye(u"frame_too_large"_s, u"error"_s);
            return;
        }
    }
}

void ClientWorker::handleLine(const QByteArray &line)
{
    if (line.trimmed().isEmpty()) {
        return; // a stray Enter in netcat is not worth an error
    }
    const FrameCodec::Decoded decoded = FrameCodec::decode(line);
    if (!decoded.isValid()) {
        sendError(decoded.error, decoded.message);
        return;
    }
    const FrameValidator::Verdict verdict = FrameValidator::validateClientFrame(decoded.frame);
    if (!verdict.isValid()) {
        sendError(verdict.error, verdict.message);
        return;
    }
    handleFrame(decoded.frame);
}

void ClientWorker::handleFrame(const QJsonObject &frame)
{
    const QString type = frame.value("type"_L1).toString();
    if (type == "ping"_L1) {
        send(Frames::pong());
    } else if (type == "quit"_L1) {
        closeWithBye(u"quit"_s, u"quit"_s);
    } else if (type == "hello"_L1) {
        handleHello(frame);
    } else if (m_name.isEmpty()) {
        sendError(ErrorCode::NotRegistered, u"send hello with your name first"_s);
    } else if (type == "say"_L1) {
        handleSay(frame);
    } else if (type == "dm"_L1) {
        handleDm(frame);
    } else if (type == "users"_L1) {
        send(Frames::users(m_room.users()));
    }
}

void ClientWorker::handleHello(const QJsonObject &frame)
{
    if (!m_name.isEmpty()) {
        sendError(ErrorCode::AlreadyRegistered, u"you are already registered as %1"_s.arg(m_name));
        return;
    }
    const QString name = frame.value("name"_L1).toString();
    const FrameValidator::Verdict verdict = FrameValidator::validateName(name);
    if (!verdict.isValid()) {
        sendError(verdict.error, verdict.message);
        return;
    }
    const ErrorCode joined = m_room.join(name, &m_outbox);
    if (joined == ErrorCode::NameTaken) {
        sendError(joined, u"the name %1 is taken; choose another"_s.arg(name));
        return;
    }
    if (joined != ErrorCode::None) {
        sendError(joined, u"the server is shutting down"_s);
        return;
    }
    m_name = name;
    qCInfo(lcServer).noquote() << m_peer << "registered as" << name;
}

void ClientWorker::handleSay(const QJsonObject &frame)
{
    const QString text = frame.value("text"_L1).toString();
    const FrameValidator::Verdict verdict = FrameValidator::validateText(text);
    if (!verdict.isValid()) {
        sendError(verdict.error, verdict.message);
        return;
    }
    m_room.say(m_name, text);
}

void ClientWorker::handleDm(const QJsonObject &frame)
{
    const QString to = frame.value("to"_L1).toString();
    const QString text = frame.value("text"_L1).toString();
    const FrameValidator::Verdict verdict = FrameValidator::validateText(text);
    if (!verdict.isValid()) {
        sendError(verdict.error, verdict.message);
        return;
    }
    const ErrorCode sent = m_room.sendPrivate(m_name, to, text);
    if (sent == ErrorCode::NoSuchUser) {
        sendError(sent, u"nobody called %1 is online"_s.arg(to));
    } else if (sent != ErrorCode::None) {
        sendError(sent, u"the server is shutting down"_s);
    }
}

void ClientWorker::send(const QJsonObject &frame)
{
    // Whatever the room queued earlier goes first, so a reply never overtakes older traffic.
    flushOutbox();
    m_socket->write(FrameCodec::encode(frame));
}

void ClientWorker::sendError(ErrorCode code, const QString &message)
{
    if (code != ErrorCode::FrameTooLarge) {
        qCInfo(lcServer).noquote() << m_peer << Protocol::errorCodeName(code) << message;
    }
    send(Frames::error(code, message));
}

void ClientWorker::flushOutbox()
{
    const QList<QByteArray> frames = m_outbox.takeAll();
    if (m_closing || !m_socket) {
        return;
    }
    for (const QByteArray &frame : frames) {
        m_socket->write(frame);
    }
}

void ClientWorker::leaveRoom(const QString &reason)
{
    if (m_name.isEmpty()) {
        return;
    }
    m_room.leave(m_name, reason);
    qCInfo(lcServer).noquote() << m_peer << m_name << "left:" << reason;
    m_name.clear();
}

void ClientWorker::closeWithBye(const QString &reason, const QString &leaveReason)
{
    if (m_closing) {
        return;
    }
    leaveRoom(leaveReason);
    send(Frames::bye(reason));
    m_closing = true;
    closeGracefully(m_socket, CloseGrace);
}

void ClientWorker::onDisconnected()
{
    if (m_finished) {
        return;
    }
    m_closing = true;
    leaveRoom(u"disconnected"_s);
    m_outbox.takeAll();
    qCInfo(lcServer).noquote() << m_peer << "disconnected";
    m_finished = true;
    emit finished();
}

#include "clientworker.h"

#include "chatroom.h"
#include "framecodec.h"
#include "frames.h"
#include "framevalidator.h"
#include "gracefulclose.h"
#include "leaderboard.h"
#include "quizsession.h"
#include "serverconfig.h"
#include "serverlog.h"
#include "storeworker.h"
#include "textcommandparser.h"
#include "textrenderer.h"
#include "timeservice.h"
#include "workerhost.h"

#include <QJsonArray>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

#include <array>
#include <cmath>
#include <sys/socket.h>
#include <unistd.h>

using Protocol::ErrorCode;
using namespace Qt::StringLiterals;

namespace {

// Bounds what Qt buffers from the socket; past it TCP flow control holds the sender back.
constexpr qint64 ReadChunkBytes = 64 * 1024;
// A client whose replies pile up unread is not read from until they drain, so its requests
// cannot make the server buffer without bound (at most half the slow-consumer cap: a client
// that floods and reads slowly is throttled before it would be cut off).
constexpr qint64 ReadPauseBytes = 1024 * 1024;
// How long a closing connection may take to drain before it is cut.
constexpr std::chrono::seconds CloseGrace{5};
// A silent new connection is probably a person at nc waiting to be asked; JSON clients say
// hello at once and never see the prompt.
constexpr std::chrono::milliseconds NamePromptDelay{1500};
constexpr int LeaderboardSize = 10;

} // namespace

ClientWorker::ClientWorker(qintptr socketDescriptor, const ServerContext &context, WorkerHost *host)
    : m_socketDescriptor(socketDescriptor)
    , m_context(context)
    , m_host(host)
    , m_reader(context.config.maxFrameBytes)
    , m_readPauseBytes(std::min(ReadPauseBytes, context.config.maxPendingBytes / 2))
    , m_outbox([this] { m_host->markReady(this); })
    , m_chatBucket(context.config.chatRate, context.config.chatBurst)
    , m_idleTimer(this)
{
}

ClientWorker::~ClientWorker()
{
    // Covers a thread stopped under us (server destroyed): the room must forget this outbox,
    // and then (no more wake-ups can come) the host this worker.
    leaveRoom(u"disconnected"_s);
    m_host->forget(this);
}

void ClientWorker::start()
{
    QSslSocket *tls = nullptr;
    if (m_context.tls) {
        tls = new QSslSocket(this);
        tls->setSslConfiguration(*m_context.tls);
        m_socket = tls;
    } else {
        m_socket = new QTcpSocket(this);
    }
    if (!m_socket->setSocketDescriptor(m_socketDescriptor)) {
        qCWarning(lcServer) << "cannot adopt connection:" << m_socket->errorString();
        ::close(int(m_socketDescriptor));
        finish();
        return;
    }
    m_socket->setReadBufferSize(ReadChunkBytes);
    // A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d; log them as people know them.
    QHostAddress peer = m_socket->peerAddress();
    bool isIpv4 = false;
    const quint32 ipv4 = peer.toIPv4Address(&isIpv4);
    if (isIpv4) {
        peer = QHostAddress(ipv4);
    }
    m_peer = u"%1:%2"_s.arg(peer.toString()).arg(m_socket->peerPort());
    qCInfo(lcServer).noquote() << m_peer << "connected";

    connect(m_socket, &QTcpSocket::readyRead, this, &ClientWorker::readFromSocket);
    const auto resumeReading = [this] {
        if (unsentBytes(m_socket) <= m_readPauseBytes / 2) {
            readFromSocket(); // resumes a read paused for backpressure
        }
    };
    connect(m_socket, &QTcpSocket::bytesWritten, this, resumeReading);
    if (tls) {
        connect(tls, &QSslSocket::encryptedBytesWritten, this, resumeReading);
    }
    connect(m_socket, &QTcpSocket::disconnected, this, &ClientWorker::onDisconnected);
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        if (error != QAbstractSocket::RemoteHostClosedError) {
            qCInfo(lcServer).noquote() << m_peer << "socket error:" << m_socket->errorString();
        }
    });
    // A dead peer that never sends a FIN (a pulled cable) is found by TCP keep-alive, for
    // plain-text clients too, which cannot answer the keep-alive pings.
    m_socket->setSocketOption(QAbstractSocket::KeepAliveOption, 1);
    // Writes are already coalesced per batch; Nagle would hold each one back for the peer's
    // delayed ACK (40 ms on Linux).
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_clock.start();
    if (tls) {
        // A client that does not speak TLS fails the handshake and is dropped.
        tls->startServerEncryption();
    }
    QTimer::singleShot(NamePromptDelay, this, &ClientWorker::promptForName);
    // Slowloris: a connection that never registers gives its place back.
    QTimer::singleShot(m_context.config.helloTimeoutMs, this, [this] {
        if (m_name.isEmpty() && !m_closing) {
            sendError(ErrorCode::NotRegistered,
                u"no hello within %1 s; closing"_s.arg(m_context.config.helloTimeoutMs / 1000.0));
            closeWithBye(u"timeout"_s, u"timeout"_s);
        }
    });
    if (m_context.config.idleTimeoutMs > 0) {
        m_idleTimer.setInterval(m_context.config.idleTimeoutMs);
        connect(&m_idleTimer, &QTimer::timeout, this, &ClientWorker::onIdle);
        m_idleTimer.start();
    }
}

void ClientWorker::onIdle()
{
    if (m_closing) {
        return;
    }
    if (m_mode == Mode::Text) {
        return; // people read quietly for hours; TCP keep-alive watches their connection
    }
    if (m_pinged) {
        closeWithBye(u"timeout"_s, u"timeout"_s);
        return;
    }
    m_pinged = true;
    send(Frames::ping());
}

void ClientWorker::shutdown(const QString &reason)
{
    if (!m_socket || m_finished) {
        finish();
        return;
    }
    closeWithBye(reason, reason);
}

void ClientWorker::promptForName()
{
    if (m_mode == Mode::Undecided && !m_receivedAny && !m_closing) {
        write(TextRenderer::namePrompt());
    }
}

void ClientWorker::readFromSocket()
{
    if (m_socket->bytesAvailable() > 0) {
        m_pinged = false; // anything at all shows the peer is alive
        if (m_idleTimer.isActive()) {
            m_idleTimer.start();
        }
    }
    while (
        !m_closing && m_socket->bytesAvailable() > 0 && unsentBytes(m_socket) <= m_readPauseBytes) {
        m_receivedAny = true;
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
    const QByteArray trimmed = line.trimmed();
    if (trimmed.isEmpty()) {
        return; // a stray Enter in netcat is not worth an error
    }
    if (m_mode == Mode::Undecided) {
        // "{quit}" is seed 003's way to leave, typed by a person, not JSON.
        m_mode = trimmed.startsWith('{') && trimmed != "{quit}" ? Mode::Json : Mode::Text;
        if (m_mode == Mode::Text) {
            qCInfo(lcServer).noquote() << m_peer << "speaks plain text";
        }
    }
    if (m_mode == Mode::Text) {
        handleTextLine(line);
        return;
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

void ClientWorker::handleTextLine(const QByteArray &line)
{
    // Text mode has the same UTF-8 rule as JSON; a bad byte must not become U+FFFD silently.
    const std::optional<QString> text = FrameCodec::decodeUtf8(line);
    if (!text) {
        sendError(ErrorCode::BadJson, u"that line is not valid UTF-8"_s);
        return;
    }
    const TextCommandParser::Context context{
        !m_name.isEmpty(), quizRunning() ? m_quiz->currentNumber() : 0};
    const TextCommandParser::Command command = TextCommandParser::parse(*text, context);
    if (!command.reply.isEmpty()) {
        write((command.reply + u'\n').toUtf8());
    }
    if (!command.frame.isEmpty()) {
        handleFrame(command.frame);
    }
}

void ClientWorker::handleFrame(const QJsonObject &frame)
{
    const QString type = frame.value("type"_L1).toString();
    // Services that need no name first: liveness, the seeds' echo and time servers, leaving.
    if (type == "ping"_L1) {
        send(Frames::pong());
    } else if (type == "pong"_L1) {
        // The answer to our keep-alive ping; reading it already reset the idle clock.
    } else if (type == "echo"_L1) {
        send(Frames::echo(frame.value("text"_L1).toString()));
    } else if (type == "time"_L1) {
        handleTime(frame);
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
        m_context.room.sendUsers(m_name);
    } else if (type == "history"_L1) {
        handleHistory(frame);
    } else if (type == "quiz_start"_L1) {
        handleQuizStart();
    } else if (type == "quiz_answer"_L1) {
        handleQuizAnswer(frame);
    } else if (type == "quiz_stop"_L1) {
        handleQuizStop();
    } else if (type == "leaderboard"_L1) {
        handleLeaderboard();
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
    const ChatRoom::Joined joined = m_context.room.join(name, &m_outbox);
    if (joined.error == ErrorCode::NameTaken) {
        sendError(joined.error, u"the name %1 is taken; choose another"_s.arg(name));
        return;
    }
    if (joined.error != ErrorCode::None) {
        sendError(joined.error, u"the server is shutting down"_s);
        return;
    }
    m_name = name;
    qCInfo(lcServer).noquote() << m_peer << "registered as" << name;

    // Everything after joined.lastId reaches the outbox live, so the welcome and the replay of
    // what the client missed up to it are written first, ahead of the outbox: each message
    // arrives exactly once, in id order.
    QJsonObject welcome
        = Frames::welcome(name, joined.users, joined.userCount, joined.motd, joined.lastId);
    MessageStore::Page missed;
    const qint64 since = frame.value("since"_L1).toInteger();
    if (frame.contains("since"_L1)) {
        if (since < joined.lastId) {
            missed = m_context.store.history(
                {name, since, joined.lastId + 1, Protocol::MaxReplay, /*newest=*/true});
        }
        welcome.insert("replayed"_L1, missed.messages.size());
        if (missed.more) {
            // Too much to replay: the newest part follows, and the client can page the rest.
            welcome.insert("gap"_L1,
                QJsonObject{{"after"_L1, since}, {"before"_L1, missed.messages.first().id}});
        }
    }
    writeFrame(welcome);
    for (const StoredMessage &message : std::as_const(missed.messages)) {
        writeFrame(message.toFrame());
    }
    flushOutbox();
}

void ClientWorker::handleHistory(const QJsonObject &frame)
{
    const qint64 limit = frame.value("limit"_L1).toInteger(Protocol::DefaultHistoryPage);
    if (limit < 1 || limit > Protocol::MaxHistoryPage) {
        sendError(
            ErrorCode::BadFrame, u"\"limit\" must be from 1 to %1"_s.arg(Protocol::MaxHistoryPage));
        return;
    }
    MessageStore::Query query{m_name};
    query.limit = int(limit);
    if (frame.contains("after"_L1)) {
        query.after = frame.value("after"_L1).toInteger();
        query.newest = false;
    }
    if (frame.contains("before"_L1)) {
        query.before = frame.value("before"_L1).toInteger();
    }
    const MessageStore::Page page = m_context.store.history(query);
    QJsonArray messages;
    for (const StoredMessage &message : page.messages) {
        messages.append(message.toFrame());
    }
    send(Frames::history(messages, page.more));
}

void ClientWorker::resendStored(qint64 id)
{
    // A retry of something already posted: the sender gets the stored copy again (clients
    // drop an id they already have), and nobody else hears of it.
    const MessageStore::Page page = m_context.store.history({m_name, id - 1, id + 1, 1, false});
    for (const StoredMessage &message : page.messages) {
        send(message.toFrame());
    }
}

bool ClientWorker::admitChat(const QString &text, const QString &cid)
{
    const FrameValidator::Verdict verdict = FrameValidator::validateText(text);
    if (!verdict.isValid()) {
        sendError(verdict.error, verdict.message, cid);
        return false;
    }
    if (text.size() > m_context.config.maxTextLength) {
        sendError(ErrorCode::TextTooLong,
            u"a message may hold at most %1 characters"_s.arg(m_context.config.maxTextLength), cid);
        return false;
    }
    if (!m_chatBucket.take(m_clock.elapsed())) {
        // Each refusal is answered; a client that keeps going regardless is a flood.
        if (++m_floodStrikes > int(m_context.config.chatBurst)) {
            sendError(ErrorCode::RateLimited,
                u"still flooding after %1 refusals; closing"_s.arg(m_floodStrikes - 1));
            closeWithBye(u"flood"_s, u"flood"_s);
        } else {
            sendError(ErrorCode::RateLimited,
                u"slow down: at most %1 messages a second (%2 at once)"_s
                    .arg(m_context.config.chatRate)
                    .arg(m_context.config.chatBurst),
                cid);
        }
        return false;
    }
    m_floodStrikes = 0;
    return true;
}

void ClientWorker::handleSay(const QJsonObject &frame)
{
    const QString text = frame.value("text"_L1).toString();
    const QString cid = frame.value("cid"_L1).toString();
    if (!admitChat(text, cid)) {
        return;
    }
    const ChatRoom::Posted posted = m_context.room.say(m_name, text, cid);
    if (posted.error != ErrorCode::None) {
        sendError(ErrorCode::ShuttingDown, u"the server is shutting down"_s, cid);
    } else if (posted.repeated) {
        resendStored(posted.id);
    }
}

void ClientWorker::handleDm(const QJsonObject &frame)
{
    const QString to = frame.value("to"_L1).toString();
    const QString text = frame.value("text"_L1).toString();
    const QString cid = frame.value("cid"_L1).toString();
    if (!admitChat(text, cid)) {
        return;
    }
    const ChatRoom::Posted sent = m_context.room.sendPrivate(m_name, to, text, cid);
    if (sent.error == ErrorCode::NoSuchUser) {
        sendError(sent.error, u"nobody called %1 is online"_s.arg(to), cid);
    } else if (sent.error != ErrorCode::None) {
        sendError(sent.error, u"the server is shutting down"_s, cid);
    } else if (sent.repeated) {
        resendStored(sent.id);
    }
}

void ClientWorker::handleTime(const QJsonObject &frame)
{
    const TimeService::Reply reply = TimeService::answer(
        frame.value("query"_L1).toString(), frame.value("zone"_L1).toString());
    if (reply.error != ErrorCode::None) {
        sendError(reply.error, reply.message);
        return;
    }
    send(reply.frame);
}

bool ClientWorker::quizRunning() const
{
    return m_quiz && !m_quiz->isFinished();
}

void ClientWorker::handleQuizStart()
{
    if (quizRunning()) {
        sendError(ErrorCode::QuizRunning,
            u"your quiz is still running (question %1); finish or stop it first"_s.arg(
                m_quiz->currentNumber()));
        return;
    }
    m_quiz = std::make_unique<QuizSession>(m_context.config.quizSeed);
    send(m_quiz->start());
}

void ClientWorker::handleQuizAnswer(const QJsonObject &frame)
{
    if (!quizRunning()) {
        sendError(ErrorCode::NoQuiz, u"no quiz is running; start one first"_s);
        return;
    }
    const double n = frame.value("n"_L1).toDouble();
    if (n < 1 || n > QuizSession::QuestionCount || n != std::floor(n)) {
        sendError(ErrorCode::BadFrame,
            u"\"n\" must be a question number from 1 to %1"_s.arg(QuizSession::QuestionCount));
        return;
    }
    const QuizSession::Outcome outcome = m_quiz->answer(qint64(n), frame.value("answer"_L1));
    if (outcome.error != ErrorCode::None) {
        sendError(outcome.error, outcome.message);
        return;
    }
    for (const QJsonObject &reply : outcome.frames) {
        send(reply);
    }
    if (m_quiz->isFinished()) {
        const Leaderboard::Entry entry{m_name, m_quiz->score(), m_quiz->seconds(), m_quiz->right(),
            m_quiz->wrong(), QDateTime::currentDateTimeUtc()};
        if (m_context.leaderboard.record(entry)) {
            m_context.store.saveScore(entry);
        }
        qCInfo(lcServer).noquote() << m_peer << m_name << "finished a quiz with" << m_quiz->score();
    }
}

void ClientWorker::handleQuizStop()
{
    if (!quizRunning()) {
        sendError(ErrorCode::NoQuiz, u"no quiz is running"_s);
        return;
    }
    send(m_quiz->stop());
}

void ClientWorker::handleLeaderboard()
{
    QJsonArray entries;
    int rank = 0;
    for (const Leaderboard::Entry &entry : m_context.leaderboard.top(LeaderboardSize)) {
        entries.append(Frames::leaderboardEntry(++rank, entry.name, entry.score, entry.seconds,
            entry.right, entry.wrong, Protocol::timestamp(entry.when)));
    }
    send(Frames::leaderboard(entries));
}

void ClientWorker::send(const QJsonObject &frame)
{
    // Whatever the room queued earlier goes first, so a reply never overtakes older traffic.
    flushOutbox();
    writeFrame(frame);
}

void ClientWorker::writeFrame(const QJsonObject &frame)
{
    if (m_finished) {
        return;
    }
    if (m_mode == Mode::Text) {
        m_socket->write(TextRenderer::render(frame, m_name));
    } else {
        m_socket->write(FrameCodec::encode(frame));
    }
}

void ClientWorker::sendError(ErrorCode code, const QString &message, const QString &cid)
{
    if (code != ErrorCode::FrameTooLarge) {
        qCInfo(lcServer).noquote() << m_peer << Protocol::errorCodeName(code) << message;
    }
    send(Frames::error(code, message, cid));
}

void ClientWorker::write(const QByteArray &bytes)
{
    flushOutbox();
    if (!m_finished) {
        m_socket->write(bytes);
    }
}

void ClientWorker::flushOutbox()
{
    const QList<QByteArray> frames = m_outbox.takeAll();
    if (m_closing || !m_socket || frames.isEmpty()) {
        return;
    }
    if (m_mode == Mode::Text) {
        for (const QByteArray &frame : frames) {
            // Text readers are few; re-reading the shared JSON keeps the broadcast encode-once.
            m_socket->write(
                TextRenderer::render(FrameCodec::decode(frame.chopped(1)).frame, m_name));
        }
    } else {
        writeBatch(frames);
    }
    if (unsentBytes(m_socket) > m_context.config.maxPendingBytes) {
        dropSlowConsumer();
    }
}

void ClientWorker::writeBatch(const QList<QByteArray> &frames)
{
    // The hot path of every broadcast. With nothing already queued in the socket, the shared
    // frames go straight to the kernel in one sendmsg(2), without copying them into Qt's buffer
    // (and without Qt's write notifier going on and off); whatever the kernel does not take
    // waits in Qt's buffer, behind which everything else queues in order. TLS must encrypt, so
    // it takes Qt's path.
    qsizetype sent = 0;
    if (!m_context.tls && m_socket->bytesToWrite() == 0) {
        std::array<iovec, 256> parts{};
        qsizetype first = 0;
        while (first < frames.size()) {
            const qsizetype count = std::min<qsizetype>(parts.size(), frames.size() - first);
            qsizetype bytes = 0;
            for (qsizetype i = 0; i < count; ++i) {
                const QByteArray &frame = frames.at(first + i);
                parts[std::size_t(i)]
                    = {const_cast<char *>(frame.constData()), std::size_t(frame.size())};
                bytes += frame.size();
            }
            msghdr message{};
            message.msg_iov = parts.data();
            message.msg_iovlen = std::size_t(count);
            const ssize_t n = ::sendmsg(
                int(m_socket->socketDescriptor()), &message, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n <= 0) {
                break; // full (or failing): Qt's buffer takes the rest and reports any error
            }
            sent += n;
            if (n < bytes) {
                break;
            }
            first += count;
        }
    }
    // Hand Qt whatever is left, starting mid-frame if the kernel took part of one.
    qsizetype skip = sent;
    for (const QByteArray &frame : frames) {
        if (skip >= frame.size()) {
            skip -= frame.size();
            continue;
        }
        m_socket->write(skip > 0 ? frame.sliced(skip) : frame);
        skip = 0;
    }
}

void ClientWorker::dropSlowConsumer()
{
    // It is not reading, so a bye would only queue behind what it already ignores: cut it off
    // now and give the memory back. Everyone else carries on.
    qCWarning(lcServer).noquote() << m_peer << m_name << "is not reading;" << unsentBytes(m_socket)
                                  << "bytes pending: disconnected";
    leaveRoom(u"slow_consumer"_s);
    m_closing = true;
    m_socket->abort();
}

void ClientWorker::leaveRoom(const QString &reason)
{
    if (m_name.isEmpty()) {
        return;
    }
    m_context.room.leave(m_name, reason);
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
    finish();
}

void ClientWorker::finish()
{
    if (!m_finished) {
        m_finished = true;
        emit finished();
    }
    deleteLater();
}

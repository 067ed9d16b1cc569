#include "session.h"

#include "banlist.h"
#include "chatlog.h"
#include "chatroom.h"
#include "connection.h"
#include "fanout.h"
#include "framecodec.h"
#include "frames.h"
#include "framevalidator.h"
#include "jsonwire.h"
#include "metrics.h"
#include "moderationrequest.h"
#include "moderationtext.h"
#include "moderator.h"
#include "sessionsettings.h"
#include "storeworker.h"
#include "textwire.h"
#include "whenready.h"
#include "workerhost.h"

#include <QPointer>
#include <QTimerEvent>

using Protocol::ErrorCode;
using Protocol::FrameType;
using namespace Qt::StringLiterals;

namespace {

// A silent new connection is probably a person at nc waiting to be asked; JSON clients say
// hello at once and never see the prompt.
constexpr std::chrono::milliseconds NamePromptDelay{1500};

// A person at nc reads the prompt, thinks of a name, mistypes it, is asked for a password: it
// gets this many times --hello-timeout (60 s by default). A silent connection may be held this
// long too, but what bounds such connections is --max-per-ip, not this time: anyone can
// send one line of plain text to be given it.
constexpr int PersonHelloFactor = 3;

// What a person who joins sees of what was said in general before.
constexpr int RecentLinesOnJoin = 10;

// Until a connection's first line chooses its format, what it is sent is JSON ...
const WireFormat &defaultWire()
{
    static const JsonWire wire;
    return wire;
}

// ... unless it was asked for its name in plain text.
const WireFormat &promptedWire()
{
    static const TextWire wire;
    return wire;
}

// "64 KB" for 65536, a size a person can picture.
QString sizeInWords(qsizetype bytes)
{
    return bytes % 1024 == 0 ? u"%1 KB"_s.arg(bytes / 1024) : u"%1 bytes"_s.arg(bytes);
}

} // namespace

const std::array<Session::Route, Protocol::FrameTypeCount> &Session::routes()
{
    // Services that need no name first: liveness, echo, time, leaving, and hello itself. A type
    // without a route here is one the validator refuses (server-to-client only).
    static const auto table = [] {
        std::array<Route, Protocol::FrameTypeCount> routes{};
        const auto route = [&routes](FrameType type, Handler handler, bool needsName) {
            routes[std::size_t(type)] = {handler, needsName};
        };
        route(FrameType::Hello, &Session::onHello, false);
        route(FrameType::Ping, &Session::onPing, false);
        route(FrameType::Pong, &Session::onPong, false);
        route(FrameType::Echo, &Session::onService, false);
        route(FrameType::Time, &Session::onService, false);
        route(FrameType::Quit, &Session::onQuit, false);
        route(FrameType::Say, &Session::onSay, true);
        route(FrameType::Dm, &Session::onDm, true);
        route(FrameType::History, &Session::onHistory, true);
        route(FrameType::Users, &Session::onUsers, true);
        route(FrameType::QuizStart, &Session::onService, true);
        route(FrameType::QuizAnswer, &Session::onService, true);
        route(FrameType::QuizStop, &Session::onService, true);
        route(FrameType::Leaderboard, &Session::onService, true);
        route(FrameType::Register, &Session::onRegister, true);
        route(FrameType::Password, &Session::onPassword, true);
        route(FrameType::Logout, &Session::onLogout, true);
        route(FrameType::Rooms, &Session::onRooms, true);
        route(FrameType::Join, &Session::onJoin, true);
        route(FrameType::Part, &Session::onPart, true);
        route(FrameType::Create, &Session::onCreate, true);
        route(FrameType::Invite, &Session::onInvite, true);
        route(FrameType::Topic, &Session::onTopic, true);
        route(FrameType::Read, &Session::onRead, true);
        for (const FrameType type :
            {FrameType::Kick, FrameType::Ban, FrameType::Unban, FrameType::Mute, FrameType::Unmute,
                FrameType::Announce, FrameType::Motd, FrameType::Grant, FrameType::Bans}) {
            route(type, &Session::onModeration, true);
        }
        return routes;
    }();
    return table;
}

Session::Session(qintptr descriptor, const ServerContext &context, WorkerHost *host)
    : m_descriptor(descriptor)
    , m_context(context)
    , m_host(host)
    , m_outbox([this] { m_host->markReady(this); })
    , m_services(context.leaderboard, context.settings->quizSeed)
    , m_chatGuard([this] { return takeChat(false); }, int(context.settings->chatBurst))
    , m_historyGuard([this] { return takeHistory(); }, int(context.settings->historyBurst))
    , m_pasteGuard(context.settings->chatRate, context.settings->chatBurst,
          FloodGuard::steadyClock(), [this] { return takeChat(true); })
{
}

Session::~Session()
{
    // Covers a thread stopped under us (server destroyed): the room must forget this outbox,
    // and then (no more wake-ups can come) the host this session.
    leaveRoom(u"disconnected"_s);
    m_host->forget(this);
}

void Session::start()
{
    const SessionSettings &settings = *m_context.settings;
    m_connection = new Connection(settings.limits, settings.tls, this);
    if (!m_connection->open(m_descriptor)) {
        finish();
        return;
    }
    qCInfo(lcChat).noquote() << m_connection->peer() << "connected";
    m_connectedFor.start();
    m_address = Authenticator::throttleAddress(m_connection->peerAddress());
    m_authenticator = new Authenticator(m_context, m_address, this);
    connect(m_connection, &Connection::lineReceived, this, &Session::handleLine);
    connect(m_connection, &Connection::activity, this, [this] {
        m_receivedAny = true;
        m_promptTimer.stop(); // it said something: nobody is asked their name
        m_pinged = false; // anything at all shows the peer is alive
        if (m_idleTimer.isActive()) {
            m_idleTimer.start(m_context.settings->idleTimeoutMs, this);
        }
    });
    connect(m_connection, &Connection::frameTooLarge, this, &Session::onFrameTooLarge);
    connect(m_connection, &Connection::frameTimedOut, this, &Session::onFrameTimedOut);
    connect(m_connection, &Connection::overloaded, this, &Session::onOverloaded);
    connect(m_connection, &Connection::inputEnded, this, &Session::onInputEnded);
    connect(m_connection, &Connection::closed, this, &Session::onClosed);

    m_helloTimer.start(settings.helloTimeoutMs, this);
    m_promptTimer.start(int(NamePromptDelay.count()), this);
    if (settings.idleTimeoutMs > 0) {
        m_idleTimer.start(settings.idleTimeoutMs, this);
    }
    // A banned address is told why and goes, before it costs anything more.
    if (const auto ban = m_context.bans.findAddress(m_connection->peerAddress())) {
        refuseBanned(*ban);
    }
}

void Session::refuseBanned(const ModerationStore::Ban &ban)
{
    const QJsonObject error = ModerationText::refusal(ban);
    qCInfo(lcModeration).noquote()
        << m_connection->peer() << "refused:" << error.value("message"_L1).toString();
    Metrics::instance().error(ErrorCode::Banned);
    if (m_state == State::Authenticating) {
        Metrics::instance().signInFailed(ErrorCode::Banned);
    }
    m_state = State::AwaitingHello;
    send(error);
    // A banned account may sign in as someone else; a banned address may not stay at all.
    if (ban.kind == ModerationStore::Ban::Kind::Address) {
        closeWithBye(u"banned"_s, u"banned"_s);
    }
}

void Session::timerEvent(QTimerEvent *event)
{
    const int id = event->timerId();
    if (id == m_helloTimer.timerId()) {
        m_helloTimer.stop();
        onHelloTimeout();
    } else if (id == m_pasteTimer.timerId()) {
        m_pasteTimer.stop();
        if (const auto ended = m_pasteGuard.end()) {
            onPasteEnded(*ended);
        }
    } else if (id == m_promptTimer.timerId()) {
        m_promptTimer.stop();
        if (!m_wire && !m_receivedAny && m_state == State::AwaitingHello) {
            m_prompted = true;
            m_connection->write(WireFormat::namePrompt());
            givePersonTime();
        }
    } else if (id == m_idleTimer.timerId()) {
        onIdle();
    } else {
        QObject::timerEvent(event);
    }
}

void Session::onHelloTimeout()
{
    // Slowloris: a connection that never registers gives its place back.
    if (m_state == State::AwaitingHello || m_state == State::Authenticating) {
        const double seconds = helloAllowanceMs() / 1000.0;
        sendError(ErrorCode::NotRegistered,
            wire().forPeople()
                ? u"no hello within %1 s: connect again, and type your name sooner"_s.arg(seconds)
                : u"no hello within %1 s; closing"_s.arg(seconds));
        closeWithBye(u"timeout"_s, u"timeout"_s);
    }
}

void Session::onFrameTooLarge(qsizetype maxBytes)
{
    qCInfo(lcChat).noquote() << m_connection->peer() << "sent a frame over" << maxBytes << "bytes";
    sendError(ErrorCode::FrameTooLarge,
        wire().forPeople() ? u"that line is too long (over %1)"_s.arg(sizeInWords(maxBytes))
                           : u"a frame may hold at most %1 bytes; closing"_s.arg(maxBytes));
    closeWithBye(u"frame_too_large"_s, u"error"_s);
}

void Session::onFrameTimedOut()
{
    const double seconds = m_context.settings->limits.frameTimeout.count() / 1000.0;
    sendError(ErrorCode::FrameTimeout,
        wire().forPeople()
            ? u"that line was begun but not finished within %1 s"_s.arg(seconds)
            : u"a frame must be finished within %1 s of its first byte; closing"_s.arg(seconds));
    closeWithBye(u"frame_timeout"_s, u"error"_s);
}

void Session::givePersonTime()
{
    if (std::exchange(m_personTime, true) || !m_helloTimer.isActive()) {
        return;
    }
    m_helloTimer.start(
        int(std::max<qint64>(0, helloAllowanceMs() - m_connectedFor.elapsed())), this);
}

qint64 Session::helloAllowanceMs() const
{
    const qint64 hello = m_context.settings->helloTimeoutMs;
    return m_personTime ? PersonHelloFactor * hello : hello;
}

void Session::onOverloaded(qint64 unsentBytes)
{
    // It is not reading: the connection has been reset, and the memory is given back.
    qCWarning(lcChat).noquote() << m_connection->peer() << m_identity.name << "is not reading;"
                                << unsentBytes << "bytes pending: disconnected";
    leaveRoom(u"slow_consumer"_s);
    m_state = State::Closing;
}

void Session::shutdown(const QString &reason)
{
    if (!m_connection || m_state == State::Closed) {
        finish();
        return;
    }
    closeWithBye(reason, reason);
}

void Session::onIdle()
{
    if (m_state == State::Closing || m_state == State::Closed) {
        return;
    }
    if (m_wire && !m_wire->answersPings()) {
        return; // people read quietly for hours; TCP keep-alive watches their connection
    }
    if (m_pinged) {
        closeWithBye(u"timeout"_s, u"timeout"_s);
        return;
    }
    m_pinged = true;
    send(Frames::ping());
}

void Session::handleLine(const QByteArray &line)
{
    if (line.trimmed().isEmpty()) {
        return; // a stray Enter in netcat is not worth an error
    }
    if (!m_wire) {
        m_wire = WireFormat::forFirstLine(line);
        if (m_wire->forPeople()) {
            qCInfo(lcChat).noquote() << m_connection->peer() << "speaks plain text";
            givePersonTime();
        }
    }
    if (m_wire->forPeople() && m_state == State::Registered) {
        if (const auto ended = m_pasteGuard.lineArrived()) {
            onPasteEnded(*ended);
            if (m_state != State::Registered) {
                return; // disconnected for flooding
            }
        }
        m_pasteTimer.start(PasteGuard::QuietMs, this);
    }
    const WireFormat::Decoded decoded = m_wire->decode(
        line, {m_state == State::Registered, m_services.openQuestion(), m_passwordFor, m_room});
    if (decoded.error != ErrorCode::None) {
        sendError(decoded.error, decoded.message);
        return;
    }
    if (!decoded.reply.isEmpty()) {
        flushOutbox();
        m_connection->write(decoded.reply);
    }
    if (!decoded.frame.isEmpty()) {
        handleFrame(decoded.frame);
    }
}

void Session::handleFrame(const QJsonObject &frame)
{
    const FrameType type = Protocol::frameType(frame);
    Metrics::instance().frameReceived(type);
    const Route &route = routes()[std::size_t(type)];
    if (!route.handler) {
        return; // refused by the wire format's validation already
    }
    if (route.needsName && m_state != State::Registered) {
        sendError(ErrorCode::NotRegistered, u"send hello with your name first"_s);
        return;
    }
    (this->*route.handler)(frame);
}

void Session::onHello(const QJsonObject &frame)
{
    if (m_state == State::Registered) {
        sendError(ErrorCode::AlreadyRegistered,
            u"you are already registered as %1"_s.arg(m_identity.name));
        return;
    }
    std::optional<qint64> since;
    if (frame.contains("since"_L1)) {
        since = frame.value("since"_L1).toInteger();
    }
    m_passwordFor.clear();
    m_state = State::Authenticating;
    suspend();
    // A program (a JSON client) can keep a token; a person at nc signs in with the password.
    const bool withToken = wire().answersPings();
    m_authenticator->signIn(
        frame, withToken, [this, since, frame](const Authenticator::Outcome &outcome) {
            if (m_state != State::Authenticating) {
                return; // closed meanwhile
            }
            if (outcome.error == ErrorCode::AuthRequired && !wire().answersPings()) {
                // Plain text asks Password:, and a person gets the full time again to type it,
                // once: asking again and again must not keep a connection unregistered.
                m_passwordFor = frame.value("name"_L1).toString();
                if (!std::exchange(m_helloExtended, true)) {
                    m_helloTimer.start(int(helloAllowanceMs()), this);
                }
            }
            if (outcome.error != ErrorCode::None) {
                onSignedIn(outcome, since);
                resume();
                return;
            }
            checkStanding(outcome, since);
        });
}

void Session::checkStanding(const Authenticator::Outcome &outcome, std::optional<qint64> since)
{
    // In the database, not only this server's list: a ban made on another server of a
    // cluster, or a role given from the command line, counts at the next sign-in.
    const Authenticator::Identity who = outcome.identity;
    const QHostAddress address = m_connection->peerAddress();
    const qint64 now = m_context.bans.nowMs();
    const auto failed = [this] {
        if (m_state == State::Authenticating) {
            m_state = State::AwaitingHello;
            sendError(ErrorCode::StorageFailed, u"the server cannot read its bans right now"_s);
            resume();
        }
    };
    whenReady(
        m_context.store.run([who, address, now](MessageStore &store) {
            return Moderator::standing(store, who.id, who.account, address, now);
        }),
        this,
        [this, outcome, since, failed](const Moderator::Standing &standing) {
            if (m_state != State::Authenticating) {
                return; // closed meanwhile
            }
            if (standing.failed) {
                failed();
                return;
            }
            if (standing.refusal) {
                m_context.bans.add(*standing.refusal);
                refuseBanned(*standing.refusal);
                resume();
                return;
            }
            for (const ModerationStore::Ban &ban : standing.held) {
                m_context.bans.add(ban); // its mutes and room bans hold here too
            }
            // An address banned here while the database was asked. (An account banned meanwhile
            // is refused by the room's join: the ban revokes its sign-ins in flight.)
            if (const auto ban = m_context.bans.findAddress(m_connection->peerAddress())) {
                refuseBanned(*ban);
                resume();
                return;
            }
            onSignedIn(outcome, since, standing.role);
            resume();
        },
        failed);
}

void Session::onSignedIn(
    const Authenticator::Outcome &outcome, std::optional<qint64> since, Protocol::Role role)
{
    if (outcome.error != ErrorCode::None) {
        m_state = State::AwaitingHello;
        sendError(outcome.error, outcome.message);
        return;
    }
    const Authenticator::Identity &who = outcome.identity;
    if (!wire().forPeople()) {
        // What the room sends this client goes out as it is: straight to the socket, from a
        // fan-out lane, without waking this thread (none over TLS).
        if (std::shared_ptr<SocketWriter> writer = m_connection->sharedWriter()) {
            m_outbox.sendThrough(std::move(writer), m_context.fanOut.nextLane());
        }
    }
    const QPointer<Session> self(this);
    ChatRoom::Newcomer newcomer{who.name, who.id, who.account, who.newToken, &m_outbox, since,
        [self] {
            QMetaObject::invokeMethod(
                self,
                [self] {
                    if (self) {
                        self->closeWithBye(u"session_revoked"_s, u"quit"_s);
                    }
                },
                Qt::QueuedConnection);
        },
        who.checkedAt, role, m_connection->peerAddress(),
        [self](const QJsonObject &notice, const QString &reason) {
            QMetaObject::invokeMethod(
                self,
                [self, notice, reason] {
                    if (self) {
                        self->dismissed(notice, reason);
                    }
                },
                Qt::QueuedConnection);
        }};
    // The welcome, and the replay of what the client missed, come through the outbox.
    const ChatRoom::Joined joined = m_context.room.join(newcomer);
    if (joined.error != ErrorCode::None) {
        m_state = State::AwaitingHello;
        sendError(joined.error,
            joined.error == ErrorCode::NameTaken
                ? u"the name %1 is taken; choose another"_s.arg(who.name)
                : joined.error == ErrorCode::AuthFailed
                ? u"your sign-in was revoked meanwhile (a new password, or a ban); sign in again"_s
                : u"the server is shutting down"_s);
        return;
    }
    m_identity = who;
    m_identity.newToken.clear();
    m_member = joined.member;
    m_inRoom = true;
    m_state = State::Registered;
    m_countedAs = wire().forPeople() ? Metrics::Mode::Text : Metrics::Mode::Json;
    Metrics::instance().clients(*m_countedAs, +1);
    qCInfo(lcChat).noquote() << m_connection->peer() << "registered as" << who.name
                             << (who.account ? "(account)" : "(guest)");
    if (wire().forPeople()) {
        showRecentHistory();
    }
}

void Session::dismissed(const QJsonObject &notice, const QString &reason)
{
    if (m_state != State::Registered) {
        return;
    }
    qCInfo(lcModeration).noquote() << m_connection->peer() << m_identity.name
                                   << "put out:" << notice.value("text"_L1).toString();
    send(notice);
    closeWithBye(reason, reason);
}

void Session::onModeration(const QJsonObject &frame)
{
    if (!admitRequest()) {
        return;
    }
    const auto parsed = ModerationRequest::parse(frame, m_context.settings->maxTextLength);
    if (const auto *refused = std::get_if<ModerationRequest::Refusal>(&parsed)) {
        sendError(refused->code, refused->message);
        return;
    }
    const ModerationRequest request = std::get<ModerationRequest>(parsed);
    const Moderator::Actor actor{m_identity.name, m_identity.id, m_identity.account,
        m_connection->peerAddress(), m_connection->peer()};
    const Moderator moderator(m_context.room, m_context.bans);
    // Input waits, so that what the client sends next is answered after this.
    suspend();
    whenReady(
        m_context.store.run([moderator, request, actor](MessageStore &store) {
            return moderator.apply(store, request, actor);
        }),
        this,
        [this](const Moderator::Answer &answer) {
            if (answer.error != ErrorCode::None) {
                sendError(answer.error, answer.message, {}, answer.about);
            }
            for (const QJsonObject &frame : answer.frames) {
                send(frame);
            }
            resume();
        },
        [this] {
            sendError(
                ErrorCode::StorageFailed, u"the server cannot reach its database right now"_s);
            resume();
        });
}

bool Session::admitUnmuted(const QString &cid)
{
    const auto mute = m_context.bans.find(ModerationStore::Ban::Kind::Mute, m_identity.id);
    if (!mute) {
        return true;
    }
    QJsonObject about = ModerationText::details({}, mute->by, mute->reason, mute->untilMs);
    sendError(ErrorCode::Muted,
        u"you are muted %1 by %2%3"_s.arg(ModerationText::untilText(mute->untilMs), mute->by,
            ModerationText::because(mute->reason)),
        cid, about);
    return false;
}

void Session::showRecentHistory()
{
    // A JSON client asks for the history it wants; a person is shown the last few lines, after
    // the welcome (the page comes through the room, behind it).
    MessageStore::Query query;
    query.limit = RecentLinesOnJoin;
    m_context.room.sendHistory(m_member, query, QString::fromLatin1(Protocol::DefaultRoom));
}

void Session::onRegister(const QJsonObject &frame)
{
    suspend();
    m_authenticator->registerGuest(m_identity, frame.value("password"_L1).toString(),
        wire().answersPings(), [this](const Authenticator::Outcome &outcome) {
            if (outcome.error != ErrorCode::None) {
                sendError(outcome.error, outcome.message);
            } else {
                m_context.room.promote(m_member, outcome.identity.id);
                m_identity = outcome.identity;
                send(Frames::registered(m_identity.name, m_identity.newToken));
                m_identity.newToken.clear();
            }
            resume();
        });
}

void Session::onPassword(const QJsonObject &frame)
{
    suspend();
    m_authenticator->changePassword(m_identity, m_member, frame.value("old"_L1).toString(),
        frame.value("new"_L1).toString(), [this](const Authenticator::Outcome &outcome) {
            if (outcome.error != ErrorCode::None) {
                sendError(outcome.error, outcome.message);
            } else {
                send(Frames::passwordChanged());
                qCInfo(lcChat).noquote()
                    << m_connection->peer() << m_identity.name << "changed the password";
            }
            resume();
        });
}

void Session::onLogout(const QJsonObject &)
{
    suspend();
    m_authenticator->logout(m_identity,
        [this](const Authenticator::Outcome &) { closeWithBye(u"logout"_s, u"quit"_s); });
}

void Session::suspend()
{
    m_connection->pauseInput();
}

void Session::resume()
{
    if (m_state != State::Closing && m_state != State::Closed) {
        m_connection->resumeInput();
    }
}

bool Session::takeChat(bool wholeBucket)
{
    // One bucket per person for both wire formats, so that switching between them gains
    // nothing: it holds a paste (PasteGuard::LinesPerBurst bursts), and a JSON client sees only
    // its top burst, as if it were a bucket of --burst.
    const SessionSettings &settings = *m_context.settings;
    const double capacity = settings.chatBurst * PasteGuard::LinesPerBurst;
    return m_context.budgets.take(ChatBudgets::Kind::Chat,
        ChatBudgets::owner(m_identity.account, m_identity.id, m_address), settings.chatRate,
        capacity, wholeBucket ? 0.0 : capacity - settings.chatBurst);
}

bool Session::takeHistory()
{
    const SessionSettings &settings = *m_context.settings;
    return m_context.budgets.take(ChatBudgets::Kind::History,
        ChatBudgets::owner(m_identity.account, m_identity.id, m_address), settings.historyRate,
        settings.historyBurst);
}

bool Session::admitChat(const QString &text, const QString &cid)
{
    const FrameValidator::Verdict verdict = FrameValidator::validateText(text);
    if (!verdict.isValid()) {
        sendError(verdict.error, verdict.message, cid);
        return false;
    }
    if (!admitUnmuted(cid)) {
        return false;
    }
    const SessionSettings &settings = *m_context.settings;
    if (text.size() > settings.maxTextLength) {
        sendError(ErrorCode::TextTooLong,
            u"a message may hold at most %1 characters"_s.arg(settings.maxTextLength), cid);
        return false;
    }
    return admitRequest(cid);
}

bool Session::admitRequest(const QString &cid)
{
    if (wire().forPeople()) {
        // A person's line is dropped without a word here; its paste says how many were, once.
        return m_pasteGuard.admit();
    }
    const SessionSettings &settings = *m_context.settings;
    switch (m_chatGuard.admit()) {
    case FloodGuard::Verdict::Allowed:
        return true;
    case FloodGuard::Verdict::Refused:
        sendError(ErrorCode::RateLimited,
            u"slow down: at most %1 messages a second (%2 at once)"_s.arg(settings.chatRate)
                .arg(settings.chatBurst),
            cid);
        return false;
    case FloodGuard::Verdict::Flooding:
        sendError(ErrorCode::RateLimited,
            u"still flooding after %1 refusals; closing"_s.arg(m_chatGuard.strikes() - 1));
        closeWithBye(u"flood"_s, u"flood"_s);
        return false;
    }
    return false;
}

void Session::onPasteEnded(const PasteGuard::Paste &paste)
{
    if (paste.dropped == 0 || m_state != State::Registered) {
        return;
    }
    const QString rate = QString::number(m_pasteGuard.rate());
    if (paste.flooding) {
        sendError(ErrorCode::RateLimited,
            u"still sending more than %1 lines a second after %2 pastes were cut short; closing"_s
                .arg(rate)
                .arg(m_pasteGuard.strikes()));
        closeWithBye(u"flood"_s, u"flood"_s);
        return;
    }
    const QString what = paste.lines == 1 ? u"that line was not sent"_s
        : paste.dropped == 1
        ? u"1 of those %1 lines was not sent"_s.arg(paste.lines)
        : u"%1 of those %2 lines were not sent"_s.arg(paste.dropped).arg(paste.lines);
    const QString message = u"slow down: %1 (%2 lines at once, then %3 a second)"_s.arg(
        what, QString::number(m_pasteGuard.pasteLines()), rate);
    qCInfo(lcChat).noquote() << m_connection->peer()
                             << Protocol::errorCodeName(ErrorCode::RateLimited) << message;
    // Behind the lines that did go through, which reach the person through the room too.
    m_context.room.sendAfterQueued(
        m_member, FrameCodec::encode(Frames::error(ErrorCode::RateLimited, message)));
}

void Session::onSay(const QJsonObject &frame)
{
    const QString text = frame.value("text"_L1).toString();
    const QString cid = frame.value("cid"_L1).toString();
    if (!admitChat(text, cid)) {
        return;
    }
    const QString room
        = frame.value("room"_L1).toString(QString::fromLatin1(Protocol::DefaultRoom));
    const ChatRoom::Posted posted = m_context.room.say(m_member, text, cid, room);
    if (posted.error != ErrorCode::None) {
        sendRoomError(posted.error, room, cid);
    }
}

void Session::sendRoomError(ErrorCode code, const QString &room, const QString &cid)
{
    const QJsonObject about = room.isEmpty() ? QJsonObject() : QJsonObject{{"room"_L1, room}};
    switch (code) {
    case ErrorCode::NoSuchRoom:
        sendError(code, u"there is no room %1; join it to make it"_s.arg(room), cid, about);
        break;
    case ErrorCode::NotMember:
        sendError(code, u"you are not in %1; join it first"_s.arg(room), cid, about);
        break;
    case ErrorCode::RoomExists:
        sendError(code, u"there is a room %1 already"_s.arg(room), cid, about);
        break;
    case ErrorCode::NotInvited:
        sendError(code, u"%1 is private: a member must invite you first"_s.arg(room), cid, about);
        break;
    case ErrorCode::NotOwner:
        sendError(code, u"only the owner of %1 may do that"_s.arg(room), cid, about);
        break;
    case ErrorCode::TooManyRooms:
        sendError(code,
            u"you are in %1 rooms, or the server has %2, the most there may be"_s
                .arg(Protocol::MaxRoomsPerPerson)
                .arg(ChatRoom::MaxRooms),
            cid, about);
        break;
    case ErrorCode::None:
        break;
    default:
        sendError(code, u"the server is shutting down"_s, cid, about);
        break;
    }
}

void Session::onJoin(const QJsonObject &frame)
{
    const QString room = frame.value("room"_L1).toString();
    if (const auto ban = m_context.bans.find(
            ModerationStore::Ban::Kind::Room, m_identity.id, RoomDirectory::key(room))) {
        QJsonObject about = ModerationText::details({}, ban->by, ban->reason, ban->untilMs);
        about.insert("room"_L1, room);
        sendError(ErrorCode::Banned,
            u"you are banned from #%1 %2 by %3%4"_s.arg(room,
                ModerationText::untilText(ban->untilMs), ban->by,
                ModerationText::because(ban->reason)),
            {}, about);
        return;
    }
    // A join of a room one is in changes nothing: it asks who is in it now, a read, and counts
    // against the history allowance rather than chat's.
    if (m_context.room.isIn(m_member, room) ? !admitHistoryRequest(room, {}) : !admitRequest()) {
        return;
    }
    const ErrorCode code = m_context.room.joinRoom(m_member, room);
    if (code == ErrorCode::None) {
        m_room = RoomDirectory::key(room);
    }
    sendRoomError(code, room);
}

void Session::onPart(const QJsonObject &frame)
{
    if (!admitRequest()) {
        return;
    }
    const QString room = frame.value("room"_L1).toString();
    const ErrorCode code = m_context.room.partRoom(m_member, room);
    if (code == ErrorCode::None && RoomDirectory::key(room) == m_room) {
        m_room.clear();
    }
    sendRoomError(code, room);
}

void Session::onRead(const QJsonObject &frame)
{
    if (!admitRequest()) {
        return;
    }
    const QString room = frame.value("room"_L1).toString();
    sendRoomError(m_context.room.markRead(m_member, room, frame.value("id"_L1).toInteger()), room);
}

void Session::onRooms(const QJsonObject &)
{
    if (!admitRequest()) {
        return;
    }
    m_context.room.sendRooms(m_member);
}

void Session::onCreate(const QJsonObject &frame)
{
    const QString room = frame.value("room"_L1).toString();
    const QString topic = frame.value("topic"_L1).toString();
    if (!admitTopic(topic) || !admitRequest()) {
        return;
    }
    const ErrorCode code
        = m_context.room.createRoom(m_member, room, frame.value("private"_L1).toBool(), topic);
    if (code == ErrorCode::None) {
        m_room = RoomDirectory::key(room);
    }
    sendRoomError(code, room);
}

void Session::onInvite(const QJsonObject &frame)
{
    if (!admitRequest()) {
        return;
    }
    const QString room = frame.value("room"_L1).toString();
    const QString name = frame.value("name"_L1).toString();
    const ErrorCode invited = m_context.room.invite(m_member, room, name);
    if (invited != ErrorCode::NoSuchUser) {
        sendRoomError(invited, room);
        return;
    }
    // Not online: an account may be invited all the same.
    withAccount(name, [this, room, name](const std::optional<ChatRoom::Offline> &account) {
        if (account) {
            sendRoomError(m_context.room.invite(m_member, room, name, account), room);
        } else {
            sendNoSuchUser(name);
        }
    });
}

void Session::withAccount(
    const QString &name, std::function<void(const std::optional<ChatRoom::Offline> &)> then)
{
    // Input waits, so that what the client sends next is not handled before this.
    suspend();
    m_authenticator->findAccount(
        name, [this, then](const std::optional<Authenticator::Identity> &account) {
            then(account ? std::optional<ChatRoom::Offline>({account->name, account->id})
                         : std::nullopt);
            resume();
        });
}

void Session::sendNoSuchUser(const QString &name, bool history)
{
    // Answering history, it names the conversation that has nobody on the other end.
    sendError(ErrorCode::NoSuchUser, u"nobody called %1 is online, and no account is"_s.arg(name),
        {}, history ? QJsonObject{{"with"_L1, name}} : QJsonObject{});
}

void Session::onTopic(const QJsonObject &frame)
{
    const QString room = frame.value("room"_L1).toString();
    const QString topic = frame.value("topic"_L1).toString();
    if (admitTopic(topic) && admitRequest()) {
        sendRoomError(m_context.room.setTopic(m_member, room, topic), room);
    }
}

bool Session::admitTopic(const QString &topic)
{
    if (topic.size() > Protocol::MaxTopicLength) {
        sendError(ErrorCode::TextTooLong,
            u"a topic may hold at most %1 characters"_s.arg(Protocol::MaxTopicLength));
        return false;
    }
    const FrameValidator::Verdict verdict = FrameValidator::validateText(topic);
    if (!topic.isEmpty() && !verdict.isValid()) {
        sendError(verdict.error, verdict.message);
        return false;
    }
    return true;
}

void Session::onDm(const QJsonObject &frame)
{
    const QString to = frame.value("to"_L1).toString();
    const QString text = frame.value("text"_L1).toString();
    const QString cid = frame.value("cid"_L1).toString();
    if (!admitChat(text, cid)) {
        return;
    }
    const ChatRoom::Posted sent = m_context.room.sendPrivate(m_member, to, text, cid);
    if (sent.error == ErrorCode::NoSuchUser) {
        sendToOffline(to, text, cid);
    } else {
        refusedDm(sent, to, cid);
    }
}

void Session::sendToOffline(const QString &to, const QString &text, const QString &cid)
{
    withAccount(to, [this, to, text, cid](const std::optional<ChatRoom::Offline> &account) {
        refusedDm(account ? m_context.room.sendPrivate(m_member, to, text, cid, account)
                          : ChatRoom::Posted{ErrorCode::NoSuchUser, 0, false},
            to, cid);
    });
}

void Session::refusedDm(const ChatRoom::Posted &sent, const QString &to, const QString &cid)
{
    if (sent.error == ErrorCode::NoSuchUser) {
        sendError(sent.error, u"nobody called %1 is online"_s.arg(to), cid);
    } else if (sent.error == ErrorCode::ShuttingDown) {
        sendError(sent.error, u"the server is shutting down"_s, cid);
    }
}

void Session::onHistory(const QJsonObject &frame)
{
    const qint64 limit = frame.value("limit"_L1).toInteger(Protocol::DefaultHistoryPage);
    if (limit < 1 || limit > Protocol::MaxHistoryPage) {
        sendError(
            ErrorCode::BadFrame, u"\"limit\" must be from 1 to %1"_s.arg(Protocol::MaxHistoryPage));
        return;
    }
    // A page can be hundreds of kilobytes of other people's words: reading and sending them
    // is the most a client can make the server do for one line.
    if (!admitHistoryRequest(
            frame.value("room"_L1).toString(), frame.value("with"_L1).toString())) {
        return;
    }
    MessageStore::Query query;
    query.limit = int(limit);
    if (frame.contains("after"_L1)) {
        query.after = frame.value("after"_L1).toInteger();
        query.newest = false;
    }
    if (frame.contains("before"_L1)) {
        query.before = frame.value("before"_L1).toInteger();
    }
    if (frame.contains("with"_L1)) {
        historyWith(frame.value("with"_L1).toString(), query);
        return;
    }
    const QString room = frame.value("room"_L1).toString();
    sendRoomError(m_context.room.sendHistory(m_member, query, room), room);
}

bool Session::admitHistoryRequest(const QString &room, const QString &with)
{
    if (m_historyGuard.admit() == FloodGuard::Verdict::Allowed) {
        return true;
    }
    sendError(ErrorCode::RateLimited,
        u"slow down: at most %1 history requests a second (%2 at once)"_s
            .arg(m_context.settings->historyRate)
            .arg(m_context.settings->historyBurst),
        {},
        !room.isEmpty()       ? QJsonObject{{"room"_L1, room}}
            : !with.isEmpty() ? QJsonObject{{"with"_L1, with}}
                              : QJsonObject{});
    return false;
}

void Session::historyWith(const QString &name, const MessageStore::Query &query)
{
    if (const auto online = m_context.room.identityOf(name)) {
        m_context.room.sendConversation(m_member, query, *online, name);
        return;
    }
    // Not online: an account's conversation is still there (a gone guest's is nobody's now).
    withAccount(name, [this, name, query](const std::optional<ChatRoom::Offline> &account) {
        if (account) {
            m_context.room.sendConversation(m_member, query, account->identity, name);
        } else {
            sendNoSuchUser(name, true);
        }
    });
}

void Session::onUsers(const QJsonObject &)
{
    m_context.room.sendUsers(m_member);
}

void Session::onPing(const QJsonObject &)
{
    send(Frames::pong());
}

void Session::onPong(const QJsonObject &)
{
    // The answer to our keep-alive ping; reading it already reset the idle clock.
}

void Session::onService(const QJsonObject &frame)
{
    const ServiceDesk::Reply reply = m_services.answer(
        Protocol::frameType(frame), frame, {m_identity.name, m_identity.id, !m_identity.account});
    if (reply.error != ErrorCode::None) {
        sendError(reply.error, reply.message);
        return;
    }
    for (const QJsonObject &answer : reply.frames) {
        send(answer);
    }
    if (reply.recorded) {
        if (!reply.recorded->guest) { // a guest's best lasts as long as the server runs
            m_context.store.saveScore(*reply.recorded);
        }
        qCInfo(lcChat).noquote() << m_connection->peer() << m_identity.name
                                 << "finished a quiz with" << reply.recorded->score;
    }
}

void Session::onQuit(const QJsonObject &)
{
    closeWithBye(u"quit"_s, u"quit"_s);
}

const WireFormat &Session::wire() const
{
    if (m_wire) {
        return *m_wire;
    }
    // Before the first line nobody knows the format. A connection that said nothing at all for
    // NamePromptDelay was taken for a person and asked its name in plain text, so what it is
    // told next (the hello timeout) is plain text too: a person at nc is far likelier than a
    // JSON client that says nothing, and such a client, already shown the prompt, is
    // confused no more by one more line before the connection closes. JSON clients say hello
    // at once and never get here.
    return m_prompted ? promptedWire() : defaultWire();
}

void Session::send(const QJsonObject &frame)
{
    // Whatever the room queued earlier goes first, so a reply never overtakes older traffic.
    flushOutbox();
    if (m_connection && m_state != State::Closed) {
        m_connection->write(wire().encode(frame, m_identity.name, m_room));
    }
}

void Session::sendError(
    ErrorCode code, const QString &message, const QString &cid, const QJsonObject &about)
{
    // Messages quote what the client sent; a lone surrogate in it must not reach the wire
    // (converting to UTF-8 and back replaces it).
    const auto cleaned = [](const QString &text) {
        return text.isValidUtf16() ? text : QString::fromUtf8(text.toUtf8());
    };
    const QString clean = cleaned(message);
    Metrics::instance().error(code);
    if (code != ErrorCode::FrameTooLarge) {
        qCInfo(lcChat).noquote() << m_connection->peer() << Protocol::errorCodeName(code) << clean;
    }
    QJsonObject error = Frames::error(code, clean, cid);
    // What it is about (a room, a person), for clients with several conversations.
    for (auto field = about.constBegin(); field != about.constEnd(); ++field) {
        error.insert(field.key(), cleaned(field.value().toString()));
    }
    send(error);
}

void Session::flushOutbox()
{
    QList<QByteArray> frames = m_outbox.takeAll();
    if (frames.isEmpty() || !m_connection || m_connection->isClosing()) {
        return;
    }
    // An empty frame is the marker queued when input ended: everything the client is owed
    // is before it.
    const qsizetype marker = m_draining ? frames.indexOf(QByteArray()) : -1;
    if (marker >= 0) {
        frames.resize(marker);
    }
    m_connection->write(wire().encodeShared(frames, m_identity.name, m_room));
    if (marker >= 0) {
        leaveRoom(u"disconnected"_s);
        m_state = State::Closing;
        m_connection->close();
    }
}

void Session::onInputEnded()
{
    // The client will say nothing more (nc -N, shutdown(SHUT_WR)) but may still be reading:
    // it gets every reply it is owed, the room's included, and then the connection closes.
    if (m_state != State::Registered) {
        m_state = State::Closing;
        m_connection->close();
        return;
    }
    m_draining = true;
    m_context.room.sendAfterQueued(m_member, QByteArray());
}

void Session::leaveRoom(const QString &reason)
{
    if (!m_inRoom) {
        return;
    }
    m_context.room.leave(m_member, reason);
    if (m_countedAs) {
        Metrics::instance().clients(*std::exchange(m_countedAs, std::nullopt), -1);
    }
    qCInfo(lcChat).noquote() << (m_connection ? m_connection->peer() : QString()) << m_identity.name
                             << "left:" << reason;
    m_inRoom = false;
}

void Session::closeWithBye(const QString &reason, const QString &leaveReason)
{
    if (m_state == State::Closing || m_state == State::Closed) {
        return;
    }
    static const QHash<QString, Metrics::Cutoff> cutoffs{
        {u"flood"_s, Metrics::Cutoff::Flood},
        {u"timeout"_s, Metrics::Cutoff::Timeout},
        {u"frame_too_large"_s, Metrics::Cutoff::FrameTooLarge},
        {u"frame_timeout"_s, Metrics::Cutoff::FrameTimeout},
    };
    if (const auto cutoff = cutoffs.constFind(reason); cutoff != cutoffs.constEnd()) {
        Metrics::instance().cutOff(*cutoff);
    }
    leaveRoom(leaveReason);
    send(Frames::bye(reason));
    m_state = State::Closing;
    // nc exits when the connection is reset, not when it reads the end of the stream.
    m_connection->close(
        wire().forPeople() ? Connection::Ending::ResetWhenRead : Connection::Ending::Linger);
}

void Session::onClosed()
{
    leaveRoom(u"disconnected"_s);
    m_outbox.takeAll();
    qCInfo(lcChat).noquote() << m_connection->peer() << "disconnected";
    finish();
}

void Session::finish()
{
    m_state = State::Closed;
    deleteLater();
}

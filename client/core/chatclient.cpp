#include "chatclient.h"

#include "framefields.h"
#include "frames.h"
#include "frametype.h"
#include "protocol.h"
#include "textcommandparser.h"

#include <QDateTime>
#include <QJsonArray>
#include <QRegularExpression>
#include <QScopedValueRollback>
#include <QUuid>

using Protocol::ErrorCode;
using Protocol::FrameType;
using namespace Qt::StringLiterals;

ChatClient::ChatClient(QObject *parent)
    : QObject(parent)
    , m_connection(this)
    , m_router(m_connection, this)
    , m_quiz(this)
    , m_leaderboard(this)
    , m_signOutTimer(this)
{
    connect(&m_router, &ConversationRouter::currentChanged, this, &ChatClient::currentChanged);
    connect(&m_router, &ConversationRouter::roomListReceived, this, &ChatClient::roomListReceived);
    connect(
        &m_router, &ConversationRouter::roomRequestFailed, this, &ChatClient::roomRequestFailed);
    connect(&m_router, &ConversationRouter::joinFailed, this, &ChatClient::joinFailed);
    connect(&m_router, &ConversationRouter::invited, this, &ChatClient::invited);
    connect(&m_router, &ConversationRouter::roomOpened, this, &ChatClient::roomOpened);
    connect(&m_router, &ConversationRouter::attention, this, &ChatClient::attention);
    m_signOutTimer.setSingleShot(true);
    m_signOutTimer.setInterval(5000);
    connect(&m_signOutTimer, &QTimer::timeout, this, [this] {
        // The token is forgotten here already; the server forgets unused ones in the end.
        m_connection.close();
        onSessionEnded(SessionEnd::SignedOut, {}, tr("the server did not answer"));
    });
    connect(&m_connection, &ChatConnection::tokenReceived, this,
        [this](const QString &name, const QString &token) {
            m_credentials.write(CredentialStore::key(host(), port(), name), token);
        });
    connect(&m_connection, &ChatConnection::tokenRejected, this,
        [this](const QString &token, const QString &message) {
            // Signing out, a refused token means the first logout did arrive, and revoked it.
            onSessionEnded(
                token == m_signOutToken ? SessionEnd::SignedOut : SessionEnd::TokenRejected, token,
                message);
        });
    connect(&m_connection, &ChatConnection::sessionEnded, this,
        [this](const QString &reason, const QString &token) {
            onSessionEnded(
                reason == "logout"_L1 ? SessionEnd::SignedOut : SessionEnd::Revoked, token, reason);
        });
    connect(&m_connection, &ChatConnection::removed, this, [this](const QString &reason) {
        dropSession();
        const QString why = std::exchange(m_removal, {});
        emit removed(reason,
            !why.isEmpty()              ? why
                : reason == "banned"_L1 ? tr("You are banned from this server.")
                                        : tr("A moderator disconnected you."));
    });
    connect(&m_connection, &ChatConnection::stateChanged, this, &ChatClient::stateChanged);
    connect(&m_connection, &ChatConnection::welcomed, this, &ChatClient::onWelcome);
    connect(&m_connection, &ChatConnection::framesReceived, this, &ChatClient::onFrames);
    connect(&m_connection, &ChatConnection::registrationRefused, this,
        &ChatClient::registrationRefused);
    connect(&m_connection, &ChatConnection::connectFailed, this, &ChatClient::connectFailed);
    connect(&m_connection, &ChatConnection::roundTripChanged, this, &ChatClient::roundTripChanged);
    connect(&m_connection, &ChatConnection::certificateNeedsTrust, this,
        &ChatClient::certificateNeedsTrust);
    connect(&m_connection, &ChatConnection::connectionLost, this, [this](const QString &reason) {
        if (!m_signOutToken.isEmpty()) {
            return; // signing out: the next welcome says logout again (onWelcome)
        }
        addNotice(tr("Connection lost: %1. Reconnecting…").arg(reason), ChatEntry::Kind::Error);
        // The answer to register or password went with the connection: the dialog that waits
        // for it must not wait forever, and a new request must be possible.
        if (std::exchange(m_accountRequest, AccountRequest::None) != AccountRequest::None) {
            emit accountRequestFailed({},
                tr("The connection was lost before the server answered. Try again once "
                   "reconnected."));
        }
        m_router.onConnectionLost();
        if (m_quiz.phase() == QuizState::Phase::Running) {
            m_quiz.reset();
            m_quiz.setError(tr("The connection dropped and the quiz with it."));
        }
    });
}

void ChatClient::open(const QString &host, quint16 port, const ChatConnection::SignIn &signIn,
    bool retryFirstConnect, bool tls)
{
    ++m_attempt;
    m_signOutTimer.stop();
    m_signOutToken.clear();
    m_accountRequest = AccountRequest::None;
    m_welcomedBefore = false;
    // Typed by whoever was signed in before: never sent under this sign-in.
    m_unconfirmed.clear();
    m_router.reset();
    m_connection.open(host, port, signIn, retryFirstConnect, tls);
}

void ChatClient::connectToServer(
    const QString &host, quint16 port, const QString &name, bool retryFirstConnect, bool tls)
{
    open(host, port, {name, {}, {}, false}, retryFirstConnect, tls);
}

void ChatClient::signIn(
    const QString &host, quint16 port, const QString &name, const QString &password, bool tls)
{
    open(host, port, {name, password, {}, false}, false, tls);
}

void ChatClient::createAccount(
    const QString &host, quint16 port, const QString &name, const QString &password, bool tls)
{
    // The server checks too, but only after the guest has joined (and everyone saw it come
    // and go): a password it will refuse is refused here.
    if (const PasswordProblem problem = checkNewPassword(password, password);
        problem != PasswordProblem::None) {
        ++m_attempt;
        m_connection.close();
        const QString message = problem == PasswordProblem::TooShort
            ? u"a password needs at least %1 characters"_s.arg(MinPasswordLength)
            : u"a password may have at most %1 bytes"_s.arg(MaxPasswordBytes);
        QMetaObject::invokeMethod(
            this,
            [this, message] {
                emit registrationRefused(
                    Protocol::errorCodeName(ErrorCode::WeakPassword).toString(), message);
            },
            Qt::QueuedConnection);
        return;
    }
    open(host, port, {name, password, {}, true}, false, tls);
}

void ChatClient::resumeSession(
    const QString &host, quint16 port, const QString &name, bool tls, bool retryFirstConnect)
{
    const int attempt = ++m_attempt;
    m_credentials.read(CredentialStore::key(host, port, name), this,
        [this, attempt, host, port, name, tls, retryFirstConnect](const QString &token) {
            if (attempt != m_attempt) {
                return; // the person went another way meanwhile
            }
            if (token.isEmpty()) {
                emit savedSignInMissing();
                return;
            }
            open(host, port, {name, {}, token, false}, retryFirstConnect, tls);
        });
}

QString ChatClient::credentialKey() const
{
    return CredentialStore::key(host(), port(), name());
}

void ChatClient::leave()
{
    ++m_attempt;
    m_signOutTimer.stop();
    m_signOutToken.clear();
    const bool wasConnected = m_connection.state() != State::Disconnected;
    m_connection.close();
    if (wasConnected) {
        addNotice(tr("You left the chat."));
    }
    dropSession();
}

void ChatClient::dropSession()
{
    m_router.onConnectionLost();
    m_accountRequest = AccountRequest::None;
    // Whatever was still on its way is not lost silently: the text stays on screen.
    m_unconfirmed.clear();
    for (Conversation *conversation : conversations()->all()) {
        for (const ChatEntry &entry : conversation->messages()->takeAllPending()) {
            m_router.addNotice(conversation,
                tr("Not confirmed by the server before you left: “%1”").arg(entry.text),
                ChatEntry::Kind::Error);
        }
    }
}

void ChatClient::signOut()
{
    const QString token = m_connection.token();
    if (!token.isEmpty() && m_connection.state() != State::Disconnected) {
        if (!m_signOutToken.isEmpty()) {
            return; // under way
        }
        // Forgotten here at once, unless another sign-in on this computer has replaced it; the
        // server's bye "logout" says it is revoked there too. Online, logout goes now;
        // reconnecting, or should the connection drop before the bye, it goes after the next
        // welcome (onWelcome), so the token is not left valid on the server.
        m_signOutToken = token;
        m_credentials.removeIfUnchanged(credentialKey(), token);
        m_connection.send(Frames::logout());
        m_signOutTimer.start();
        return;
    }
    // Disconnected (after leave(), whose close() forgot the token) nobody can be told: forget
    // what is kept for this account here; the server drops unused tokens in the end.
    ++m_attempt;
    m_credentials.remove(credentialKey());
    m_connection.close();
    onSessionEnded(SessionEnd::SignedOut, {}, tr("not connected"));
}

void ChatClient::onSessionEnded(SessionEnd why, const QString &token, const QString &message)
{
    m_signOutTimer.stop();
    m_signOutToken.clear();
    if (!token.isEmpty()) {
        m_credentials.removeIfUnchanged(credentialKey(), token);
    }
    dropSession();
    // Signed out: what was this person's is not left on screen for whoever comes next.
    m_router.reset();
    switch (why) {
    case SessionEnd::SignedOut:
        addNotice(tr("You signed out."));
        break;
    case SessionEnd::Revoked:
        addNotice(tr("Signed out: the password of %1 was changed elsewhere.").arg(name()),
            ChatEntry::Kind::Error);
        break;
    case SessionEnd::TokenRejected:
        addNotice(
            tr("The saved sign-in for %1 is no longer valid.").arg(name()), ChatEntry::Kind::Error);
        break;
    }
    emit sessionEnded(why, message);
}

bool ChatClient::registerAccount(const QString &password)
{
    if (!isOnline() || isAccount() || m_accountRequest != AccountRequest::None) {
        return false;
    }
    m_accountRequest = AccountRequest::Register;
    return m_connection.send(Frames::registerRequest(password));
}

bool ChatClient::changePassword(const QString &oldPassword, const QString &newPassword)
{
    if (!isOnline() || !isAccount() || m_accountRequest != AccountRequest::None) {
        return false;
    }
    m_accountRequest = AccountRequest::Password;
    return m_connection.send(Frames::passwordChange(oldPassword, newPassword));
}

ChatClient::PasswordProblem ChatClient::checkNewPassword(
    const QString &password, const QString &repeat)
{
    // The server's rule counts code points, and bytes of UTF-8.
    qsizetype characters = 0;
    qsizetype bytes = 0;
    for (qsizetype i = 0; i < password.size(); ++i) {
        const char16_t c = password.at(i).unicode();
        ++characters;
        if (QChar::isHighSurrogate(c) && i + 1 < password.size()
            && password.at(i + 1).isLowSurrogate()) {
            bytes += 4;
            ++i;
        } else {
            bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
        }
    }
    if (characters < MinPasswordLength) {
        return PasswordProblem::TooShort;
    }
    if (bytes > MaxPasswordBytes) {
        return PasswordProblem::TooLong;
    }
    return password == repeat ? PasswordProblem::None : PasswordProblem::Mismatch;
}

bool ChatClient::sendFrame(const QJsonObject &frame)
{
    return m_router.send(frame);
}

bool ChatClient::submit(const QString &input)
{
    // "/msg NAME" alone opens the conversation; with text, it also says it there.
    static const QRegularExpression openCommand(u"^\\s*/msg\\s+(\\S+)\\s*$"_s);
    if (const auto open = openCommand.match(input); open.hasMatch()) {
        setCurrent(openDirect(open.captured(1)));
        return true;
    }
    const QString command0 = input.trimmed().section(u' ', 0, 0).toLower();
    if (command0 == "/help"_L1) {
        emit helpRequested(); // the window's own help, not the terminal's
        return true;
    }
    if (command0 == "/ping"_L1) {
        addNotice(isOnline() ? tr("Round trip to the server: %1 ms.").arg(roundTripMs())
                             : tr("Not connected."));
        return isOnline();
    }
    const bool inRoom = current()->isRoom();
    const TextCommandParser::Command command = TextCommandParser::parse(
        input, {true, 0, {}, inRoom ? current()->name() : QString(), !inRoom});
    if (!command.reply.isEmpty()) {
        QString reply = command.reply;
        reply.remove(QRegularExpression(u"^! "_s));
        addNotice(reply, ChatEntry::Kind::Error);
        return false;
    }
    if (command.frame.isEmpty()) {
        return false;
    }
    const FrameType type = Protocol::frameType(command.frame);
    switch (type) {
    case FrameType::Quit:
        if (!input.trimmed().startsWith(u'/')) {
            // "quit" or "exit" alone is a word in a chat window; leaving is /quit or Leave.
            return post(inRoom ? Frames::sayIn(current()->name(), input.trimmed())
                               : Frames::dm(current()->name(), input.trimmed()));
        }
        emit leaveCommanded();
        leave(); // if nobody did on the signal
        return true;
    case FrameType::Users:
    case FrameType::Time:
    case FrameType::Echo:
        // Answered where it was typed (the Time tab shows times too).
        if (!sendFrame(command.frame)) {
            return false;
        }
        m_typed.append(type);
        return true;
    case FrameType::QuizStart:
    case FrameType::QuizStop:
    case FrameType::Leaderboard:
        emit quizCommanded(); // the Quiz tab shows the quiz and the leaderboard
        return sendFrame(command.frame);
    case FrameType::Say:
        if (!inRoom && !command.frame.contains("room"_L1)) {
            // In a private conversation, a line goes to the other person.
            return post(Frames::dm(current()->name(), command.frame.value("text"_L1).toString()));
        }
        return post(command.frame);
    case FrameType::Dm:
        setCurrent(openDirect(command.frame.value("to"_L1).toString()));
        return post(command.frame);
    case FrameType::Join:
        return joinRoom(command.frame.value("room"_L1).toString());
    case FrameType::Rooms:
        return m_router.requestRoomList(true); // answered here, where it was typed
    default:
        return sendFrame(command.frame);
    }
}

bool ChatClient::say(const QString &text)
{
    return post(current()->isRoom() ? Frames::sayIn(current()->name(), text)
                                    : Frames::dm(current()->name(), text));
}

bool ChatClient::sendPrivate(const QString &to, const QString &text)
{
    return post(Frames::dm(to, text));
}

bool ChatClient::post(QJsonObject frame)
{
    if (state() == State::Disconnected) {
        addNotice(tr("Not sent: you are offline."), ChatEntry::Kind::Error);
        return false;
    }
    const QString cid = QUuid::createUuid().toString(QUuid::WithoutBraces);
    frame.insert("cid"_L1, cid);
    ChatEntry entry;
    entry.kind = Protocol::frameType(frame) == FrameType::Dm ? ChatEntry::Kind::Private
                                                             : ChatEntry::Kind::Message;
    entry.own = true;
    entry.from = name();
    entry.to = frame.value("to"_L1).toString();
    entry.text = frame.value("text"_L1).toString();
    entry.msecsSinceEpoch = QDateTime::currentMSecsSinceEpoch();
    Conversation *conversation = m_router.conversationFor(frame);
    if (!conversation) {
        addNotice(tr("Not sent: you are not in %1.").arg(frame.value("room"_L1).toString()),
            ChatEntry::Kind::Error);
        return false;
    }
    conversation->messages()->appendPending(std::move(entry), cid);
    m_unconfirmed.append(frame);
    if (isOnline()) {
        m_connection.send(frame);
    }
    return true;
}

std::optional<ChatEntry> ChatClient::settle(const QString &cid)
{
    if (cid.isEmpty()) {
        return std::nullopt;
    }
    m_unconfirmed.removeIf(
        [&cid](const QJsonObject &frame) { return frame.value("cid"_L1).toString() == cid; });
    for (Conversation *conversation : conversations()->all()) {
        if (auto entry = conversation->messages()->resolvePending(cid)) {
            return entry;
        }
    }
    return std::nullopt;
}

bool ChatClient::requestTime(const QString &query, const QString &zone)
{
    return sendFrame(Frames::timeQuery(query, zone));
}

bool ChatClient::startQuiz()
{
    return sendFrame(Frames::quizStart());
}

bool ChatClient::answerQuiz(const QString &answer)
{
    if (m_quiz.phase() != QuizState::Phase::Running) {
        return false;
    }
    return sendFrame(Frames::quizAnswer(m_quiz.number(), answer.trimmed()));
}

bool ChatClient::stopQuiz()
{
    return sendFrame(Frames::quizStop());
}

void ChatClient::addNotice(const QString &text, ChatEntry::Kind kind)
{
    m_router.addNotice(text, kind);
}

bool ChatClient::fetchOlder()
{
    return m_router.fetchOlder(current());
}

bool ChatClient::requestLeaderboard()
{
    return sendFrame(Frames::leaderboardRequest());
}

void ChatClient::onWelcome(const QJsonObject &welcome)
{
    if (!m_signOutToken.isEmpty()) {
        // Sign out began and the connection dropped (or was down): the logout may never have
        // reached the server, so it goes again, before anything else.
        m_connection.send(Frames::logout());
        return;
    }
    // Resumed only when this hello carried since (every hello after the first welcome does).
    // "replayed" alone says nothing: an account's first welcome carries it too when private
    // messages waited for it, and those are not the room's history.
    const bool resumed = m_welcomedBefore;
    m_router.onWelcome(welcome, resumed);
    if (m_welcomedBefore) {
        const int replayed = welcome.value("replayed"_L1).toInt();
        addNotice(replayed > 0
                ? tr("Reconnected as %1; %n message(s) you missed follow.", "", replayed)
                      .arg(m_connection.name())
                : tr("Reconnected as %1.").arg(m_connection.name()));
        if (welcome.contains("gap"_L1)) {
            addNotice(tr("You missed more than %1 messages; only the newest are shown.")
                          .arg(Protocol::MaxReplay),
                ChatEntry::Kind::Error);
        }
    } else if (m_connection.isAccount()) {
        addNotice((m_connection.usesTls() ? tr("Signed in to %1:%2 as %3 (encrypted).")
                                          : tr("Signed in to %1:%2 as %3."))
                      .arg(m_connection.host())
                      .arg(m_connection.port())
                      .arg(m_connection.name()));
    } else {
        addNotice((m_connection.usesTls() ? tr("Connected to %1:%2 as %3 (encrypted).")
                                          : tr("Connected to %1:%2 as %3."))
                      .arg(m_connection.host())
                      .arg(m_connection.port())
                      .arg(m_connection.name()));
    }
    if (!m_welcomedBefore) {
        const QString motd = welcome.value("motd"_L1).toString();
        if (!motd.isEmpty()) {
            addNotice(motd);
        }
        const QString role = welcome.value("role"_L1).toString();
        if (!role.isEmpty()) {
            addNotice(tr("You are %1 here: /help lists the moderators' commands.")
                          .arg(role == "moderator"_L1  ? tr("a moderator")
                                  : role == "admin"_L1 ? tr("an admin")
                                                       : tr("an owner")));
        }
    }
    m_welcomedBefore = true;
    requestLeaderboard();
    // What is unconfirmed goes (again) now, in order: typed while offline, or sent just before
    // the connection dropped. The server posts each cid once and answers a repeat with the
    // stored copy, so nothing is lost and nothing is posted twice.
    for (const QJsonObject &frame : std::as_const(m_unconfirmed)) {
        m_connection.send(frame);
    }
    emit accountChanged(m_connection.isAccount());
}

void ChatClient::onFrames(const QList<QJsonObject> &frames)
{
    // Rows are gathered per conversation, so each view gets one insert per read.
    std::vector<std::pair<Conversation *, std::vector<ChatEntry>>> batches;
    const auto rowsFor = [&batches](Conversation *conversation) -> std::vector<ChatEntry> & {
        for (auto &batch : batches) {
            if (batch.first == conversation) {
                return batch.second;
            }
        }
        return batches.emplace_back(conversation, std::vector<ChatEntry>{}).second;
    };
    const auto flush = [this, &batches] {
        for (auto &[conversation, rows] : std::exchange(batches, {})) {
            // Not if a part or a welcome in this read took the conversation away.
            if (conversations()->indexOf(conversation).isValid()) {
                m_router.deliver(conversation, std::move(rows));
            }
        }
    };
    for (const QJsonObject &frame : frames) {
        const FrameType type = Protocol::frameType(frame);
        ChatEntry entry;
        entry.msecsSinceEpoch = FrameFields::timestamp(frame.value("ts"_L1));
        // No default: a new frame type must be handled here, or ignored on purpose.
        switch (type) {
        case FrameType::Message:
        case FrameType::Dm: {
            entry = m_router.entryFor(frame);
            if (entry.own) {
                settle(frame.value("cid"_L1).toString());
            }
            Conversation *conversation = m_router.conversationFor(frame);
            if (!conversation || conversation->messages()->containsId(entry.id)) {
                continue; // a room left since, the stored copy of a retried send, or a replay
            }
            rowsFor(conversation).push_back(std::move(entry));
            break;
        }
        case FrameType::Joined:
        case FrameType::Left:
            flush(); // a conversation may come or go
            m_router.onJoinedOrLeft(frame, type == FrameType::Joined);
            break;
        case FrameType::Presence:
            flush(); // a conversation may come or go
            m_router.onPresence(frame);
            break;
        case FrameType::Users:
            users()->reset(FrameFields::names(frame.value("users"_L1)));
            if (m_typed.removeOne(type)) {
                const QStringList names = FrameFields::names(frame.value("users"_L1));
                entry.kind = ChatEntry::Kind::Notice;
                entry.text = tr("Online (%1): %2")
                                 .arg(frame.value("user_count"_L1).toInt(int(names.size())))
                                 .arg(names.join(u", "_s));
                rowsFor(current()).push_back(std::move(entry));
            }
            break;
        case FrameType::Time:
            emit timeReceived(frame);
            if (m_typed.removeOne(type)) {
                entry.kind = ChatEntry::Kind::Notice;
                entry.text = timeText(frame);
                rowsFor(current()).push_back(std::move(entry));
            }
            break;
        case FrameType::QuizQuestion:
        case FrameType::QuizResult:
            m_quiz.apply(frame);
            break;
        case FrameType::QuizFinished:
            m_quiz.apply(frame);
            if (frame.value("completed"_L1).toBool()) {
                requestLeaderboard();
            }
            break;
        case FrameType::Leaderboard:
            m_leaderboard.reset(frame.value("entries"_L1).toArray());
            break;
        case FrameType::History:
            // Live rows before it go in first: where both have an id, the live copy stays.
            flush();
            m_router.onHistory(frame);
            break;
        case FrameType::Room:
            flush();
            m_router.onRoom(frame);
            break;
        case FrameType::Rooms:
            m_router.onRooms(frame);
            break;
        case FrameType::Topic:
            flush();
            m_router.onTopic(frame);
            break;
        case FrameType::Invited:
            flush();
            m_router.onInvited(frame);
            break;
        case FrameType::Notice: {
            // In the room it names (a kick, a ban there), else where the person is looking.
            Conversation *where
                = frame.contains("room"_L1) ? m_router.conversationFor(frame) : nullptr;
            const QString kind = frame.value("kind"_L1).toString();
            const QString text = frame.value("text"_L1).toString();
            const bool aboutMe
                = frame.value("name"_L1).toString().compare(name(), Qt::CaseInsensitive) == 0;
            entry.kind = aboutMe && kind != "unban"_L1 && kind != "unmute"_L1
                ? ChatEntry::Kind::Error
                : ChatEntry::Kind::Notice;
            entry.text = kind == "announce"_L1
                ? tr("Announcement from %1: %2").arg(frame.value("by"_L1).toString(), text)
                : text;
            if (aboutMe && (kind == "kick"_L1 || kind == "ban"_L1) && !where) {
                m_removal = text; // what the window says, should a bye follow
            }
            if (kind == "announce"_L1 || (aboutMe && !where)) {
                emit attention(tr("From the server"), entry.text);
            }
            rowsFor(where ? where : current()).push_back(std::move(entry));
            break;
        }
        case FrameType::Bans: {
            QStringList lines;
            for (const QJsonValue &value : frame.value("bans"_L1).toArray()) {
                const QJsonObject ban = value.toObject();
                const QString kind = ban.value("kind"_L1).toString();
                const QString who = kind == "address"_L1 ? ban.value("address"_L1).toString()
                    : kind == "room"_L1
                    ? tr("%1 from %2")
                          .arg(ban.value("name"_L1).toString(), ban.value("room"_L1).toString())
                    : ban.value("name"_L1).toString();
                const QString until = ban.contains("until"_L1)
                    ? QDateTime::fromString(ban.value("until"_L1).toString(), Qt::ISODateWithMs)
                          .toLocalTime()
                          .toString(u"yyyy-MM-dd HH:mm"_s)
                    : tr("for good");
                lines.append(tr("%1 %2 (%3, by %4)")
                                 .arg(kind == "mute"_L1 ? tr("muted:") : tr("banned:"), who, until,
                                     ban.value("by"_L1).toString()));
            }
            entry.kind = ChatEntry::Kind::Notice;
            entry.text = lines.isEmpty() ? tr("Nobody is banned or muted.")
                                         : tr("Bans and mutes: %1").arg(lines.join(u"; "_s));
            rowsFor(current()).push_back(std::move(entry));
            break;
        }
        case FrameType::Error: {
            const QString code = frame.value("code"_L1).toString();
            const QString message = frame.value("message"_L1).toString();
            switch (Protocol::errorCodeFromName(code)) {
            case ErrorCode::UnknownQuery:
            case ErrorCode::UnknownZone:
                emit timeFailed(code, message);
                if (m_typed.removeOne(FrameType::Time)) {
                    entry.kind = ChatEntry::Kind::Error;
                    entry.text = message;
                    rowsFor(current()).push_back(std::move(entry));
                }
                break;
            case ErrorCode::AuthFailed:
            case ErrorCode::AuthRequired:
            case ErrorCode::WeakPassword:
            case ErrorCode::AccountExists:
            case ErrorCode::TooManyAttempts:
                // The answer to register or password: the dialog that asked shows it.
                if (std::exchange(m_accountRequest, AccountRequest::None) != AccountRequest::None) {
                    emit accountRequestFailed(code, message);
                    break;
                }
                entry.kind = ChatEntry::Kind::Error;
                entry.text = message;
                rowsFor(current()).push_back(std::move(entry));
                break;
            case ErrorCode::BadAnswer:
            case ErrorCode::QuizRunning:
            case ErrorCode::NoQuiz:
            case ErrorCode::AlreadyAnswered:
            case ErrorCode::NotAsked:
                m_quiz.setError(message);
                break;
            default: {
                if (Protocol::errorCodeFromName(code) == ErrorCode::StorageFailed
                    && std::exchange(m_accountRequest, AccountRequest::None)
                        != AccountRequest::None) {
                    emit accountRequestFailed(code, message); // and the notice below, for all
                }
                Conversation *where = m_router.onRefusal(frame);
                if (!where) {
                    break; // an automatic request, asked again shortly
                }
                entry.kind = ChatEntry::Kind::Error;
                entry.text = message;
                // A refused say or dm: keep what was typed on screen with the reason, where
                // it was typed.
                const QString cid = frame.value("cid"_L1).toString();
                for (Conversation *conversation : conversations()->all()) {
                    if (conversation->messages()->hasPending(cid)) {
                        where = conversation;
                    }
                }
                if (const auto refused = settle(cid)) {
                    entry.text = tr("Not sent: “%1” (%2)").arg(refused->text, message);
                }
                rowsFor(where).push_back(std::move(entry));
                break;
            }
            }
            break;
        }
        // ChatConnection handles these before they get here.
        case FrameType::Welcome:
        case FrameType::Ping:
        case FrameType::Pong:
        case FrameType::Bye:
        case FrameType::Echo:
            if (m_typed.removeOne(type)) {
                entry.kind = ChatEntry::Kind::Notice;
                entry.text = tr("The server echoes: %1").arg(frame.value("text"_L1).toString());
                rowsFor(current()).push_back(std::move(entry));
            }
            break;
        // The server never sends these.
        case FrameType::Hello:
        case FrameType::Say:
        case FrameType::Quit:
        case FrameType::QuizStart:
        case FrameType::QuizAnswer:
        case FrameType::QuizStop:
        case FrameType::Register:
        case FrameType::Password:
        case FrameType::Logout:
        case FrameType::Unknown:
        case FrameType::Join:
        case FrameType::Part:
        case FrameType::Create:
        case FrameType::Invite:
        case FrameType::Read:
        case FrameType::Kick:
        case FrameType::Ban:
        case FrameType::Unban:
        case FrameType::Mute:
        case FrameType::Unmute:
        case FrameType::Announce:
        case FrameType::Motd:
        case FrameType::Grant:
            break;
        // ChatConnection took the token already.
        case FrameType::Registered:
            m_accountRequest = AccountRequest::None;
            entry.kind = ChatEntry::Kind::Notice;
            entry.text = tr("%1 is now an account: sign in with its password from any computer.")
                             .arg(name());
            rowsFor(current()).push_back(std::move(entry));
            emit accountChanged(true);
            emit accountCreated();
            break;
        case FrameType::PasswordChanged:
            m_accountRequest = AccountRequest::None;
            entry.kind = ChatEntry::Kind::Notice;
            entry.text = tr("Your password was changed; your other sign-ins were signed out.");
            rowsFor(current()).push_back(std::move(entry));
            emit passwordChanged();
            break;
        }
    }
    flush();
}

QString ChatClient::timeText(const QJsonObject &reply)
{
    const QString value = reply.value("value"_L1).toString();
    const QString zone = reply.value("zone"_L1).toString();
    const QString abbreviation = reply.value("abbreviation"_L1).toString();
    const QString query = reply.value("query"_L1).toString();
    const QString what = query == "day"_L1 ? tr("Day")
        : query == "date"_L1               ? tr("Date")
                                           : tr("Time");
    return abbreviation.isEmpty() ? tr("%1 on the server (%2): %3").arg(what, zone, value)
                                  : tr("%1 in %2 (%3): %4").arg(what, zone, abbreviation, value);
}

#include "chatclient.h"

#include "frames.h"
#include "frametype.h"
#include "protocol.h"
#include "textcommandparser.h"

#include <QDateTime>
#include <QJsonArray>
#include <QRegularExpression>
#include <QUuid>

using Protocol::ErrorCode;
using Protocol::FrameType;
using namespace Qt::StringLiterals;

namespace {

qint64 parseTimestamp(const QJsonValue &ts)
{
    const QDateTime when = QDateTime::fromString(ts.toString(), Qt::ISODateWithMs);
    return when.isValid() ? when.toMSecsSinceEpoch() : QDateTime::currentMSecsSinceEpoch();
}

QStringList toStringList(const QJsonValue &array)
{
    QStringList list;
    for (const QJsonValue &value : array.toArray()) {
        list.append(value.toString());
    }
    return list;
}

} // namespace

ChatClient::ChatClient(QObject *parent)
    : QObject(parent)
    , m_connection(this)
    , m_messages(this)
    , m_users(this)
    , m_quiz(this)
    , m_leaderboard(this)
    , m_signOutTimer(this)
{
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
        m_users.reset({});
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
    m_users.reset({});
    m_accountRequest = AccountRequest::None;
    // Whatever was still on its way is not lost silently: the text stays on screen.
    m_unconfirmed.clear();
    for (const ChatEntry &entry : m_messages.takeAllPending()) {
        addNotice(tr("Not confirmed by the server before you left: “%1”").arg(entry.text),
            ChatEntry::Kind::Error);
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
    if (m_connection.send(frame)) {
        return true;
    }
    addNotice(tr("Not sent: you are offline."), ChatEntry::Kind::Error);
    return false;
}

bool ChatClient::submit(const QString &input)
{
    const TextCommandParser::Command command = TextCommandParser::parse(input, {true, 0, {}, {}});
    if (!command.reply.isEmpty()) {
        QString reply = command.reply;
        reply.remove(QRegularExpression(u"^! "_s));
        addNotice(reply,
            reply == TextCommandParser::helpText() ? ChatEntry::Kind::Notice
                                                   : ChatEntry::Kind::Error);
        return false;
    }
    if (command.frame.isEmpty()) {
        return false;
    }
    switch (Protocol::frameType(command.frame)) {
    case FrameType::Quit:
        leave();
        return true;
    case FrameType::Say:
    case FrameType::Dm:
        return post(command.frame);
    default:
        return sendFrame(command.frame);
    }
}

bool ChatClient::say(const QString &text)
{
    return post(Frames::say(text));
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
    m_messages.appendPending(std::move(entry), cid);
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
    return m_messages.resolvePending(cid);
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

bool ChatClient::requestLeaderboard()
{
    return sendFrame(Frames::leaderboardRequest());
}

bool ChatClient::fetchOlder()
{
    if (!m_hasOlder || m_fetchingOlder || !isOnline() || m_messages.minId() <= 0) {
        return false;
    }
    m_fetchingOlder = true;
    return m_connection.send(Frames::historyRequest(m_messages.minId()));
}

void ChatClient::addNotice(const QString &text, ChatEntry::Kind kind)
{
    ChatEntry entry;
    entry.kind = kind;
    entry.msecsSinceEpoch = QDateTime::currentMSecsSinceEpoch();
    entry.text = text;
    m_messages.append(std::move(entry));
}

void ChatClient::onWelcome(const QJsonObject &welcome)
{
    if (!m_signOutToken.isEmpty()) {
        // Sign out began and the connection dropped (or was down): the logout may never have
        // reached the server, so it goes again, before anything else.
        m_connection.send(Frames::logout());
        return;
    }
    m_users.setSelf(m_connection.name());
    m_users.reset(toStringList(welcome.value("users"_L1)));
    // Resumed only when this hello carried since (every hello after the first welcome does).
    // "replayed" alone says nothing: an account's first welcome carries it too when private
    // messages waited for it, and those are not the room's history.
    const bool resumed = m_welcomedBefore;
    if (welcome.value("last_id"_L1).toInteger() < m_messages.maxId()) {
        // A server with a new database counts from 1 again: old ids must not hide new messages.
        m_messages.forgetIds();
        addNotice(tr("The server's history was reset."));
    }
    if (!resumed) {
        // A fresh start: the latest history goes above the greeting, once it arrives.
        m_historyRow = m_messages.rowCount() - m_messages.pendingCount();
        m_fetchingOlder = false;
        m_connection.send(Frames::historyRequest(0));
    }
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

ChatEntry ChatClient::chatEntry(const QJsonObject &frame) const
{
    ChatEntry entry;
    entry.msecsSinceEpoch = parseTimestamp(frame.value("ts"_L1));
    entry.kind = Protocol::frameType(frame) == FrameType::Dm ? ChatEntry::Kind::Private
                                                             : ChatEntry::Kind::Message;
    entry.id = frame.value("id"_L1).toInteger();
    entry.from = frame.value("from"_L1).toString();
    entry.to = frame.value("to"_L1).toString();
    entry.text = frame.value("text"_L1).toString();
    entry.own = entry.from.compare(name(), Qt::CaseInsensitive) == 0;
    return entry;
}

bool ChatClient::mentionsMe(const QString &text) const
{
    const QRegularExpression word(u"(^|\\W)%1($|\\W)"_s.arg(QRegularExpression::escape(name())),
        QRegularExpression::CaseInsensitiveOption);
    return word.match(text).hasMatch();
}

void ChatClient::onFrames(const QList<QJsonObject> &frames)
{
    std::vector<ChatEntry> rows;
    int added = 0;
    for (const QJsonObject &frame : frames) {
        const FrameType type = Protocol::frameType(frame);
        ChatEntry entry;
        entry.msecsSinceEpoch = parseTimestamp(frame.value("ts"_L1));
        // No default: a new frame type must be handled here, or ignored on purpose.
        switch (type) {
        case FrameType::Message:
        case FrameType::Dm:
            entry = chatEntry(frame);
            if (entry.own) {
                settle(frame.value("cid"_L1).toString());
            }
            if (m_messages.containsId(entry.id)) {
                continue; // the stored copy of a retried send, or a replay we already had
            }
            if (!entry.own && entry.kind == ChatEntry::Kind::Private) {
                emit attention(tr("Private message from %1").arg(entry.from), entry.text);
            } else if (!entry.own && mentionsMe(entry.text)) {
                emit attention(tr("%1 mentioned you").arg(entry.from), entry.text);
            }
            rows.push_back(std::move(entry));
            break;
        case FrameType::Joined:
            entry.kind = ChatEntry::Kind::Joined;
            entry.from = frame.value("name"_L1).toString();
            m_users.add(entry.from);
            rows.push_back(std::move(entry));
            break;
        case FrameType::Left:
            entry.kind = ChatEntry::Kind::Left;
            entry.from = frame.value("name"_L1).toString();
            entry.text = frame.value("reason"_L1).toString();
            m_users.remove(entry.from);
            rows.push_back(std::move(entry));
            break;
        case FrameType::Users:
            m_users.reset(toStringList(frame.value("users"_L1)));
            break;
        case FrameType::Time:
            emit timeReceived(frame);
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
        case FrameType::History: {
            // Live rows before it go in first: where both have an id, the live copy stays.
            added += int(rows.size());
            m_messages.append(std::exchange(rows, {}));
            std::vector<ChatEntry> older;
            for (const QJsonValue &message : frame.value("messages"_L1).toArray()) {
                older.push_back(chatEntry(message.toObject()));
            }
            // The first page goes above the greeting; pages fetched later go above everything.
            m_messages.insertHistory(
                std::exchange(m_fetchingOlder, false) ? 0 : m_historyRow, std::move(older));
            m_hasOlder = frame.value("more"_L1).toBool();
            break;
        }
        case FrameType::Error: {
            const QString code = frame.value("code"_L1).toString();
            const QString message = frame.value("message"_L1).toString();
            switch (Protocol::errorCodeFromName(code)) {
            case ErrorCode::UnknownQuery:
            case ErrorCode::UnknownZone:
                emit timeFailed(code, message);
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
                rows.push_back(std::move(entry));
                break;
            case ErrorCode::BadAnswer:
            case ErrorCode::QuizRunning:
            case ErrorCode::NoQuiz:
            case ErrorCode::AlreadyAnswered:
            case ErrorCode::NotAsked:
                m_quiz.setError(message);
                break;
            default:
                if (Protocol::errorCodeFromName(code) == ErrorCode::StorageFailed
                    && std::exchange(m_accountRequest, AccountRequest::None)
                        != AccountRequest::None) {
                    emit accountRequestFailed(code, message); // and the notice below, for all
                }
                entry.kind = ChatEntry::Kind::Error;
                entry.text = message;
                // A refused say or dm: keep what was typed on screen with the reason.
                if (const auto refused = settle(frame.value("cid"_L1).toString())) {
                    entry.text = tr("Not sent: “%1” (%2)").arg(refused->text, message);
                }
                rows.push_back(std::move(entry));
                break;
            }
            break;
        }
        // ChatConnection handles these before they get here.
        case FrameType::Welcome:
        case FrameType::Ping:
        case FrameType::Pong:
        case FrameType::Bye:
        // A typed /echo is a round-trip probe: its answer has nothing to show.
        case FrameType::Echo:
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
        // Rooms: this client joins none but general, which v1 frames cover.
        case FrameType::Rooms:
        case FrameType::Join:
        case FrameType::Part:
        case FrameType::Room:
        case FrameType::Create:
        case FrameType::Invite:
        case FrameType::Invited:
        case FrameType::Topic:
        case FrameType::Read:
            break;
        // ChatConnection took the token already.
        case FrameType::Registered:
            m_accountRequest = AccountRequest::None;
            entry.kind = ChatEntry::Kind::Notice;
            entry.text = tr("%1 is now an account: sign in with its password from any computer.")
                             .arg(name());
            rows.push_back(std::move(entry));
            emit accountChanged(true);
            emit accountCreated();
            break;
        case FrameType::PasswordChanged:
            m_accountRequest = AccountRequest::None;
            entry.kind = ChatEntry::Kind::Notice;
            entry.text = tr("Your password was changed; your other sign-ins were signed out.");
            rows.push_back(std::move(entry));
            emit passwordChanged();
            break;
        }
    }
    added += int(rows.size());
    m_messages.append(std::move(rows));
    if (added > 0) {
        emit chatActivity(added);
    }
}

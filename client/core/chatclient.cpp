#include "chatclient.h"

#include "frames.h"
#include "frametype.h"
#include "protocol.h"
#include "textcommandparser.h"

#include <QDateTime>
#include <QJsonArray>
#include <QPointer>
#include <QRegularExpression>
#include <QScopedValueRollback>
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
    , m_conversations(this)
    , m_quiz(this)
    , m_leaderboard(this)
    , m_signOutTimer(this)
    , m_readTimer(this)
    , m_retryTimer(this)
{
    connect(&m_conversations, &QAbstractItemModel::rowsInserted, this,
        [this](const QModelIndex &, int first, int last) {
            for (int row = first; row <= last; ++row) {
                if (Conversation *conversation = m_conversations.at(m_conversations.index(row))) {
                    if (isOnline()) { // else the welcome applies them, for the right person
                        applyPreferences(conversation);
                    }
                    connect(conversation, &Conversation::preferencesChanged, this,
                        [this, conversation] {
                            if (!m_applyingPreferences) {
                                memory().save(conversation);
                            }
                        });
                }
            }
        });
    resetConversations();
    // The server counts read against the same flood allowance as chat: one at most every two
    // seconds, however busy the room.
    m_readTimer.setSingleShot(true);
    m_readTimer.setInterval(2000);
    connect(&m_readTimer, &QTimer::timeout, this, &ChatClient::reportRead);
    m_retryTimer.setSingleShot(true);
    m_retryTimer.setInterval(1000);
    connect(&m_retryTimer, &QTimer::timeout, this, [this] { load(current()); });
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
        for (Conversation *conversation : m_conversations.all()) {
            // Who came and went meanwhile is not replayed, and unanswered requests went with
            // the connection: asked again when next shown.
            conversation->forgetRequests();
        }
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
    resetConversations();
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
    for (Conversation *conversation : m_conversations.all()) {
        conversation->forgetRequests();
    }
    m_accountRequest = AccountRequest::None;
    // Whatever was still on its way is not lost silently: the text stays on screen.
    m_unconfirmed.clear();
    for (Conversation *conversation : m_conversations.all()) {
        for (const ChatEntry &entry : conversation->messages()->takeAllPending()) {
            addNotice(conversation,
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
    resetConversations();
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
    // "/msg NAME" alone opens the conversation; with text, it also says it there.
    static const QRegularExpression openCommand(u"^\\s*/msg\\s+(\\S+)\\s*$"_s);
    if (const auto open = openCommand.match(input); open.hasMatch()) {
        setCurrent(openDirect(open.captured(1)));
        return true;
    }
    const bool inRoom = current()->isRoom();
    const TextCommandParser::Command command = TextCommandParser::parse(
        input, {true, 0, {}, inRoom ? current()->name() : QString(), !inRoom});
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
        m_roomsTyped = true; // answered here, where it was typed
        return sendFrame(command.frame);
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
    Conversation *conversation = conversationFor(frame);
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
    for (Conversation *conversation : m_conversations.all()) {
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

bool ChatClient::requestLeaderboard()
{
    return sendFrame(Frames::leaderboardRequest());
}

bool ChatClient::fetchOlder()
{
    return fetchOlder(current());
}

bool ChatClient::fetchOlder(Conversation *conversation)
{
    const qint64 oldest = conversation->messages()->minId();
    if (!conversation->hasOlder() || conversation->isFetchingOlder() || !isOnline()
        || oldest <= 0) {
        return false;
    }
    conversation->setFetchingOlder(true);
    return m_connection.send(conversation->isRoom()
            ? Frames::roomHistoryRequest(conversation->name(), oldest)
            : Frames::conversationHistoryRequest(conversation->name(), oldest));
}

void ChatClient::addNotice(const QString &text, ChatEntry::Kind kind)
{
    addNotice(current(), text, kind);
}

void ChatClient::addNotice(Conversation *conversation, const QString &text, ChatEntry::Kind kind)
{
    ChatEntry entry;
    entry.kind = kind;
    entry.msecsSinceEpoch = QDateTime::currentMSecsSinceEpoch();
    entry.text = text;
    conversation->messages()->append(std::move(entry));
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
    const qint64 lastId = welcome.value("last_id"_L1).toInteger();
    bool reset = false;
    for (Conversation *conversation : m_conversations.all()) {
        if (lastId < conversation->messages()->maxId()) {
            // A server with a new database counts from 1 again: old ids must not hide new
            // messages.
            conversation->messages()->forgetIds();
            reset = true;
        }
    }
    if (reset) {
        addNotice(tr("The server's history was reset."));
    }
    // What a resumed welcome counts as unread includes the replay that follows it.
    m_replayedUpTo = resumed && m_connection.isAccount() ? lastId : 0;
    syncConversations(welcome, resumed);
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
    load(current()); // the rest when first shown
    seen(current());
    reportRead(); // what was read while the connection was down
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

bool ChatClient::mentionsMe(const QString &text)
{
    if (m_mentionFor != name()) { // made once per name, not per message
        m_mentionFor = name();
        m_mention
            = QRegularExpression(u"(^|\\W)%1($|\\W)"_s.arg(QRegularExpression::escape(name())),
                QRegularExpression::CaseInsensitiveOption);
    }
    return m_mention.match(text).hasMatch();
}

void ChatClient::onFrames(const QList<QJsonObject> &frames)
{
    // Rows are gathered per conversation, so each view gets one insert per read.
    std::vector<std::pair<QPointer<Conversation>, std::vector<ChatEntry>>> batches;
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
            if (conversation) {
                deliver(conversation, std::move(rows));
            }
        }
    };
    for (const QJsonObject &frame : frames) {
        const FrameType type = Protocol::frameType(frame);
        ChatEntry entry;
        entry.msecsSinceEpoch = parseTimestamp(frame.value("ts"_L1));
        // No default: a new frame type must be handled here, or ignored on purpose.
        switch (type) {
        case FrameType::Message:
        case FrameType::Dm: {
            entry = chatEntry(frame);
            if (entry.own) {
                settle(frame.value("cid"_L1).toString());
            }
            Conversation *conversation = conversationFor(frame);
            if (!conversation || conversation->messages()->containsId(entry.id)) {
                continue; // a room left since, the stored copy of a retried send, or a replay
            }
            rowsFor(conversation).push_back(std::move(entry));
            break;
        }
        case FrameType::Joined:
        case FrameType::Left:
            flush(); // a conversation may come or go
            onPresence(frame, type == FrameType::Joined);
            break;
        case FrameType::Users:
            users()->reset(toStringList(frame.value("users"_L1)));
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
        case FrameType::History:
            // Live rows before it go in first: where both have an id, the live copy stays.
            flush();
            onHistory(frame);
            break;
        case FrameType::Room:
            flush();
            onRoom(frame);
            break;
        case FrameType::Rooms:
            if (std::exchange(m_roomsTyped, false)) {
                entry.kind = ChatEntry::Kind::Notice;
                entry.text = roomListText(frame.value("rooms"_L1).toArray());
                rowsFor(current()).push_back(std::move(entry));
            }
            emit roomListReceived(frame.value("rooms"_L1).toArray());
            break;
        case FrameType::Topic:
            flush();
            onTopic(frame);
            break;
        case FrameType::Invited: {
            const QString room = frame.value("room"_L1).toString();
            const QString by = frame.value("by"_L1).toString();
            entry.kind = ChatEntry::Kind::Notice;
            entry.text
                = tr("%1 invited you to the private room %2: /join %2 to enter it.").arg(by, room);
            rowsFor(current()).push_back(std::move(entry));
            emit invited(room, by);
            emit attention(tr("%1 invited you to %2").arg(by, room), tr("/join %1").arg(room));
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
                Conversation *where = onRefusal(frame);
                if (!where) {
                    break; // an automatic request, asked again shortly
                }
                entry.kind = ChatEntry::Kind::Error;
                entry.text = message;
                // A refused say or dm: keep what was typed on screen with the reason, where
                // it was typed.
                const QString cid = frame.value("cid"_L1).toString();
                for (Conversation *conversation : m_conversations.all()) {
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
        case FrameType::Join:
        case FrameType::Part:
        case FrameType::Create:
        case FrameType::Invite:
        case FrameType::Read:
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

void ChatClient::resetConversations()
{
    m_current = nullptr;
    m_conversations.clear();
    m_joining.clear();
    m_unreported.clear();
    setCurrent(m_conversations.addRoom(QString::fromLatin1(Protocol::DefaultRoom)));
}

Conversation *ChatClient::general() const
{
    // Kept even after parting it: the history stays readable, and /join general comes back.
    return m_conversations.room(QString::fromLatin1(Protocol::DefaultRoom));
}

void ChatClient::setCurrent(Conversation *conversation)
{
    if (!conversation || conversation == m_current) {
        return;
    }
    if (m_current) {
        m_current->messages()->setUnreadMarker(0); // placed again if it is unread next time
    }
    m_current = conversation;
    load(conversation);
    seen(conversation); // the "new messages" line is in place before it is shown
    emit currentChanged(conversation);
}

Conversation *ChatClient::openDirect(const QString &name)
{
    Conversation *conversation = m_conversations.direct(name);
    if (!conversation) {
        conversation = m_conversations.addDirect(name);
        conversation->members()->setSelf(this->name());
        conversation->members()->reset({this->name(), name});
        rememberDirects();
    }
    return conversation;
}

void ChatClient::closeDirect(Conversation *conversation)
{
    if (!conversation || conversation->isRoom()) {
        return;
    }
    if (conversation == current()) {
        setCurrent(general());
    }
    m_conversations.remove(conversation);
    rememberDirects();
}

void ChatClient::setViewing(bool viewing)
{
    m_viewing = viewing;
    seen(current());
}

Conversation *ChatClient::conversationFor(const QJsonObject &frame)
{
    if (Protocol::frameType(frame) == FrameType::Dm) {
        const QString from = frame.value("from"_L1).toString();
        const bool own = from.isEmpty() || from.compare(name(), Qt::CaseInsensitive) == 0;
        return openDirect(own ? frame.value("to"_L1).toString() : from);
    }
    const QString room = frame.value("room"_L1).toString();
    return room.isEmpty() ? general() : m_conversations.room(room);
}

void ChatClient::deliver(Conversation *conversation, std::vector<ChatEntry> rows)
{
    int fresh = 0;
    bool addressed = false;
    for (const ChatEntry &entry : rows) {
        const bool message
            = entry.kind == ChatEntry::Kind::Message || entry.kind == ChatEntry::Kind::Private;
        // The server counts a room's unread, not a private conversation's.
        const bool counted = conversation->isRoom() && entry.id <= m_replayedUpTo;
        if (!message || entry.own || counted) {
            continue;
        }
        ++fresh;
        const bool toMe = entry.kind == ChatEntry::Kind::Private || mentionsMe(entry.text);
        addressed = addressed || toMe;
        if (toMe && !conversation->isMuted()) {
            emit attention(entry.kind == ChatEntry::Kind::Private
                    ? tr("Private message from %1").arg(entry.from)
                    : tr("%1 mentioned you in %2").arg(entry.from, conversation->name()),
                entry.text);
        }
    }
    conversation->messages()->append(std::move(rows));
    if (conversation == current() && m_viewing) {
        seen(conversation);
    } else {
        conversation->addUnread(fresh, addressed);
    }
}

void ChatClient::load(Conversation *conversation)
{
    if (!isOnline()) {
        return;
    }
    if (conversation->isRoom() && conversation->isMember()
        && conversation->details() == Conversation::Fetch::NotAsked) {
        // A join of a room one is in changes nothing on the server; its answer tells who is in
        // it now (and counts as a read, not as chat).
        conversation->setDetails(Conversation::Fetch::Asked);
        m_connection.send(Frames::join(conversation->name()));
    }
    if (conversation->history() == Conversation::Fetch::NotAsked) {
        conversation->setHistory(Conversation::Fetch::Asked);
        m_connection.send(conversation->isRoom()
                ? Frames::roomHistoryRequest(conversation->name(), 0)
                : Frames::conversationHistoryRequest(conversation->name(), 0));
    }
}

void ChatClient::seen(Conversation *conversation)
{
    if (conversation != current() || !m_viewing
        || conversation->history() != Conversation::Fetch::Loaded) {
        return;
    }
    if (conversation->unread() > 0) {
        conversation->placeUnreadMarker();
        conversation->markRead();
    }
    if (conversation->isRoom() && isAccount()
        && conversation->messages()->maxId() > conversation->reportedRead()) {
        if (!m_unreported.contains(conversation->key())) {
            m_unreported.append(conversation->key());
        }
        if (!m_readTimer.isActive()) {
            reportRead();
            m_readTimer.start();
        }
    }
}

void ChatClient::reportRead()
{
    if (!isOnline()) {
        return; // kept for the next welcome
    }
    // A few per tick: reads count against chat's allowance, and the rest wait for the next.
    constexpr int PerTick = 3;
    for (int sent = 0; sent < PerTick && !m_unreported.isEmpty();) {
        Conversation *room = m_conversations.room(m_unreported.takeFirst());
        const qint64 newest = room ? room->messages()->maxId() : 0;
        if (room && newest > room->reportedRead()) {
            room->setReportedRead(newest);
            m_connection.send(Frames::read(room->name(), newest));
            ++sent;
        }
    }
    if (!m_unreported.isEmpty()) {
        m_readTimer.start();
    }
}

void ChatClient::syncConversations(const QJsonObject &welcome, bool resumed)
{
    const bool account = isAccount();
    QSet<QString> listed;
    for (const QJsonValue &value : welcome.value("rooms"_L1).toArray()) {
        const QJsonObject room = value.toObject();
        Conversation *conversation = m_conversations.addRoom(room.value("room"_L1).toString());
        conversation->members()->setSelf(name());
        conversation->setMember(true);
        conversation->setTopic(room.value("topic"_L1).toString());
        conversation->setPrivate(room.value("private"_L1).toBool());
        if (account) { // a guest's count is the server's 0: the one here is truer
            conversation->setUnread(room.value("unread"_L1).toInt());
        }
        listed.insert(conversation->key());
    }
    for (Conversation *conversation : m_conversations.rooms()) {
        if (listed.contains(conversation->key()) || !conversation->isMember()) {
            continue;
        }
        if (!account && resumed) {
            // A guest that reconnects is a new session, in general alone: back into its rooms,
            // before anything unsent goes to them (a private one needs a new invitation).
            conversation->setDetails(Conversation::Fetch::Asked);
            m_connection.send(Frames::join(conversation->name()));
        } else if (conversation == general()) {
            conversation->setMember(false); // left, and kept readable (see general())
        } else {
            // Left on another device while this one was away.
            if (conversation == current()) {
                setCurrent(general());
            }
            m_conversations.remove(conversation);
        }
    }
    // Everyone online is in welcome; it is general's member list.
    general()->members()->setSelf(name());
    general()->members()->reset(toStringList(welcome.value("users"_L1)));
    if (general()->isMember()) {
        general()->setDetails(Conversation::Fetch::Loaded);
    }
    if (account) {
        for (const QString &person : memory().directs()) {
            openDirect(person);
        }
    }
    for (Conversation *conversation : m_conversations.all()) {
        applyPreferences(conversation); // the account is known only now
    }
}

ConversationMemory ChatClient::memory() const
{
    return ConversationMemory(isAccount() ? credentialKey() : QString());
}

void ChatClient::applyPreferences(Conversation *conversation)
{
    const QScopedValueRollback applying(m_applyingPreferences, true); // not a new choice
    memory().apply(conversation);
}

void ChatClient::rememberDirects() const
{
    QStringList people;
    for (Conversation *conversation : m_conversations.all()) {
        if (!conversation->isRoom()) {
            people.append(conversation->name());
        }
    }
    memory().setDirects(people);
}

void ChatClient::onRoom(const QJsonObject &frame)
{
    Conversation *conversation = m_conversations.addRoom(frame.value("room"_L1).toString());
    conversation->setTopic(frame.value("topic"_L1).toString());
    conversation->setPrivate(frame.value("private"_L1).toBool());
    conversation->members()->setSelf(name());
    conversation->members()->reset(toStringList(frame.value("members"_L1)));
    conversation->setDetails(Conversation::Fetch::Loaded);
    conversation->setMember(true);
    if (conversation->history() != Conversation::Fetch::Loaded) {
        conversation->setUnread(frame.value("unread"_L1).toInt());
    }
    if (conversation->key() == m_joining) {
        m_joining.clear();
        setCurrent(conversation);
        emit roomOpened(conversation);
    }
}

void ChatClient::onHistory(const QJsonObject &frame)
{
    Conversation *conversation = frame.contains("with"_L1)
        ? m_conversations.direct(frame.value("with"_L1).toString())
        : frame.contains("room"_L1) ? m_conversations.room(frame.value("room"_L1).toString())
                                    : general();
    if (!conversation) {
        return; // left meanwhile
    }
    std::vector<ChatEntry> older;
    for (const QJsonValue &message : frame.value("messages"_L1).toArray()) {
        older.push_back(chatEntry(message.toObject()));
    }
    conversation->messages()->insertHistory(0, std::move(older));
    conversation->setHasOlder(frame.value("more"_L1).toBool());
    conversation->setFetchingOlder(false);
    if (conversation->history() != Conversation::Fetch::Loaded) {
        conversation->setHistory(Conversation::Fetch::Loaded);
        seen(conversation);
    }
}

void ChatClient::onPresence(const QJsonObject &frame, bool joined)
{
    const QString person = frame.value("name"_L1).toString();
    const QString room = frame.value("room"_L1).toString();
    const bool me = person.compare(name(), Qt::CaseInsensitive) == 0;
    Conversation *conversation = room.isEmpty() ? general() : m_conversations.room(room);
    if (me && joined && !conversation) {
        // Joined on another device: shown here too.
        conversation = m_conversations.addRoom(room);
        conversation->members()->setSelf(name());
    }
    if (me && joined && conversation) {
        conversation->setMember(true);
    }
    if (!conversation) {
        return;
    }
    if (me && !joined && frame.value("reason"_L1).toString() == "part"_L1) {
        if (conversation == current()) {
            setCurrent(general());
        }
        conversation->setMember(false);
        if (conversation == general()) {
            conversation->members()->reset({});
            addNotice(conversation, tr("You left %1.").arg(conversation->name()));
        } else {
            addNotice(tr("You left %1.").arg(conversation->name()));
            m_conversations.remove(conversation);
        }
        return;
    }
    ChatEntry entry;
    entry.msecsSinceEpoch = parseTimestamp(frame.value("ts"_L1));
    entry.from = person;
    if (joined) {
        entry.kind = ChatEntry::Kind::Joined;
        conversation->members()->add(person);
    } else {
        entry.kind = ChatEntry::Kind::Left;
        entry.text = frame.value("reason"_L1).toString();
        conversation->members()->remove(person);
    }
    if (conversation->showsPresence()) {
        std::vector<ChatEntry> rows;
        rows.push_back(std::move(entry));
        deliver(conversation, std::move(rows));
    }
}

void ChatClient::onTopic(const QJsonObject &frame)
{
    Conversation *conversation = m_conversations.room(frame.value("room"_L1).toString());
    if (!conversation) {
        return;
    }
    const QString topic = frame.value("topic"_L1).toString();
    conversation->setTopic(topic);
    const QString by = frame.value("by"_L1).toString();
    addNotice(conversation,
        topic.isEmpty() ? tr("%1 cleared the topic.").arg(by)
                        : tr("%1 set the topic: %2").arg(by, topic));
}

Conversation *ChatClient::onRefusal(const QJsonObject &frame)
{
    const QString codeName = frame.value("code"_L1).toString();
    const ErrorCode code = Protocol::errorCodeFromName(codeName);
    const QString message = frame.value("message"_L1).toString();
    const QString room = frame.value("room"_L1).toString();
    const QString with = frame.value("with"_L1).toString();
    Conversation *about = !room.isEmpty() ? m_conversations.room(room)
        : !with.isEmpty()                 ? m_conversations.direct(with)
                                          : nullptr;
    // The answer to a join or create the person asked for. Refusals of its topic, or of the
    // request itself for flooding, name no room.
    const bool unnamed = room.isEmpty() && with.isEmpty() && !frame.contains("cid"_L1)
        && (code == ErrorCode::RateLimited || code == ErrorCode::BadText
            || code == ErrorCode::TextTooLong);
    if (!m_joining.isEmpty() && (Conversation::keyOf(room) == m_joining || unnamed)) {
        emit joinFailed(std::exchange(m_joining, {}), codeName, message);
    }
    if (!room.isEmpty()) {
        emit roomRequestFailed(room, codeName, message);
    }
    if (!about) {
        return current();
    }
    switch (code) {
    case ErrorCode::RateLimited: {
        // What the client asked by itself (a first page, who is in a room) is asked again
        // shortly, without troubling the person; an older page, when they scroll up again.
        const bool automatic = about->history() == Conversation::Fetch::Asked
            || about->details() == Conversation::Fetch::Asked || about->isFetchingOlder();
        about->forgetRequests();
        if (automatic) {
            m_retryTimer.start();
            return nullptr;
        }
        break;
    }
    case ErrorCode::NoSuchUser:
        // Nobody on the other end: nothing to page, and nothing more to ask.
        about->setHistory(Conversation::Fetch::Loaded);
        about->setHasOlder(false);
        seen(about);
        break;
    case ErrorCode::NotMember:
    case ErrorCode::NotInvited:
    case ErrorCode::NoSuchRoom:
        about->setMember(false);
        break;
    default:
        break;
    }
    return about;
}

bool ChatClient::joinRoom(const QString &room)
{
    if (Conversation *known = m_conversations.room(room); known && known->isMember()) {
        setCurrent(known); // in it already
        emit roomOpened(known);
        return true;
    }
    if (!sendFrame(Frames::join(room))) {
        return false;
    }
    m_joining = Conversation::keyOf(room);
    return true;
}

bool ChatClient::createRoom(const QString &room, const QString &topic, bool isPrivate)
{
    if (!sendFrame(Frames::create(room, isPrivate, topic))) {
        return false;
    }
    m_joining = Conversation::keyOf(room);
    return true;
}

bool ChatClient::partRoom(const QString &room)
{
    return sendFrame(Frames::part(room));
}

bool ChatClient::setTopic(const QString &room, const QString &topic)
{
    return sendFrame(Frames::topic(room, topic));
}

bool ChatClient::invite(const QString &room, const QString &name)
{
    return sendFrame(Frames::invite(room, name));
}

bool ChatClient::requestRoomList()
{
    return sendFrame(Frames::roomsRequest());
}

QString ChatClient::roomListText(const QJsonArray &rooms)
{
    QStringList lines{tr("Rooms (/join ROOM to go to one):")};
    for (const QJsonValue &value : rooms) {
        const QJsonObject room = value.toObject();
        const int members = room.value("members"_L1).toInt();
        QString line = u"  %1%2 — %3"_s.arg(room.value("private"_L1).toBool() ? u"🔒 "_s : u"#"_s,
            room.value("room"_L1).toString(),
            members == 1 ? tr("1 member") : tr("%1 members").arg(members));
        if (room.value("joined"_L1).toBool()) {
            line += tr(", joined");
        }
        if (const QString topic = room.value("topic"_L1).toString(); !topic.isEmpty()) {
            line += u": "_s + topic;
        }
        lines.append(line);
    }
    return lines.join(u'\n');
}

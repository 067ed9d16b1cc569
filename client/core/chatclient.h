#pragma once

#include "chatconnection.h"
#include "conversationrouter.h"
#include "credentialstore.h"
#include "frametype.h"
#include "leaderboardmodel.h"
#include "messagemodel.h"
#include "quizstate.h"
#include "userlistmodel.h"

#include <QObject>
#include <QTimer>

// The client core: everything the desktop client does, without a widget in sight. It owns the
// connection and the models the widgets render, turns server frames into model updates, and
// turns what the person does (typing, buttons) into frames. Tests drive it directly.
//
// History: on connecting it fetches the latest messages from the server's history; a reconnect
// resumes from the newest id it has (ChatConnection), so the view has no gap and no duplicate.
// Every message typed gets a cid and shows as pending until the server's copy arrives; typed
// while the connection is down, it waits and is sent once the connection is back. The cid makes
// the server post it once, however often it is sent.
//
// Accounts: signIn() sends the password once; the token the server answers with goes to the
// CredentialStore, and resumeSession() (the next start) signs in with it without asking. A
// token the server refuses, a session it revokes (the password changed elsewhere) and signOut()
// all forget the token and end in sessionEnded(): no reconnecting, the person must sign in.
//
// Rooms and private conversations: every message goes to its Conversation (the room it names,
// or the other person of a dm); the person looks at one, current(). A conversation's first page
// of history and, for a room, its members and topic (a join, which the server answers for a
// room one is in already) are fetched when it is first shown, so signing in to an account in
// many rooms does not ask for all of them at once. Notices (connection, account, errors) go to
// the current conversation, where the person is looking. The private conversations of an
// account are remembered on this computer, so the sidebar lists them again at the next start,
// and so are the rooms and conversations it muted or hid joins and leaves in.
class ChatClient : public QObject
{
    Q_OBJECT

public:
    using State = ChatConnection::State;
    // Why an account's session ended for good.
    enum class SessionEnd {
        SignedOut, // signOut(): the token was revoked (or, offline, forgotten here)
        Revoked, // the password was changed elsewhere (bye "session_revoked")
        TokenRejected, // the saved token was refused: revoked or expired while we were away
    };
    Q_ENUM(SessionEnd)
    // What is wrong with a new password, checked before anything is sent.
    enum class PasswordProblem { None, TooShort, TooLong, Mismatch };
    Q_ENUM(PasswordProblem)
    // The server's limits on a new password (docs/PROTOCOL.md, register).
    static constexpr int MinPasswordLength = 8;
    static constexpr int MaxPasswordBytes = 1024;

    explicit ChatClient(QObject *parent = nullptr);

    // Joins as a guest.
    void connectToServer(const QString &host, quint16 port, const QString &name,
        bool retryFirstConnect = false, bool tls = false);
    // Signs in to the account name; the password is sent once and not kept.
    void signIn(const QString &host, quint16 port, const QString &name, const QString &password,
        bool tls = false);
    // Joins as the guest name and makes it an account with this password; online only once
    // the account exists (registrationRefused otherwise).
    void createAccount(const QString &host, quint16 port, const QString &name,
        const QString &password, bool tls = false);
    // Signs in with the token kept for this server and name; savedSignInMissing() if none is.
    void resumeSession(const QString &host, quint16 port, const QString &name, bool tls = false,
        bool retryFirstConnect = true);
    // Says quit and closes; no reconnecting. The saved sign-in stays for the next start.
    void leave();
    // Revokes the token on the server (logout) and forgets it here; ends in sessionEnded().
    // Reconnecting, or if the connection drops first, logout goes after the next welcome.
    void signOut();
    // As a guest, online: the name becomes an account (accountCreated or accountRequestFailed).
    bool registerAccount(const QString &password);
    // As an account, online: passwordChanged or accountRequestFailed.
    bool changePassword(const QString &oldPassword, const QString &newPassword);
    static PasswordProblem checkNewPassword(const QString &password, const QString &repeat);

    // What the person typed in the entry field: chat, "%NAME%text", "/msg NAME text" or another
    // slash command (/help lists them). Returns false, with a notice in the history, when
    // nothing could be sent (offline, empty, bad command).
    bool submit(const QString &input);
    bool say(const QString &text);
    bool sendPrivate(const QString &to, const QString &text);
    bool requestTime(const QString &query, const QString &zone = {});
    bool startQuiz();
    bool answerQuiz(const QString &answer);
    bool stopQuiz();
    bool requestLeaderboard();
    // Asks for the page of history before the oldest message shown (the view calls it when
    // the reader scrolls to the top). False when there is nothing more, or a page is on its way.
    bool fetchOlder();
    bool fetchOlder(Conversation *conversation) { return m_router.fetchOlder(conversation); }
    bool hasOlder() const { return current()->hasOlder(); }

    // Rooms and private conversations (ConversationRouter).
    ConversationList *conversations() { return m_router.conversations(); }
    // Where typed messages go and notices appear; general after a sign-in.
    Conversation *current() const { return m_router.current(); }
    void setCurrent(Conversation *conversation) { m_router.setCurrent(conversation); }
    Conversation *general() const { return m_router.general(); }
    // The private conversation with name (made, and remembered, if there is none; nothing is
    // sent until something is said in it).
    Conversation *openDirect(const QString &name) { return m_router.openDirect(name); }
    // Takes a private conversation off the list (its messages stay on the server; it comes
    // back with the next message, or when opened again).
    void closeDirect(Conversation *conversation) { m_router.closeDirect(conversation); }
    // Whether the person sees the current conversation (the window is active): its messages
    // then count as read, and the server is told so.
    void setViewing(bool viewing) { m_router.setViewing(viewing); }
    bool isViewing() const { return m_router.isViewing(); }
    // Joins (or makes) a public room; once the server answers, it becomes the current one.
    bool joinRoom(const QString &room) { return m_router.joinRoom(room); }
    bool createRoom(const QString &room, const QString &topic, bool isPrivate)
    {
        return m_router.createRoom(room, topic, isPrivate);
    }
    bool partRoom(const QString &room) { return m_router.partRoom(room); }
    bool setTopic(const QString &room, const QString &topic)
    {
        return m_router.setTopic(room, topic);
    }
    bool invite(const QString &room, const QString &name) { return m_router.invite(room, name); }
    // Asks for every room one may join (roomListReceived).
    bool requestRoomList() { return m_router.requestRoomList(); }

    State state() const { return m_connection.state(); }
    bool isOnline() const { return state() == State::Online; }
    QString name() const { return m_connection.name(); }
    QString host() const { return m_connection.host(); }
    quint16 port() const { return m_connection.port(); }
    int roundTripMs() const { return m_connection.roundTripMs(); }
    bool isAccount() const { return m_connection.isAccount(); }
    // Where the token of this server and name is kept.
    QString credentialKey() const;

    ChatConnection &connection() { return m_connection; }
    CredentialStore &credentials() { return m_credentials; }
    // The current conversation's messages.
    MessageModel *messages() { return current()->messages(); }
    // Who is online in general (everyone, unless they left it).
    UserListModel *users() { return general()->members(); }
    QuizState *quiz() { return &m_quiz; }
    LeaderboardModel *leaderboard() { return &m_leaderboard; }

signals:
    void stateChanged(ChatClient::State state);
    void registrationRefused(const QString &code, const QString &message);
    // Signed in to an account or as a guest (welcome), or a guest's name became an account.
    void accountChanged(bool account);
    void accountCreated();
    void passwordChanged();
    // register or password was refused (code: weak_password, auth_failed, too_many_attempts, ...),
    // or went unanswered because the connection dropped (code empty; message for people).
    void accountRequestFailed(const QString &code, const QString &message);
    void sessionEnded(ChatClient::SessionEnd why, const QString &message);
    // A moderator kicked or banned the person (reason "kicked" or "banned"): disconnected, and
    // not reconnecting by itself; message says who and why, for the window to show.
    void removed(const QString &reason, const QString &message);
    void savedSignInMissing();
    void connectFailed(const QString &message);
    void roundTripChanged(int ms);
    void certificateNeedsTrust(
        const QSslCertificate &certificate, const QByteArray &fingerprint, bool changed);
    // A time frame, or a time error (code unknown_query / unknown_zone).
    void timeReceived(const QJsonObject &reply);
    void timeFailed(const QString &code, const QString &message);
    // Something addressed to the person: a private message or a mention of their name.
    void attention(const QString &title, const QString &text);
    void currentChanged(Conversation *conversation);
    // /quit was typed (the client has left): the window offers a way back.
    void leaveCommanded();
    // /help was typed: the window shows its own help.
    void helpRequested();
    // /quiz, /stop or /top was typed: the Quiz tab shows the answer.
    void quizCommanded();
    void roomListReceived(const QJsonArray &rooms);
    // A request about a room was refused (code: room_exists, not_invited, not_owner, ...).
    void roomRequestFailed(const QString &room, const QString &code, const QString &message);
    // The join or create the person asked for (joinRoom, createRoom) was refused.
    void joinFailed(const QString &room, const QString &code, const QString &message);
    void invited(const QString &room, const QString &by);
    // The room the person asked to join or create (joinRoom, createRoom) is shown now.
    void roomOpened(Conversation *conversation);

private:
    enum class AccountRequest { None, Register, Password };

    // Every way in: forgets what an earlier attempt was waiting for.
    void open(const QString &host, quint16 port, const ChatConnection::SignIn &signIn,
        bool retryFirstConnect, bool tls);
    void onWelcome(const QJsonObject &welcome);
    void onSessionEnded(SessionEnd why, const QString &token, const QString &message);
    // After the connection closed: nobody is online, and unsent chat is shown as not sent.
    void dropSession();
    void onFrames(const QList<QJsonObject> &frames);
    void addNotice(const QString &text, ChatEntry::Kind kind = ChatEntry::Kind::Notice);
    bool sendFrame(const QJsonObject &frame);
    // Shows a say or dm as pending and sends it, now or once the connection is back.
    bool post(QJsonObject frame);
    // The server answered the say or dm with this cid (its copy, or an error): it is not sent
    // again, and its pending row goes (returned, if there was one).
    std::optional<ChatEntry> settle(const QString &cid);
    // A time answer in words, for the chat.
    static QString timeText(const QJsonObject &reply);

    ChatConnection m_connection;
    QString m_removal; // the notice that told the person they were kicked or banned
    CredentialStore m_credentials;
    ConversationRouter m_router;
    QuizState m_quiz;
    LeaderboardModel m_leaderboard;
    bool m_welcomedBefore = false;
    QList<QJsonObject> m_unconfirmed; // says and dms not yet answered by the server, in order
    QList<Protocol::FrameType> m_typed; // commands typed, answered in the chat when they come
    AccountRequest m_accountRequest = AccountRequest::None; // register or password, unanswered
    int m_attempt = 0; // counts ways in, so a late saved-token read does not start a stale one
    QTimer m_signOutTimer; // a server that does not answer logout is not waited on forever
    QString m_signOutToken; // the token signOut() is revoking, until the session has ended
};

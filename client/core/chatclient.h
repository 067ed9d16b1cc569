#pragma once

#include "chatconnection.h"
#include "leaderboardmodel.h"
#include "messagemodel.h"
#include "quizstate.h"
#include "userlistmodel.h"

#include <QObject>

// The client core: everything the desktop client does, without a widget in sight. It owns the
// connection and the models the widgets render, turns server frames into model updates, and
// turns what the person does (typing, buttons) into frames. Tests drive it directly.
//
// History: on connecting it fetches the latest messages from the server's history; a reconnect
// resumes from the newest id it has (ChatConnection), so the view has no gap and no duplicate.
// Every message typed gets a cid and shows as pending until the server's copy arrives; typed
// while the connection is down, it waits and is sent once the connection is back. The cid makes
// the server post it once, however often it is sent.
class ChatClient : public QObject
{
    Q_OBJECT

public:
    using State = ChatConnection::State;

    explicit ChatClient(QObject *parent = nullptr);

    void connectToServer(const QString &host, quint16 port, const QString &name,
        bool retryFirstConnect = false, bool tls = false);
    // Says quit and closes; no reconnecting.
    void leave();

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
    bool hasOlder() const { return m_hasOlder; }

    State state() const { return m_connection.state(); }
    bool isOnline() const { return state() == State::Online; }
    QString name() const { return m_connection.name(); }
    QString host() const { return m_connection.host(); }
    quint16 port() const { return m_connection.port(); }
    int roundTripMs() const { return m_connection.roundTripMs(); }

    ChatConnection &connection() { return m_connection; }
    MessageModel *messages() { return &m_messages; }
    UserListModel *users() { return &m_users; }
    QuizState *quiz() { return &m_quiz; }
    LeaderboardModel *leaderboard() { return &m_leaderboard; }

signals:
    void stateChanged(ChatClient::State state);
    void registrationRefused(const QString &code, const QString &message);
    void connectFailed(const QString &message);
    void roundTripChanged(int ms);
    void certificateNeedsTrust(
        const QSslCertificate &certificate, const QByteArray &fingerprint, bool changed);
    // A time frame, or a time error (code unknown_query / unknown_zone).
    void timeReceived(const QJsonObject &reply);
    void timeFailed(const QString &code, const QString &message);
    // New chat rows arrived (for unread counts).
    void chatActivity(int newRows);
    // Something addressed to the person: a private message or a mention of their name.
    void attention(const QString &title, const QString &text);

private:
    void onWelcome(const QJsonObject &welcome);
    void onFrames(const QList<QJsonObject> &frames);
    void addNotice(const QString &text, ChatEntry::Kind kind = ChatEntry::Kind::Notice);
    bool sendFrame(const QJsonObject &frame);
    // Shows a say or dm as pending and sends it, now or once the connection is back.
    bool post(QJsonObject frame);
    ChatEntry chatEntry(const QJsonObject &frame) const;
    // The server answered the say or dm with this cid (its copy, or an error): it is not sent
    // again, and its pending row goes (returned, if there was one).
    std::optional<ChatEntry> settle(const QString &cid);
    bool mentionsMe(const QString &text) const;

    ChatConnection m_connection;
    MessageModel m_messages;
    UserListModel m_users;
    QuizState m_quiz;
    LeaderboardModel m_leaderboard;
    bool m_welcomedBefore = false;
    QList<QJsonObject> m_unconfirmed; // says and dms not yet answered by the server, in order
    int m_historyRow = -1; // where fetched history goes: above the "Connected" notice
    bool m_hasOlder = false; // the server has history before the oldest message shown
    bool m_fetchingOlder = false; // a page for the top of the view is on its way
};

#pragma once

#include "authenticator.h"
#include "chatbudgets.h"
#include "chatroom.h"
#include "floodguard.h"
#include "frametype.h"
#include "hostedclient.h"
#include "metrics.h"
#include "moderationstore.h"
#include "outbox.h"
#include "pasteguard.h"
#include "servercontext.h"
#include "servicedesk.h"
#include "wireformat.h"

#include <QBasicTimer>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>

#include <array>
#include <memory>

class Connection;
class WorkerHost;

// One client's conversation with the server: the protocol's state machine and a handler per
// frame type. It owns the client's Connection (bytes), WireFormat (JSON or plain text, chosen
// by the first line) and ServiceDesk (echo, time, quiz), and writes out what the room queues
// in its Outbox. It lives in its WorkerHost's thread and deletes itself once the connection is
// over.
//
//   AwaitingHello --hello--> Authenticating --ok--> Registered --quit, logout, timeout, flood,
//         ^                        |                        revoked, kicked, banned, bye--> Closing
//         \____ auth error, banned account ____/                                           |
//          \________________ errors, shutdown, end of input, banned address _______> Closed
//
// Who it is comes from its Authenticator; while an account step is out (a password hash, an
// account read) the session reads no further input, so a client's frames keep their order.
//
// Its file is past 400 lines because every frame type has a handler here, each a few lines;
// the work they hand on lives in ChatRoom, Authenticator and ServiceDesk.
class Session : public HostedClient
{
    Q_OBJECT

public:
    enum class State { AwaitingHello, Authenticating, Registered, Closing, Closed };

    Session(qintptr descriptor, const ServerContext &context, WorkerHost *host);
    ~Session() override;

    // In the session's thread: connect them, or call them with invokeMethod.
    void start() override;
    void shutdown(const QString &reason);
    void flushOutbox() override;

    State state() const { return m_state; }

private:
    using Handler = void (Session::*)(const QJsonObject &frame);
    struct Route
    {
        Handler handler = nullptr;
        bool needsName = true;
    };
    static const std::array<Route, Protocol::FrameTypeCount> &routes();

    void handleLine(const QByteArray &line);
    void handleFrame(const QJsonObject &frame);
    void onHello(const QJsonObject &frame);
    void onSay(const QJsonObject &frame);
    void onDm(const QJsonObject &frame);
    void onHistory(const QJsonObject &frame);
    void onUsers(const QJsonObject &frame);
    void onPing(const QJsonObject &frame);
    void onPong(const QJsonObject &frame);
    void onQuit(const QJsonObject &frame);
    void onRegister(const QJsonObject &frame);
    void onPassword(const QJsonObject &frame);
    void onLogout(const QJsonObject &frame);
    void onRooms(const QJsonObject &frame);
    void onJoin(const QJsonObject &frame);
    void onPart(const QJsonObject &frame);
    void onCreate(const QJsonObject &frame);
    void onInvite(const QJsonObject &frame);
    void onTopic(const QJsonObject &frame);
    void onRead(const QJsonObject &frame);
    // kick, ban, unban, mute, unmute, announce, motd, grant and bans: the Moderator's, on the
    // store thread.
    void onModeration(const QJsonObject &frame);
    // A moderator put this connection out (ChatRoom::dismiss): the notice, then bye.
    void dismissed(const QJsonObject &notice, const QString &reason);
    // muted (false) if a moderator muted this person.
    bool admitUnmuted(const QString &cid);
    // After the credentials proved right: the database's bans and role for this sign-in.
    void checkStanding(const Authenticator::Outcome &outcome, std::optional<qint64> since);
    // Tells the client it is banned: a person may try another name, an address goes.
    void refuseBanned(const ModerationStore::Ban &ban);
    // The history page of the private conversation with name.
    void historyWith(const QString &name, const MessageStore::Query &query);
    // Refuses (with an error) a topic that is too long or holds control characters.
    bool admitTopic(const QString &topic);
    // Says why a room refused (nothing for None).
    void sendRoomError(Protocol::ErrorCode code, const QString &room, const QString &cid = {});
    void onSignedIn(const Authenticator::Outcome &outcome, std::optional<qint64> since,
        Protocol::Role role = Protocol::Role::None);
    // A dm to someone not online: an account gets it at its next sign-in.
    void sendToOffline(const QString &to, const QString &text, const QString &cid);
    // Tells the client why its dm was not sent, if it was not.
    void refusedDm(const ChatRoom::Posted &sent, const QString &to, const QString &cid);
    // Runs then with the account called name (nothing if there is none), holding input
    // meanwhile.
    void withAccount(
        const QString &name, std::function<void(const std::optional<ChatRoom::Offline> &)> then);
    // no_such_user: name is neither online nor an account.
    // history: the answer to a history request naming the person (with).
    void sendNoSuchUser(const QString &name, bool history = false);
    // The history allowance (--history-rate); a refusal names the room or person asked for.
    bool admitHistoryRequest(const QString &room, const QString &with);
    // Holds input until the account step under way answers; resume() goes on.
    void suspend();
    void resume();
    // Echo, time, the quiz and the leaderboard.
    void onService(const QJsonObject &frame);

    // A token from this person's allowance (ChatBudgets), shared with their other connections.
    // JSON frames may use the top --burst of the chat bucket; a person's paste all of it.
    bool takeChat(bool wholeBucket);
    bool takeHistory();
    bool admitChat(const QString &text, const QString &cid);
    // Counts a say, dm or room request against the flood guard; false (with an error, or a
    // bye for flooding) if it must be refused. A person's lines count by the paste instead.
    bool admitRequest(const QString &cid = {});
    // Tells a person how many lines of a paste were dropped, or disconnects it for flooding.
    void onPasteEnded(const PasteGuard::Paste &paste);
    // The connection is taken for a person at nc (it was asked its name, or its first line was
    // plain text): from then on it has PersonHelloFactor times the hello time, from connecting.
    void givePersonTime();
    // The time to register, from connecting (before any password prompt's second chance).
    qint64 helloAllowanceMs() const;
    // A person who joins sees the last lines said in general, marked as earlier.
    void showRecentHistory();
    void onIdle();
    void onHelloTimeout();
    void timerEvent(QTimerEvent *event) override;
    void onFrameTooLarge(qsizetype maxBytes);
    void onFrameTimedOut();
    void onOverloaded(qint64 unsentBytes);
    void onInputEnded();
    void onClosed();

    const WireFormat &wire() const;
    // Writes frame after whatever the room has queued for this client.
    void send(const QJsonObject &frame);
    // cid: the failed say's or dm's, so the client knows which of its messages was refused.
    // about: fields naming what the error is about (room, with), copied into the frame.
    void sendError(Protocol::ErrorCode code, const QString &message, const QString &cid = {},
        const QJsonObject &about = {});
    void leaveRoom(const QString &reason);
    // Says bye with reason, lets queued bytes drain, then closes. Others see leaveReason.
    void closeWithBye(const QString &reason, const QString &leaveReason);
    void finish();

    const qintptr m_descriptor;
    const ServerContext m_context;
    WorkerHost *const m_host;
    Connection *m_connection = nullptr;
    std::unique_ptr<WireFormat> m_wire; // chosen by the first line
    Outbox m_outbox;
    ServiceDesk m_services;
    QString m_address; // as the sign-in throttle and the allowances count it (throttleAddress)
    FloodGuard m_chatGuard;
    FloodGuard m_historyGuard;
    PasteGuard m_pasteGuard; // instead of m_chatGuard, for a person
    // QBasicTimers (timerEvent): a QTimer is an object and a connection per client, and an
    // idle client has no timer running.
    QBasicTimer m_pasteTimer; // a paste ends when the lines stop for PasteGuard::QuietMs
    QElapsedTimer m_connectedFor;
    QBasicTimer m_idleTimer;
    QBasicTimer m_promptTimer; // silent since connecting: a person at nc is asked their name
    QBasicTimer m_helloTimer; // to register, from connecting (or from being asked for a password)
    State m_state = State::AwaitingHello;
    Authenticator *m_authenticator = nullptr;
    Authenticator::Identity m_identity; // set once registered
    QString m_passwordFor; // plain text: the account whose password the next line is
    bool m_helloExtended = false; // the hello time was given again for a password
    bool m_prompted = false; // asked for a name in plain text, before any line came
    bool m_personTime = false; // given a person's time to register
    qint64 m_member = 0; // the room membership, while in the room
    QString m_room; // the room joined last (a key), where plain text's lines go; empty: general
    bool m_inRoom = false;
    std::optional<Metrics::Mode> m_countedAs; // set while counted as connected
    bool m_pinged = false; // a keep-alive ping is unanswered
    bool m_receivedAny = false;
    bool m_draining = false; // input ended: closing once the room's queued traffic is out
};

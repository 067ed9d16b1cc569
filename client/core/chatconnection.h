#pragma once

#include "framereader.h"
#include "truststore.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QSslError>
#include <QTimer>

class QTcpSocket;

// The client's end of a connection: a QTcpSocket speaking protocol v1, the registration
// handshake, keep-alive pings that measure the round trip, and reconnection with backoff.
//
//   Disconnected --open()--> Connecting --connected--> Registering --welcome--> Online
//   Online --connection lost / server shutdown--> Reconnecting --timer--> Connecting ...
//   Online --bye session_revoked / logout--> Disconnected (no reconnecting: the token is dead)
//   Online --bye kicked / banned--> Disconnected (no reconnecting: a moderator said so)
//   any --close()--> Disconnected
//
// The hello says who we are (SignIn): a name alone for a guest, a name and password, or a
// token. A password is used for one hello and dropped once the server has answered it; the
// welcome then carries a token, and every reconnect after that says hello with the token. To
// create an account the hello goes as a guest and register follows at once; the welcome is
// held back until registered arrives, so the account exists before anyone sees us online.
//
// Each step of signing in (the TCP or TLS connect, the answer to hello, the answer to register)
// gets handshakeTimeout() (10 s): a server that accepts the connection and then says nothing
// ends the attempt, as does one that answers with something that is not a Natter frame (an
// HTTP server) or closes without answering: connectFailed says which, in plain words. Where
// retrying was asked for, or the connection was up before, these are retried like a lost
// connection instead.
//
// A refused name ends the attempt (registrationRefused) unless it happens while reconnecting,
// where it usually means the server has not yet noticed our old connection died: then it
// keeps retrying. A reconnect resumes: hello carries the newest id seen, and the server
// replays everything after it before anything new.
class ChatConnection : public QObject
{
    Q_OBJECT

public:
    enum class State { Disconnected, Connecting, Registering, Online, Reconnecting };
    Q_ENUM(State)

    // Who the hello says we are. With a token the server takes the name from the token (name
    // is only what we expect); with a password, name is the account's; with neither, a guest.
    // createAccount: hello as the guest name, then register it with password.
    struct SignIn
    {
        QString name;
        QString password;
        QString token;
        bool createAccount = false;
    };

    explicit ChatConnection(QObject *parent = nullptr);
    ~ChatConnection() override;

    // retryFirstConnect: keep trying when the server cannot be reached at first (the command
    // line's --host), instead of reporting connectFailed (the connect dialog). tls: connect
    // with TLS; a certificate the system does not trust must be in the trust store.
    void open(const QString &host, quint16 port, const SignIn &signIn, bool retryFirstConnect,
        bool tls = false);
    // A guest.
    void open(const QString &host, quint16 port, const QString &name, bool retryFirstConnect,
        bool tls = false);
    // Tries the last open() again, with the same sign-in (after the person trusted the
    // server's certificate: the hello was never sent).
    void reopen();
    // Leaves politely (quit) and stays disconnected; forgets the password and the token.
    void close();
    // Sends when online; returns false (and sends nothing) otherwise.
    bool send(const QJsonObject &frame);

    State state() const { return m_state; }
    QString host() const { return m_host; }
    quint16 port() const { return m_port; }
    QString name() const { return m_name; }
    bool usesTls() const { return m_tls; }
    // Signed in to an account (not a guest), as of the last welcome or registered.
    bool isAccount() const { return m_account; }
    // The token the next hello will use (empty: none).
    QString token() const { return m_token; }
    // Whether a new open() should keep retrying: asked for, or the connection was up before.
    bool retriesWhenUnreachable() const { return m_retryFirstConnect || m_wasOnline; }
    TrustStore &trustStore() { return m_trustStore; }
    int roundTripMs() const { return m_roundTripMs; } // -1 until measured
    // The newest message id seen; a reconnect asks the server for everything after it.
    qint64 lastId() const { return m_lastId; }
    int nextRetryMs() const { return m_retryTimer.isActive() ? m_retryTimer.remainingTime() : -1; }
    // Welcomed since the last open(): name() is the one the server gave, not just the one asked
    // for.
    bool hasBeenOnline() const { return m_wasOnline; }

    // For tests: shorter backoff and keep-alive periods.
    void setRetryDelays(int firstMs, int maxMs);
    void setPingInterval(int ms);
    // How long the server has for each step of signing in (10 s; tests shorten it).
    void setHandshakeTimeout(int ms);
    int handshakeTimeout() const { return m_handshakeTimer.interval(); }

signals:
    void stateChanged(ChatConnection::State state);
    void welcomed(const QJsonObject &welcome);
    // Every frame after the welcome, in order, as one batch per read from the socket.
    void framesReceived(const QList<QJsonObject> &frames);
    void registrationRefused(const QString &code, const QString &message);
    // The server gave us a token for the account name (a password sign-in, or registered):
    // the one to keep for the next start.
    void tokenReceived(const QString &name, const QString &token);
    // A hello with this token was answered auth_failed (revoked, or expired): the connection is
    // closed and the token forgotten.
    void tokenRejected(const QString &token, const QString &message);
    // The server ended the session for good (bye reason "session_revoked" or "logout"): no
    // reconnecting, and the token (given here) is worthless now.
    void sessionEnded(const QString &reason, const QString &token);
    // A moderator kicked or banned us (bye reason "kicked" or "banned"): disconnected, and not
    // reconnecting; the token stays good (a ban refuses it until it ends).
    void removed(const QString &reason);
    void connectFailed(const QString &message);
    // Online until now; reconnecting from here (reason is for people).
    void connectionLost(const QString &reason);
    void roundTripChanged(int ms);
    // The server's certificate is not trusted by the system nor yet by the person (changed:
    // it differs from the one they trusted before: a warning sign). The attempt has ended;
    // trust it in trustStore() and open() again to go on.
    void certificateNeedsTrust(
        const QSslCertificate &certificate, const QByteArray &fingerprint, bool changed);

private:
    void setState(State state);
    void connectSocket();
    // Ends the socket (saying quit first if the server is listening for frames) and the timers.
    void disconnectSocket(bool sayQuit);
    void sendHello();
    void onRegisteringFrame(const QJsonObject &frame, QList<QJsonObject> &batch);
    void onRegisteringError(const QJsonObject &frame);
    void goOnline(const QJsonObject &welcome);
    void onConnected();
    void onSslErrors(const QList<QSslError> &errors);
    void onReadyRead();
    void onSocketGone();
    void onHandshakeTimeout();
    // What came is no Natter frame, before the welcome (line: the first one, for the message).
    void onNotNatter(const QByteArray &line);
    // The attempt under way ended before the welcome: reported (connectFailed with message),
    // or retried (reason) where retrying was asked for or the connection was up before.
    void failAttempt(const QString &message, const QString &reason);
    void handle(const QJsonObject &frame, QList<QJsonObject> &batch);
    void scheduleRetry(const QString &reason);
    void sendPing();

    QTcpSocket *m_socket = nullptr;
    FrameReader m_reader;
    QTimer m_retryTimer;
    QTimer m_pingTimer;
    QTimer m_handshakeTimer; // runs from connectSocket() to the welcome, restarted at each step
    QElapsedTimer m_pingClock;
    QString m_host;
    QString m_name;
    QString m_password; // until the server has answered the hello (or register) that uses it
    QString m_token;
    bool m_createAccount = false;
    bool m_account = false;
    // While creating an account: the welcome, and what followed it, until registered arrives.
    QJsonObject m_heldWelcome;
    QList<QJsonObject> m_heldFrames;
    quint16 m_port = 0;
    State m_state = State::Disconnected;
    int m_attempt = 0;
    int m_firstRetryMs = 500;
    int m_maxRetryMs = 15000;
    int m_roundTripMs = -1;
    bool m_retryFirstConnect = false;
    bool m_tls = false;
    TrustStore m_trustStore;
    bool m_wasOnline = false; // since open(): decides retry versus failure
    qint64 m_lastId = -1; // the newest message id received; -1 before the first welcome
    bool m_pingOutstanding = false;
};

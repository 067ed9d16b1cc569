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
//   any --close()--> Disconnected
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

    explicit ChatConnection(QObject *parent = nullptr);
    ~ChatConnection() override;

    // retryFirstConnect: keep trying when the server cannot be reached at first (the command
    // line's --host), instead of reporting connectFailed (the connect dialog). tls: connect
    // with TLS; a certificate the system does not trust must be in the trust store.
    void open(const QString &host, quint16 port, const QString &name, bool retryFirstConnect,
        bool tls = false);
    // Leaves politely (quit) and stays disconnected.
    void close();
    // Sends when online; returns false (and sends nothing) otherwise.
    bool send(const QJsonObject &frame);

    State state() const { return m_state; }
    QString host() const { return m_host; }
    quint16 port() const { return m_port; }
    QString name() const { return m_name; }
    bool usesTls() const { return m_tls; }
    // Whether a new open() should keep retrying: asked for, or the connection was up before.
    bool retriesWhenUnreachable() const { return m_retryFirstConnect || m_wasOnline; }
    TrustStore &trustStore() { return m_trustStore; }
    int roundTripMs() const { return m_roundTripMs; } // -1 until measured
    // The newest message id seen; a reconnect asks the server for everything after it.
    qint64 lastId() const { return m_lastId; }
    int nextRetryMs() const { return m_retryTimer.isActive() ? m_retryTimer.remainingTime() : -1; }

    // For tests: shorter backoff and keep-alive periods.
    void setRetryDelays(int firstMs, int maxMs);
    void setPingInterval(int ms);

signals:
    void stateChanged(ChatConnection::State state);
    void welcomed(const QJsonObject &welcome);
    // Every frame after the welcome, in order, as one batch per read from the socket.
    void framesReceived(const QList<QJsonObject> &frames);
    void registrationRefused(const QString &code, const QString &message);
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
    void onConnected();
    void onSslErrors(const QList<QSslError> &errors);
    void onReadyRead();
    void onSocketGone();
    void handle(const QJsonObject &frame, QList<QJsonObject> &batch);
    void scheduleRetry(const QString &reason);
    void sendPing();

    QTcpSocket *m_socket = nullptr;
    FrameReader m_reader;
    QTimer m_retryTimer;
    QTimer m_pingTimer;
    QElapsedTimer m_pingClock;
    QString m_host;
    QString m_name;
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

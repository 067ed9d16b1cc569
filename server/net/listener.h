#pragma once

#include "connection.h"
#include "connectionthrottle.h"
#include "protocol.h"

#include <QBasicTimer>
#include <QElapsedTimer>
#include <QHash>
#include <QSet>
#include <QTcpServer>

#include <functional>

class HostedClient;
class QThread;
class WorkerHost;

// Accepts connections and gives each one to an object made by a factory (the server's Session),
// living in a thread of its own by default, or with workerThreads K on the least busy of K
// shared threads. It refuses connections past maxClients, maxPerAddress or maxPerNetwork, or
// coming faster than connectRate allows, with an error and a bye, and counts each client until
// its object is destroyed.
class Listener : public QTcpServer
{
    Q_OBJECT

public:
    struct Options
    {
        int maxClients = 1000;
        int maxPerAddress = 32;
        int maxPerNetwork = 128; // an IPv4 /24, an IPv6 /64 (networkOf)
        ConnectionThrottle::Limits connectRate;
        int workerThreads = 0; // 0: a thread per client
        Connection::Limits limits;
        std::optional<QSslConfiguration> tls;
    };
    // Called in the listener's thread; returns the client that will serve the descriptor in
    // host's thread (the listener moves it there, parents it to the host and starts it).
    using Factory = std::function<HostedClient *(qintptr descriptor, WorkerHost *host)>;

    Listener(Options options, Factory factory, QObject *parent = nullptr);
    ~Listener() override;

    // A configuration reloaded: these limits for the connections from now on (the threads stay
    // as they are, whatever options.workerThreads says).
    void reconfigure(const Options &options);
    // Starts the shared threads (if any) and listens.
    bool start(const QHostAddress &address, quint16 port);
    int connectionCount() const { return int(m_clients.size()); }
    // Stops every thread; clients still there are destroyed with their host.
    void stopThreads();

signals:
    // A client's object is gone; connectionCount() already counts without it.
    void clientFinished();

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    // Refuses the connection (true) if its address or network connects faster than allowed.
    bool refusedForRate(qintptr descriptor, const QHostAddress &peer);
    void refuse(qintptr descriptor, Protocol::ErrorCode code, const QString &message);
    // Logs a refusal for connecting too fast: the first, then at most one line a second.
    void logTooFast(const QString &from, double rate);
    WorkerHost *hostForNewConnection();
    void onClientDestroyed(QObject *client);
    // Gives freed memory back to the system a moment after clients came or went.
    void trimSoon();
    void timerEvent(QTimerEvent *event) override;

    Options m_options;
    const Factory m_factory;
    QSet<QThread *> m_threads; // one per connection, or the pool's
    QList<WorkerHost *> m_pool; // workerThreads > 0: the shared threads' hosts
    struct Client
    {
        QString address; // the peer address it counts against
        QString network; // and the network (networkOf)
        WorkerHost *host = nullptr;
    };
    // By object, which is only a key here: clients live in their threads.
    QHash<QObject *, Client> m_clients;
    QHash<WorkerHost *, int> m_hostLoad; // clients per pool host
    QHash<QString, int> m_perAddress;
    QHash<QString, int> m_perNetwork;
    ConnectionThrottle m_throttle;
    int m_lingeringRefusals = 0; // refused connections still saying why (Connection::close)
    qint64 m_tooFastUnlogged = 0; // refused for their rate since the last line about it
    QElapsedTimer m_tooFastLogged;
    QBasicTimer m_trimTimer;
    qintptr m_descriptorLimit = 1 << 30; // RLIMIT_NOFILE when the listener was made
};

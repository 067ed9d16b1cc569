#pragma once

#include "chatroom.h"
#include "leaderboard.h"
#include "serverconfig.h"
#include "servercontext.h"
#include "storeworker.h"

#include <QHash>
#include <QSet>
#include <QTcpServer>

#include <memory>

class QThread;
class WorkerHost;

// Accepts connections and gives each one a ClientWorker: in a QThread of its own by default, or
// with --worker-threads K on the least busy of K shared threads. It owns the threads and what
// they share (the room, the leaderboard, the store and its thread), refuses connections past
// --max-clients, and on shutdown says bye to every client and waits for every thread; the store
// thread stops last, after storing what is left.
class ChatServer : public QTcpServer
{
    Q_OBJECT

public:
    explicit ChatServer(ServerConfig config, QObject *parent = nullptr);
    ~ChatServer() override;

    // Loads the TLS identity (if configured), opens the history database and listens;
    // startError() says why not.
    bool start();
    QString startError() const { return m_startError; }
    bool usesTls() const { return m_tls.has_value(); }
    // Stops accepting, says bye to every client and emits stopped() once all threads are done.
    void shutdown();

    int connectionCount() const { return int(m_connections.size()); }
    const ChatRoom &room() const { return m_room; }
    Leaderboard &leaderboard() { return *m_leaderboard; }
    const ServerConfig &config() const { return m_config; }

signals:
    void stopped();
    // Reaches every live worker in its own thread; a worker already gone is simply not called.
    void shutdownRequested(const QString &reason);

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    void refuse(qintptr socketDescriptor, Protocol::ErrorCode code, const QString &message);
    // A host for a new connection: a new thread's, or the least busy pool thread's.
    WorkerHost *hostForNewConnection();
    void onWorkerFinished(QObject *worker);
    void onThreadFinished(QThread *thread);
    void stopStore();

    const ServerConfig m_config;
    ChatRoom m_room;
    std::unique_ptr<Leaderboard> m_leaderboard;
    // Not parented: it lives in m_storeThread and is deleted once that thread has stopped.
    std::unique_ptr<StoreWorker> m_store;
    QThread *m_storeThread = nullptr;
    std::optional<QSslConfiguration> m_tls;
    const ServerContext m_context{m_room, *m_leaderboard, *m_store, m_config, m_tls};
    QString m_startError;
    QSet<QThread *> m_threads; // worker threads, one per connection or the pool's
    QList<WorkerHost *> m_pool; // --worker-threads: the shared threads' hosts
    struct Connection
    {
        QString address; // the peer address it counts against
        WorkerHost *host = nullptr;
    };
    // By worker, which is only a key here: workers live in their threads, reached by signals.
    QHash<QObject *, Connection> m_connections;
    QHash<WorkerHost *, int> m_hostLoad; // connections per pool host
    QHash<QString, int> m_perAddress; // connections per peer address
    bool m_shuttingDown = false;
};

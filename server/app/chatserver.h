#pragma once

#include "banlist.h"
#include "chatbudgets.h"
#include "chatroom.h"
#include "fanout.h"
#include "listener.h"
#include "passwordhasher.h"
#include "serverconfig.h"
#include "servercontext.h"
#include "sessionsettings.h"
#include "signinthrottle.h"
#include "storeworker.h"

#include <QObject>
#include <QTimer>

#include <memory>

class QThread;

// The server put together: a Listener that gives each connection a Session, the ChatRoom they
// share, the leaderboard, and the StoreWorker in a thread of its own. On shutdown it says bye to
// every client and reports stopped() once the last one is gone; the store thread stops last,
// after storing what is left.
class ChatServer : public QObject
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
    // Stops accepting, says bye to every client and emits stopped() once all are gone.
    void shutdown();
    // A configuration read again (SIGHUP): applies what can change while the server runs
    // (ServerConfig::liveSettings) to the connections from now on and the room's greeting, and
    // logs every change, and the ones that wait for a restart. A TLS identity that no longer
    // loads is logged, and the one in use kept.
    void reload(const ServerConfig &next);

    bool isListening() const { return m_listener && m_listener->isListening(); }
    QHostAddress serverAddress() const;
    quint16 serverPort() const;
    int connectionCount() const { return m_listener ? m_listener->connectionCount() : 0; }
    const ChatRoom &room() const { return m_room; }
    // Tells each big room who came and went since the last time (ChatRoom::flushPresence). A
    // timer calls it every presenceIntervalMs; a test with a long interval calls it itself.
    void flushPresence() { m_room.flushPresence(); }
    Leaderboard &leaderboard() { return *m_leaderboard; }
    // The bans and mutes in force (tests move its clock).
    BanList &bans() { return m_bans; }
    const ServerConfig &config() const { return m_config; }

signals:
    void stopped();
    // Reaches every live session in its own thread; one already gone is simply not called.
    void shutdownRequested(const QString &reason);

private:
    HostedClient *createSession(qintptr descriptor, WorkerHost *host);
    void stopStore();
    // The bans in force and the greeting moderators set, from the database; an error, or nothing.
    std::optional<QString> loadModeration();

    ServerConfig m_config;
    ChatRoom m_room;
    QTimer m_presenceTimer; // flushPresence()
    std::unique_ptr<Leaderboard> m_leaderboard;
    // Not parented: it lives in m_storeThread and is deleted once that thread has stopped.
    std::unique_ptr<StoreWorker> m_store;
    QThread *m_storeThread = nullptr;
    std::optional<QSslConfiguration> m_tls;
    PasswordHasher m_hasher;
    SignInThrottle m_throttle;
    ChatBudgets m_budgets;
    // Two lanes: the store thread orders and queues, both cores send.
    FanOut m_fanOut{2};
    BanList m_bans;
    // Its settings are set by start() and replaced by reload(), in this thread.
    ServerContext m_context{m_room, *m_leaderboard, *m_store, m_hasher, m_throttle,
        std::make_shared<const SessionSettings>(), m_fanOut, m_budgets, m_bans};
    Listener *m_listener = nullptr;
    QString m_startError;
    bool m_shuttingDown = false;
};

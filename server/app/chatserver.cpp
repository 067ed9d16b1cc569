#include "chatserver.h"

#include "memoryleaderboard.h"
#include "serverlog.h"
#include "session.h"
#include "tlsidentity.h"

#include <QThread>

using namespace Qt::StringLiterals;

namespace {

SessionSettings sessionSettings(const ServerConfig &config)
{
    return {{config.maxFrameBytes, config.maxPendingBytes,
                std::chrono::milliseconds(config.frameTimeoutMs)},
        config.helloTimeoutMs, config.idleTimeoutMs, config.maxTextLength, config.chatRate,
        config.chatBurst, config.historyRate, config.historyBurst, config.quizSeed,
        config.guestsAllowed, qint64(config.tokenExpiryDays) * 24 * 3600 * 1000};
}

} // namespace

ChatServer::ChatServer(ServerConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_room(m_config.motd, m_config.presenceLimit, m_config.presenceBatch)
    , m_leaderboard(std::make_unique<MemoryLeaderboard>())
    , m_store(std::make_unique<StoreWorker>(m_room, *m_leaderboard,
          MessageStore::Options{
              // A cluster's servers show each other what is committed: a commit the database
              // could lose in a crash would have been seen, and its id given again.
              m_config.databaseLocation, m_config.databaseFullSync || !m_config.cluster.isEmpty(),
              m_config.databaseMaxPages},
          m_config.cluster))
    , m_storeThread(new QThread(this))
    , m_hasher(m_config.hashThreads)
    , m_settings(sessionSettings(m_config))
{
    m_room.setSequencedByStore(!m_config.cluster.isEmpty());
    m_store->moveToThread(m_storeThread);
    m_presenceTimer.setInterval(m_config.presenceIntervalMs);
    connect(&m_presenceTimer, &QTimer::timeout, this, &ChatServer::flushPresence);
    m_presenceTimer.start();
}

ChatServer::~ChatServer()
{
    m_room.close();
    if (m_listener) {
        m_listener->stopThreads();
    }
    stopStore();
}

void ChatServer::stopStore()
{
    if (!m_storeThread->isRunning()) {
        return;
    }
    QMetaObject::invokeMethod(m_store.get(), &StoreWorker::close, Qt::BlockingQueuedConnection);
    m_storeThread->quit();
    m_storeThread->wait();
}

bool ChatServer::start()
{
    if (!m_config.tlsCertificatePath.isEmpty()) {
        auto identity = TlsIdentity::load(m_config.tlsCertificatePath, m_config.tlsKeyPath);
        if (const auto *error = std::get_if<QString>(&identity)) {
            m_startError = *error;
            return false;
        }
        m_tls = std::get<QSslConfiguration>(identity);
    }
    m_storeThread->setObjectName(u"natter-store"_s);
    m_storeThread->start();
    QString storeError;
    QMetaObject::invokeMethod(
        m_store.get(), &StoreWorker::open, Qt::BlockingQueuedConnection, &storeError);
    if (!storeError.isEmpty()) {
        m_startError = storeError;
        m_storeThread->quit();
        m_storeThread->wait();
        return false;
    }
    Listener::Options options{m_config.maxClients, m_config.maxClientsPerAddress,
        m_config.workerThreads, m_settings.limits, m_tls};
    m_listener = new Listener(
        options,
        [this](qintptr descriptor, WorkerHost *host) { return createSession(descriptor, host); },
        this);
    connect(m_listener, &Listener::clientFinished, this, [this] {
        if (m_shuttingDown && m_listener->connectionCount() == 0) {
            qCInfo(lcServer) << "all connections closed";
            emit stopped();
        }
    });
    if (!m_listener->start(m_config.bindAddress, m_config.port)) {
        m_startError = u"cannot listen on %1 port %2: %3"_s.arg(m_config.bindAddress.toString())
                           .arg(m_config.port)
                           .arg(m_listener->errorString());
        return false;
    }
    if (!m_tls && !m_config.bindAddress.isLoopback()) {
        qCWarning(lcServer).noquote()
            << "no TLS, and listening beyond this machine: passwords and sign-in tokens cross the"
               " network in clear (see --tls-cert)";
    }
    return true;
}

HostedClient *ChatServer::createSession(qintptr descriptor, WorkerHost *host)
{
    auto *session = new Session(descriptor, m_context, host);
    connect(this, &ChatServer::shutdownRequested, session, &Session::shutdown);
    return session;
}

QHostAddress ChatServer::serverAddress() const
{
    return m_listener ? m_listener->serverAddress() : QHostAddress();
}

quint16 ChatServer::serverPort() const
{
    return m_listener ? m_listener->serverPort() : 0;
}

void ChatServer::shutdown()
{
    if (m_shuttingDown) {
        return;
    }
    m_shuttingDown = true;
    if (m_listener) {
        m_listener->close();
    }
    m_room.close();
    qCInfo(lcServer) << "shutting down," << connectionCount() << "connections to close";
    if (connectionCount() == 0) {
        emit stopped();
        return;
    }
    emit shutdownRequested(u"shutdown"_s);
}

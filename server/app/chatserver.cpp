#include "chatserver.h"

#include "memoryleaderboard.h"
#include "serverlog.h"
#include "session.h"
#include "tlsidentity.h"

#include <QThread>

using namespace Qt::StringLiterals;

namespace {

RetentionSweeper::Policy retention(const ServerConfig &config)
{
    return {config.retentionDays, config.retentionMaxMessages, config.retentionIntervalMs};
}

SessionSettings sessionSettings(
    const ServerConfig &config, const std::optional<QSslConfiguration> &tls)
{
    return {{config.maxFrameBytes, config.maxPendingBytes,
                std::chrono::milliseconds(config.frameTimeoutMs)},
        tls, config.helloTimeoutMs, config.idleTimeoutMs, config.maxTextLength, config.chatRate,
        config.chatBurst, config.historyRate, config.historyBurst, config.quizSeed,
        config.guestsAllowed, qint64(config.tokenExpiryDays) * 24 * 3600 * 1000};
}

Listener::Options listenerOptions(const ServerConfig &config, const SessionSettings &settings)
{
    Listener::Options options;
    options.maxClients = config.maxClients;
    options.maxPerAddress = config.maxClientsPerAddress;
    options.maxPerNetwork = config.maxClientsPerNetwork;
    options.connectRate = {config.connectRate, config.connectBurst, config.networkConnectRate,
        config.networkConnectBurst};
    options.workerThreads = config.workerThreads;
    options.limits = settings.limits;
    options.tls = settings.tls;
    return options;
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
    m_context.settings = std::make_shared<const SessionSettings>(sessionSettings(m_config, m_tls));
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
    m_store->setRetention(retention(m_config));
    if (const auto error = loadModeration()) {
        m_startError = *error;
        stopStore();
        return false;
    }
    m_listener = new Listener(
        listenerOptions(m_config, *m_context.settings),
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

std::optional<QString> ChatServer::loadModeration()
{
    // Before the first client: waiting for the store thread here holds up nobody.
    QFuture<std::optional<QString>> loaded
        = m_store->run([this, now = m_bans.nowMs()](MessageStore &store) -> std::optional<QString> {
              const auto bans = store.moderation().bans(now);
              if (!bans) {
                  return u"cannot read the bans from the database"_s;
              }
              m_bans.load(*bans);
              // The greeting a moderator set wins over --motd, until one sets it empty.
              m_room.setMotdOverride(store.moderation().motd().value_or(QString()));
              qCInfo(lcServer) << bans->size() << "bans and mutes in force";
              return std::nullopt;
          });
    loaded.waitForFinished();
    if (loaded.resultCount() == 0) {
        return u"cannot read the bans from the database"_s;
    }
    return loaded.result();
}

HostedClient *ChatServer::createSession(qintptr descriptor, WorkerHost *host)
{
    // A copy: the settings in force now, whatever a reload brings later.
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

void ChatServer::reload(const ServerConfig &next)
{
    const QMap<QString, QString> before = m_config.settings();
    const QMap<QString, QString> after = next.settings();
    QStringList changed;
    QStringList waiting;
    for (auto setting = after.cbegin(); setting != after.cend(); ++setting) {
        if (before.value(setting.key()) == setting.value()) {
            continue;
        }
        if (!ServerConfig::liveSettings().contains(setting.key())) {
            waiting.append(setting.key());
        } else if (setting.key() == "motd"_L1) {
            changed.append(u"motd"_s); // a long text, and not the log's business
        } else {
            changed.append(
                u"%1 %2 -> %3"_s.arg(setting.key(), before.value(setting.key()), setting.value()));
        }
    }
    // Only what ServerConfig::liveSettings() names; the rest stays as the server runs it, so
    // that the next reload compares against the truth.
    const ServerConfig old = m_config;
    m_config.maxClients = next.maxClients;
    m_config.maxClientsPerAddress = next.maxClientsPerAddress;
    m_config.maxClientsPerNetwork = next.maxClientsPerNetwork;
    m_config.connectRate = next.connectRate;
    m_config.connectBurst = next.connectBurst;
    m_config.networkConnectRate = next.networkConnectRate;
    m_config.networkConnectBurst = next.networkConnectBurst;
    m_config.maxFrameBytes = next.maxFrameBytes;
    m_config.maxPendingBytes = next.maxPendingBytes;
    m_config.maxTextLength = next.maxTextLength;
    m_config.chatRate = next.chatRate;
    m_config.chatBurst = next.chatBurst;
    m_config.helloTimeoutMs = next.helloTimeoutMs;
    m_config.idleTimeoutMs = next.idleTimeoutMs;
    m_config.frameTimeoutMs = next.frameTimeoutMs;
    m_config.historyRate = next.historyRate;
    m_config.historyBurst = next.historyBurst;
    m_config.motd = next.motd;
    m_config.tlsCertificatePath = next.tlsCertificatePath;
    m_config.tlsKeyPath = next.tlsKeyPath;
    m_config.guestsAllowed = next.guestsAllowed;
    m_config.tokenExpiryDays = next.tokenExpiryDays;
    m_config.retentionDays = next.retentionDays;
    m_config.retentionMaxMessages = next.retentionMaxMessages;

    std::optional<QSslConfiguration> tls = m_tls;
    if (m_tls && (m_config.tlsCertificatePath.isEmpty() || m_config.tlsKeyPath.isEmpty())) {
        waiting.append(u"tls (off)"_s);
    } else if (!m_tls && !m_config.tlsCertificatePath.isEmpty()) {
        waiting.append(u"tls (on)"_s);
    } else if (m_tls) {
        auto identity = TlsIdentity::load(m_config.tlsCertificatePath, m_config.tlsKeyPath);
        if (const auto *error = std::get_if<QString>(&identity)) {
            qCCritical(lcServer).noquote()
                << "reload: keeping the TLS certificate in use:" << *error;
            m_config.tlsCertificatePath = old.tlsCertificatePath;
            m_config.tlsKeyPath = old.tlsKeyPath;
        } else {
            tls = std::get<QSslConfiguration>(identity);
            if (tls->localCertificateChain() != m_tls->localCertificateChain()) {
                changed.append(u"a new TLS certificate, valid until %1"_s.arg(
                    tls->localCertificate().expiryDate().toString(Qt::ISODate)));
            }
        }
    }
    m_tls = tls;
    m_context.settings = std::make_shared<const SessionSettings>(sessionSettings(m_config, m_tls));
    if (m_listener) {
        m_listener->reconfigure(listenerOptions(m_config, *m_context.settings));
    }
    m_room.setMotd(m_config.motd);
    m_store->setRetention(retention(m_config));
    qCInfo(lcServer).noquote() << "configuration reloaded:"
                               << (changed.isEmpty() ? u"nothing changed"_s
                                                     : changed.join(", "_L1));
    if (!waiting.isEmpty()) {
        qCWarning(lcServer).noquote()
            << "configuration reloaded: a restart is needed to change" << waiting.join(", "_L1);
    }
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

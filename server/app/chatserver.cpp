#include "chatserver.h"

#include "clientworker.h"
#include "framecodec.h"
#include "frames.h"
#include "gracefulclose.h"
#include "memoryleaderboard.h"
#include "serverlog.h"
#include "tlsidentity.h"
#include "workerhost.h"

#include <QTcpSocket>
#include <QThread>

#include <sys/socket.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <unistd.h>

using Protocol::ErrorCode;
using namespace Qt::StringLiterals;

namespace {

// A worker's event loop needs little stack; the default 8 MiB only costs address space, but
// thousands of threads add up.
constexpr uint WorkerStackBytes = 512 * 1024;
constexpr std::chrono::seconds RefuseGrace{5};

} // namespace

ChatServer::ChatServer(ServerConfig config, QObject *parent)
    : QTcpServer(parent)
    , m_config(std::move(config))
    , m_room(m_config.motd, m_config.presenceLimit)
    , m_leaderboard(std::make_unique<MemoryLeaderboard>())
    , m_store(std::make_unique<StoreWorker>(m_room, *m_leaderboard,
          MessageStore::Options{
              m_config.databasePath, m_config.databaseFullSync, m_config.databaseMaxPages}))
    , m_storeThread(new QThread(this))
{
    m_store->moveToThread(m_storeThread);
}

ChatServer::~ChatServer()
{
    close();
    m_room.close();
    // Workers are deleted in their own threads with their host when each thread finishes.
    for (QThread *thread : std::as_const(m_threads)) {
        thread->quit();
        thread->wait();
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
    for (int i = 0; i < m_config.workerThreads; ++i) {
        auto *thread = new QThread(this);
        thread->setObjectName(u"natter-worker-%1"_s.arg(i));
        auto *host = new WorkerHost;
        host->moveToThread(thread);
        connect(thread, &QThread::finished, host, &QObject::deleteLater);
        thread->start();
        m_threads.insert(thread);
        m_pool.append(host);
        m_hostLoad.insert(host, 0);
    }
    // Thousands of clients may connect at once; Qt's default backlog of 50 would drop SYNs.
    setListenBacklogSize(4096);
    if (!listen(m_config.bindAddress, m_config.port)) {
        m_startError = u"cannot listen on %1 port %2: %3"_s.arg(m_config.bindAddress.toString())
                           .arg(m_config.port)
                           .arg(errorString());
        return false;
    }
    return true;
}

void ChatServer::shutdown()
{
    if (m_shuttingDown) {
        return;
    }
    m_shuttingDown = true;
    close();
    m_room.close();
    qCInfo(lcServer) << "shutting down," << m_connections.size() << "connections to close";
    if (m_connections.isEmpty()) {
        emit stopped();
        return;
    }
    emit shutdownRequested(u"shutdown"_s);
}

namespace {

// The peer's address straight from the descriptor, before any socket object exists; IPv4
// peers of a dual-stack listener come as ::ffff:a.b.c.d and count as a.b.c.d.
QString peerAddress(qintptr socketDescriptor)
{
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (::getpeername(int(socketDescriptor), reinterpret_cast<sockaddr *>(&storage), &length)
        != 0) {
        return {};
    }
    QHostAddress address(reinterpret_cast<const sockaddr *>(&storage));
    bool isIpv4 = false;
    const quint32 ipv4 = address.toIPv4Address(&isIpv4);
    return isIpv4 ? QHostAddress(ipv4).toString() : address.toString();
}

} // namespace

void ChatServer::incomingConnection(qintptr socketDescriptor)
{
    if (m_connections.size() >= m_config.maxClients) {
        qCWarning(lcServer) << "refusing a connection: already serving" << m_connections.size();
        refuse(socketDescriptor, ErrorCode::ServerFull,
            u"the server is full (%1 connections); try again later"_s.arg(m_connections.size()));
        return;
    }

    const QString address = peerAddress(socketDescriptor);
    if (m_perAddress.value(address) >= m_config.maxClientsPerAddress) {
        qCWarning(lcServer).noquote() << "refusing a connection from" << address << ": already"
                                      << m_perAddress.value(address) << "from there";
        refuse(socketDescriptor, ErrorCode::TooManyConnections,
            u"too many connections from %1 (at most %2)"_s.arg(address).arg(
                m_config.maxClientsPerAddress));
        return;
    }

    WorkerHost *host = hostForNewConnection();
    if (!host) {
        ::close(int(socketDescriptor));
        return;
    }
    auto *worker = new ClientWorker(socketDescriptor, m_context, host);
    worker->moveToThread(host->thread());
    connect(this, &ChatServer::shutdownRequested, worker, &ClientWorker::shutdown);
    connect(worker, &ClientWorker::finished, this, [this, worker] { onWorkerFinished(worker); });
    if (m_pool.isEmpty()) {
        connect(worker, &ClientWorker::finished, host->thread(), &QThread::quit);
    }
    // The host adopts the worker in its own thread, so the worker goes when the host does.
    QMetaObject::invokeMethod(host, [host, worker] {
        worker->setParent(host);
        worker->start();
    });
    m_connections.insert(worker, {address, host});
    if (!m_pool.isEmpty()) {
        ++m_hostLoad[host];
    }
    ++m_perAddress[address];
}

WorkerHost *ChatServer::hostForNewConnection()
{
    if (!m_pool.isEmpty()) {
        return *std::min_element(m_pool.cbegin(), m_pool.cend(),
            [this](WorkerHost *a, WorkerHost *b) { return m_hostLoad[a] < m_hostLoad[b]; });
    }
    auto *thread = new QThread(this);
    thread->setStackSize(WorkerStackBytes);
    auto *host = new WorkerHost;
    host->moveToThread(thread);
    // Deferred deletes still run after a thread's loop stops: host and worker die in it.
    connect(thread, &QThread::finished, host, &QObject::deleteLater);
    connect(thread, &QThread::finished, this, [this, thread] { onThreadFinished(thread); });
    thread->start();
    if (!thread->isRunning() && !thread->isFinished()) {
        // No thread could be made (a process or memory limit): neither started nor finished
        // will be emitted.
        qCWarning(lcServer) << "cannot start a thread for a new connection";
        delete host;
        thread->deleteLater();
        return nullptr;
    }
    m_threads.insert(thread);
    return host;
}

void ChatServer::refuse(qintptr socketDescriptor, ErrorCode code, const QString &message)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(socketDescriptor)) {
        socket->deleteLater();
        ::close(int(socketDescriptor));
        return;
    }
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    socket->write(FrameCodec::encode(Frames::error(code, message)));
    socket->write(FrameCodec::encode(Frames::bye(QString(Protocol::errorCodeName(code)))));
    closeGracefully(socket, RefuseGrace);
}

void ChatServer::onWorkerFinished(QObject *worker)
{
    const Connection connection = m_connections.take(worker);
    if (--m_perAddress[connection.address] <= 0) {
        m_perAddress.remove(connection.address);
    }
    if (!m_pool.isEmpty()) {
        --m_hostLoad[connection.host];
    }
#ifdef __GLIBC__
    // Worker threads had malloc arenas of their own; once nobody is connected, give what they
    // freed back to the system instead of holding the high-water mark forever.
    if (m_connections.isEmpty()) {
        ::malloc_trim(0);
    }
#endif
    if (m_shuttingDown && m_connections.isEmpty()) {
        qCInfo(lcServer) << "all connections closed";
        emit stopped();
    }
}

void ChatServer::onThreadFinished(QThread *thread)
{
    m_threads.remove(thread);
    thread->deleteLater();
}

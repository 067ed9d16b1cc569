#include "chatserver.h"

#include "clientworker.h"
#include "framecodec.h"
#include "frames.h"
#include "gracefulclose.h"
#include "memoryleaderboard.h"
#include "serverlog.h"
#include "tlsidentity.h"

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
    , m_room(m_config.motd)
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
    // Workers are deleted in their own threads as each thread finishes (see incomingConnection).
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
    qCInfo(lcServer) << "shutting down," << m_threads.size() << "connections to close";
    if (m_threads.isEmpty()) {
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
    if (m_threads.size() >= m_config.maxClients) {
        qCWarning(lcServer) << "refusing a connection: already serving" << m_threads.size();
        refuse(socketDescriptor, ErrorCode::ServerFull,
            u"the server is full (%1 connections); try again later"_s.arg(m_threads.size()));
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

    auto *thread = new QThread(this);
    thread->setStackSize(WorkerStackBytes);
    auto worker = std::make_unique<ClientWorker>(socketDescriptor, m_context);
    worker->moveToThread(thread);

    connect(thread, &QThread::started, worker.get(), &ClientWorker::start);
    connect(this, &ChatServer::shutdownRequested, worker.get(), &ClientWorker::shutdown);
    connect(worker.get(), &ClientWorker::finished, thread, &QThread::quit);
    // Deferred deletes still run after a thread's loop stops, so the worker dies in its thread.
    connect(thread, &QThread::finished, worker.get(), &QObject::deleteLater);
    connect(thread, &QThread::finished, this, [this, thread] { onThreadFinished(thread); });
    thread->start();
    if (!thread->isRunning() && !thread->isFinished()) {
        // No thread could be made (a process or memory limit): neither started nor finished
        // will be emitted, so the worker is deleted here and the connection closed.
        qCWarning(lcServer) << "cannot start a thread for a new connection";
        thread->deleteLater();
        ::close(int(socketDescriptor));
        return;
    }
    worker.release(); // now owned by the thread: deleted when it finishes
    m_threads.insert(thread);
    m_threadAddress.insert(thread, address);
    ++m_perAddress[address];
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

void ChatServer::onThreadFinished(QThread *thread)
{
    m_threads.remove(thread);
    const QString address = m_threadAddress.take(thread);
    if (--m_perAddress[address] <= 0) {
        m_perAddress.remove(address);
    }
    thread->deleteLater();
#ifdef __GLIBC__
    // Each worker thread had its own malloc arena; once nobody is connected, give what they
    // freed back to the system instead of holding the high-water mark forever.
    if (m_threads.isEmpty()) {
        ::malloc_trim(0);
    }
#endif
    if (m_shuttingDown && m_threads.isEmpty()) {
        qCInfo(lcServer) << "all connections closed";
        emit stopped();
    }
}

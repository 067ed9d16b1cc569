#include "listener.h"

#include "framecodec.h"
#include "frames.h"
#include "hostedclient.h"
#include "metrics.h"
#include "netlog.h"
#include "peeraddress.h"
#include "workerhost.h"

#include <QThread>
#include <QTimer>
#include <QTimerEvent>

#include <sys/resource.h>
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
// Descriptors kept for everything but clients: the database and its journal, the log, a
// refusal's socket, the store's and the lanes' event loops.
constexpr int SpareDescriptors = 64;
// How long to wait before accepting again after accept() failed (out of descriptors).
constexpr int AcceptRetryMs = 100;
// How long after clients come or go the memory they freed is given back (trimSoon).
constexpr int TrimDelayMs = 1000;
// Thousands of clients may connect at once; Qt's default backlog of 50 would drop SYNs.
constexpr int ListenBacklog = 4096;
// Refused connections saying why at once (each a Connection and a descriptor for up to its
// close grace). Past this, in a flood, a refused connection is reset without a word: one
// that cannot be told cheaply is not told.
constexpr int MaxLingeringRefusals = 256;
// A flood of connections refused for their rate is logged once a second, not once each.
constexpr qint64 TooFastLogIntervalMs = 1000;

// The peer's address straight from the descriptor, before any socket object exists.
QHostAddress peerAddress(qintptr descriptor)
{
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (::getpeername(int(descriptor), reinterpret_cast<sockaddr *>(&storage), &length) != 0) {
        return {};
    }
    return unmappedAddress(QHostAddress(reinterpret_cast<const sockaddr *>(&storage)));
}

// Closes with a TCP reset: no FIN handshake and no TIME_WAIT, and the peer learns at once.
void resetDescriptor(qintptr descriptor)
{
    const linger abort{1, 0};
    ::setsockopt(int(descriptor), SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    ::close(int(descriptor));
}

} // namespace

Listener::Listener(Options options, Factory factory, QObject *parent)
    : QTcpServer(parent)
    , m_options(std::move(options))
    , m_factory(std::move(factory))
    , m_throttle(m_options.connectRate)
{
    rlimit files{};
    if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY) {
        m_descriptorLimit = qintptr(std::min<rlim_t>(files.rlim_cur, 1 << 30));
    }
}

Listener::~Listener()
{
    stopThreads();
}

void Listener::reconfigure(const Options &options)
{
    const int workerThreads = m_options.workerThreads;
    m_options = options;
    m_options.workerThreads = workerThreads;
    m_throttle.setLimits(options.connectRate);
}

bool Listener::start(const QHostAddress &address, quint16 port)
{
    for (int i = 0; i < m_options.workerThreads; ++i) {
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
    // Out of descriptors (EMFILE), QTcpServer stops accepting and says so once: try again a
    // moment later, when clients may have gone, rather than never again.
    connect(this, &QTcpServer::acceptError, this, [this](QAbstractSocket::SocketError error) {
        qCWarning(lcNet) << "cannot accept a connection:" << error << errorString();
        QTimer::singleShot(AcceptRetryMs, this, [this] { resumeAccepting(); });
    });
    setListenBacklogSize(ListenBacklog);
    return listen(address, port);
}

void Listener::stopThreads()
{
    close();
    // Clients are deleted in their own threads with their host when each thread finishes.
    for (QThread *thread : std::as_const(m_threads)) {
        thread->quit();
        thread->wait();
    }
    m_threads.clear();
    m_pool.clear();
}

void Listener::incomingConnection(qintptr descriptor)
{
    const QHostAddress peer = peerAddress(descriptor);
    // The rate first, so that a client reconnecting in a loop is held to it even while the
    // server is full.
    if (refusedForRate(descriptor, peer)) {
        return;
    }
    if (m_clients.size() >= m_options.maxClients) {
        qCWarning(lcNet) << "refusing a connection: already serving" << m_clients.size();
        refuse(descriptor, ErrorCode::ServerFull,
            u"the server is full (%1 connections); try again later"_s.arg(m_clients.size()));
        return;
    }
    // A client costs a descriptor, and a thread of its own another (its event loop's; a thread
    // that cannot get one aborts the process). Threads still finishing hold theirs, and a new
    // descriptor's number says little once there are holes: count, and refuse while there is
    // room to say why.
    const qsizetype inUse = m_clients.size() + m_threads.size() + m_lingeringRefusals;
    if (inUse + SpareDescriptors >= m_descriptorLimit
        || descriptor >= m_descriptorLimit - SpareDescriptors) {
        qCWarning(lcNet) << "refusing a connection: descriptor" << descriptor << "of at most"
                         << m_descriptorLimit << "(raise the open files limit, ulimit -n)";
        refuse(descriptor, ErrorCode::ServerFull,
            u"the server is full (out of file descriptors); try again later"_s);
        return;
    }
    const QString address = peer.toString();
    if (m_perAddress.value(address) >= m_options.maxPerAddress) {
        qCWarning(lcNet).noquote() << "refusing a connection from" << address << ": already"
                                   << m_perAddress.value(address) << "from there";
        refuse(descriptor, ErrorCode::TooManyConnections,
            u"too many connections from %1 (at most %2)"_s.arg(address).arg(
                m_options.maxPerAddress));
        return;
    }
    const QString network = networkOf(peer);
    if (m_perNetwork.value(network) >= m_options.maxPerNetwork) {
        qCWarning(lcNet).noquote() << "refusing a connection from" << address << ": already"
                                   << m_perNetwork.value(network) << "from" << network;
        refuse(descriptor, ErrorCode::TooManyConnections,
            u"too many connections from %1 (at most %2)"_s.arg(network).arg(
                m_options.maxPerNetwork));
        return;
    }
    WorkerHost *host = hostForNewConnection();
    if (!host) {
        ::close(int(descriptor));
        return;
    }
    HostedClient *client = m_factory(descriptor, host);
    connect(client, &QObject::destroyed, this, [this, client] { onClientDestroyed(client); });
    if (m_pool.isEmpty()) {
        connect(client, &QObject::destroyed, host->thread(), &QThread::quit);
    }
    client->moveToThread(host->thread());
    // The host adopts the client in its own thread, so the client goes when the host does.
    QMetaObject::invokeMethod(host, [host, client] {
        client->setParent(host);
        client->start();
    });
    m_clients.insert(client, {address, network, host});
    trimSoon();
    if (!m_pool.isEmpty()) {
        ++m_hostLoad[host];
    }
    ++m_perAddress[address];
    ++m_perNetwork[network];
}

bool Listener::refusedForRate(qintptr descriptor, const QHostAddress &peer)
{
    QString from;
    double rate = 0;
    switch (m_throttle.admit(peer)) {
    case ConnectionThrottle::Verdict::Allowed:
        return false;
    case ConnectionThrottle::Verdict::AddressTooFast:
        from = peer.toString();
        rate = m_options.connectRate.addressRate;
        break;
    case ConnectionThrottle::Verdict::NetworkTooFast:
        from = networkOf(peer);
        rate = m_options.connectRate.networkRate;
        break;
    }
    logTooFast(from, rate);
    refuse(descriptor, ErrorCode::TooManyConnections,
        u"connecting too fast from %1 (at most %2 a second); slow down"_s.arg(from).arg(rate));
    return true;
}

void Listener::logTooFast(const QString &from, double rate)
{
    ++m_tooFastUnlogged;
    if (m_tooFastLogged.isValid() && m_tooFastLogged.elapsed() < TooFastLogIntervalMs) {
        return;
    }
    qCWarning(lcNet).noquote() << u"refusing connections from %1: more than %2 a second (%3 "
                                  "refused for their rate since the last such line)"_s.arg(from)
                                      .arg(rate)
                                      .arg(m_tooFastUnlogged);
    m_tooFastUnlogged = 0;
    m_tooFastLogged.start();
}

void Listener::trimSoon()
{
#ifdef __GLIBC__
    // Connecting and leaving in numbers leaves freed memory behind (welcomes with their lists of
    // names, buffers, worker threads' arenas); a second after such a change it goes back to the
    // system instead of holding the high-water mark forever. At most once a second.
    if (!m_trimTimer.isActive()) {
        m_trimTimer.start(TrimDelayMs, this);
    }
#endif
}

void Listener::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_trimTimer.timerId()) {
        QTcpServer::timerEvent(event);
        return;
    }
    m_trimTimer.stop();
#ifdef __GLIBC__
    ::malloc_trim(0);
#endif
}

WorkerHost *Listener::hostForNewConnection()
{
    if (!m_pool.isEmpty()) {
        return *std::min_element(m_pool.cbegin(), m_pool.cend(),
            [this](WorkerHost *a, WorkerHost *b) { return m_hostLoad[a] < m_hostLoad[b]; });
    }
    auto *thread = new QThread(this);
    thread->setStackSize(WorkerStackBytes);
    auto *host = new WorkerHost;
    host->moveToThread(thread);
    // Deferred deletes still run after a thread's loop stops: host and client die in it.
    connect(thread, &QThread::finished, host, &QObject::deleteLater);
    connect(thread, &QThread::finished, this, [this, thread] {
        m_threads.remove(thread);
        thread->deleteLater();
    });
    thread->start();
    if (!thread->isRunning() && !thread->isFinished()) {
        // No thread could be made (a process or memory limit): neither started nor finished
        // will be emitted.
        qCWarning(lcNet) << "cannot start a thread for a new connection";
        delete host;
        thread->deleteLater();
        return nullptr;
    }
    m_threads.insert(thread);
    return host;
}

void Listener::refuse(qintptr descriptor, ErrorCode code, const QString &message)
{
    if (m_lingeringRefusals >= MaxLingeringRefusals) {
        resetDescriptor(descriptor);
        return;
    }
    auto *connection = new Connection(m_options.limits, m_options.tls, this);
    if (!connection->open(descriptor)) {
        connection->deleteLater();
        return;
    }
    ++m_lingeringRefusals;
    Metrics::instance().error(code);
    connect(connection, &Connection::closed, this, [this, connection] {
        --m_lingeringRefusals;
        connection->deleteLater();
    });
    connection->write(FrameCodec::encode(Frames::error(code, message)));
    connection->write(FrameCodec::encode(Frames::bye(QString(Protocol::errorCodeName(code)))));
    connection->close();
}

void Listener::onClientDestroyed(QObject *client)
{
    const Client gone = m_clients.take(client);
    if (--m_perAddress[gone.address] <= 0) {
        m_perAddress.remove(gone.address);
    }
    if (--m_perNetwork[gone.network] <= 0) {
        m_perNetwork.remove(gone.network);
    }
    if (!m_pool.isEmpty()) {
        --m_hostLoad[gone.host];
    }
    trimSoon();
    emit clientFinished();
}

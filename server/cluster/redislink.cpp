#include "redislink.h"

#include "clusterlog.h"

#include <QSocketNotifier>
#include <QTimerEvent>
#include <QUrl>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <vector>

using namespace Qt::StringLiterals;

namespace {

constexpr int FirstRetryMs = 100;
constexpr int LastRetryMs = 2000;

} // namespace

RedisLink::RedisLink(QString host, quint16 port, QStringList channels, QObject *parent)
    : QObject(parent)
    , m_host(std::move(host))
    , m_port(port)
    , m_channels(std::move(channels))
{
}

RedisLink::~RedisLink()
{
    m_stopping = true;
    close(m_publisher);
    close(m_subscriber);
}

bool RedisLink::parseUrl(const QString &url, QString *host, quint16 *port)
{
    const QUrl parsed(url);
    if (!parsed.isValid() || parsed.scheme() != "redis"_L1 || parsed.host().isEmpty()
        || parsed.port(6379) <= 0 || !parsed.userInfo().isEmpty()) {
        return false;
    }
    *host = parsed.host();
    *port = quint16(parsed.port(6379));
    return true;
}

void RedisLink::start()
{
    open(m_publisher);
    open(m_subscriber);
}

void RedisLink::publish(const QString &channel, const QByteArray &payload)
{
    if (!m_publisher.up) {
        return;
    }
    const QByteArray name = channel.toUtf8();
    const char *argv[] = {"PUBLISH", name.constData(), payload.constData()};
    const size_t lengths[] = {7, size_t(name.size()), size_t(payload.size())};
    redisAsyncCommandArgv(m_publisher.context, nullptr, nullptr, 3, argv, lengths);
}

void RedisLink::flush()
{
    if (m_publisher.context) {
        redisAsyncHandleWrite(m_publisher.context);
    }
}

void RedisLink::open(Connection &connection)
{
    redisAsyncContext *context = redisAsyncConnect(m_host.toUtf8().constData(), m_port);
    if (!context) {
        lost(u"out of memory"_s);
        return;
    }
    if (context->err) {
        const QString error = QString::fromUtf8(context->errstr);
        redisAsyncFree(context);
        lost(error);
        return;
    }
    connection.context = context;
    context->data = &connection;
    // Notifiers of a context that is gone are replaced here, outside their own signals.
    connection.reader = std::make_unique<QSocketNotifier>(context->c.fd, QSocketNotifier::Read);
    connection.writer = std::make_unique<QSocketNotifier>(context->c.fd, QSocketNotifier::Write);
    connection.reader->setEnabled(false);
    connection.writer->setEnabled(false);
    connect(connection.reader.get(), &QSocketNotifier::activated, this, [&connection] {
        if (connection.context) {
            redisAsyncHandleRead(connection.context);
        }
    });
    connect(connection.writer.get(), &QSocketNotifier::activated, this, [&connection] {
        if (connection.context) {
            redisAsyncHandleWrite(connection.context);
        }
    });
    context->ev.data = &connection;
    context->ev.addRead = [](void *data) {
        watch(data, QSocketNotifier::Read, true);
    };
    context->ev.delRead = [](void *data) {
        watch(data, QSocketNotifier::Read, false);
    };
    context->ev.addWrite = [](void *data) {
        watch(data, QSocketNotifier::Write, true);
    };
    context->ev.delWrite = [](void *data) {
        watch(data, QSocketNotifier::Write, false);
    };
    context->ev.cleanup = [](void *data) {
        watch(data, QSocketNotifier::Read, false);
        watch(data, QSocketNotifier::Write, false);
    };
    redisAsyncSetConnectCallback(context, &RedisLink::connectCallback);
    redisAsyncSetDisconnectCallback(context, &RedisLink::disconnectCallback);
}

void RedisLink::watch(void *data, QSocketNotifier::Type type, bool on)
{
    auto *connection = static_cast<Connection *>(data);
    if (!connection) {
        return; // closed by this link: hiredis may still tidy up after a callback
    }
    QSocketNotifier *notifier
        = type == QSocketNotifier::Read ? connection->reader.get() : connection->writer.get();
    if (notifier) {
        notifier->setEnabled(on);
    }
}

void RedisLink::close(Connection &connection)
{
    connection.up = false;
    if (redisAsyncContext *context = std::exchange(connection.context, nullptr)) {
        context->onDisconnect = nullptr; // this is not news
        context->onConnect = nullptr;
        context->data = nullptr;
        // Inside one of its callbacks hiredis frees the context only on return, and then
        // cleans up through these hooks: they must not reach this connection any more.
        context->ev.data = nullptr;
        for (QSocketNotifier *notifier : {connection.reader.get(), connection.writer.get()}) {
            if (notifier) {
                notifier->setEnabled(false);
            }
        }
        redisAsyncFree(context);
    }
}

void RedisLink::connectCallback(const redisAsyncContext *context, int status)
{
    if (auto *connection = static_cast<Connection *>(context->data)) {
        const bool ok = status == REDIS_OK;
        if (!ok) {
            connection->context = nullptr; // hiredis frees it on return
        }
        connection->link->onConnect(*connection, ok, QString::fromUtf8(context->errstr));
    }
}

void RedisLink::disconnectCallback(const redisAsyncContext *context, int status)
{
    if (auto *connection = static_cast<Connection *>(context->data)) {
        connection->context = nullptr; // hiredis frees it on return
        connection->link->onDisconnect(
            *connection, status == REDIS_OK ? u"closed"_s : QString::fromUtf8(context->errstr));
    }
}

void RedisLink::subscriberCallback(redisAsyncContext *context, void *reply, void *)
{
    if (auto *connection = static_cast<Connection *>(context->data); connection && reply) {
        connection->link->onSubscriberReply(*connection, reply);
    }
}

void RedisLink::onConnect(Connection &connection, bool ok, const QString &error)
{
    if (!ok) {
        lost(error);
        return;
    }
    if (!connection.subscriber) {
        connection.up = true;
    } else {
        std::vector<QByteArray> names{"SUBSCRIBE"};
        for (const QString &channel : m_channels) {
            names.push_back(channel.toUtf8());
        }
        std::vector<const char *> argv;
        std::vector<size_t> lengths;
        for (const QByteArray &name : names) {
            argv.push_back(name.constData());
            lengths.push_back(size_t(name.size()));
        }
        redisAsyncCommandArgv(connection.context, &RedisLink::subscriberCallback, nullptr,
            int(argv.size()), argv.data(), lengths.data());
    }
    announceIfConnected();
}

void RedisLink::announceIfConnected()
{
    if (!isConnected()) {
        return;
    }
    m_retryMs = FirstRetryMs;
    if (m_reportedLoss) {
        qCInfo(lcCluster).noquote() << u"Redis at %1:%2 is back"_s.arg(m_host).arg(m_port);
    }
    m_reportedLoss = false;
    m_everConnected = true;
    emit connected();
}

void RedisLink::onSubscriberReply(Connection &connection, void *data)
{
    const auto *reply = static_cast<const redisReply *>(data);
    if (reply->type == REDIS_REPLY_ERROR) {
        // Refused (a Redis that wants a password, say): said once, and tried again later.
        lost(QString::fromUtf8(reply->str, qsizetype(reply->len)));
        return;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3) {
        return;
    }
    const QByteArray kind(reply->element[0]->str, qsizetype(reply->element[0]->len));
    if (kind == "message" && reply->element[2]->type == REDIS_REPLY_STRING) {
        emit message(QString::fromUtf8(reply->element[1]->str, qsizetype(reply->element[1]->len)),
            QByteArray(reply->element[2]->str, qsizetype(reply->element[2]->len)));
    } else if (kind == "subscribe" && reply->element[2]->integer == m_channels.size()) {
        connection.up = true;
        announceIfConnected();
    }
}

void RedisLink::onDisconnect(Connection &connection, const QString &error)
{
    connection.up = false;
    if (!m_stopping) {
        lost(error);
    }
}

void RedisLink::lost(const QString &reason)
{
    // Both connections start again together, so the link is up only with both.
    close(m_publisher);
    close(m_subscriber);
    if (!m_reportedLoss) {
        m_reportedLoss = true;
        qCWarning(lcCluster).noquote()
            << (m_everConnected ? "lost Redis at" : "cannot reach Redis at")
            << u"%1:%2 (%3):"_s.arg(m_host).arg(m_port).arg(reason)
            << "this node serves its own clients and catches up once Redis is back";
        emit disconnected(reason);
    }
    if (!m_retry.isActive()) {
        m_retry.start(m_retryMs, this);
        m_retryMs = std::min(m_retryMs * 2, LastRetryMs);
    }
}

void RedisLink::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_retry.timerId()) {
        QObject::timerEvent(event);
        return;
    }
    m_retry.stop();
    open(m_publisher);
    if (m_publisher.context) { // else lost() has run and the timer goes again
        open(m_subscriber);
    }
}

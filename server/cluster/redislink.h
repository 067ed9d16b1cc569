#pragma once

#include <QBasicTimer>
#include <QByteArray>
#include <QObject>
#include <QSocketNotifier>
#include <QString>
#include <QStringList>

#include <memory>

struct redisAsyncContext;

// A node's line to Redis, for what the cluster sends between its nodes: it publishes on
// channels and hears the channels it subscribed to, through hiredis's asynchronous API driven by
// this object's thread's event loop. It keeps two connections, since a subscribed one may issue
// nothing else.
//
// It drives hiredis with socket notifiers of its own rather than Debian's adapters/qt.h
// (hiredis 0.14): that adapter's destructor writes into the context, which hiredis has already
// freed once a connection is lost, so a link that outlives a Redis restart would corrupt memory.
//
// Redis may go and come back. Losing it is logged once and signalled; the link then tries again,
// from 100 ms up to every 2 s, subscribes again once back, and signals that too. What was
// published while it was gone is dropped: the nodes' shared database holds everything, and a
// node catches up from it when Redis returns (connected()).
class RedisLink : public QObject
{
    Q_OBJECT

public:
    // host and port of the Redis server; the channels to hear.
    RedisLink(QString host, quint16 port, QStringList channels, QObject *parent = nullptr);
    ~RedisLink() override;

    // Connects (and keeps reconnecting) in this object's thread.
    void start();
    bool isConnected() const { return m_publisher.up && m_subscriber.up; }
    // Dropped if Redis is not there (see above).
    void publish(const QString &channel, const QByteArray &payload);
    // Writes what has been published so far now, as far as the socket takes it (before the
    // link goes, for a last word).
    void flush();

    // A redis:// URL's host and port (6379 if it names none); false for anything else, and for
    // a URL with a user or password, which this link would not send.
    static bool parseUrl(const QString &url, QString *host, quint16 *port);

signals:
    // Both connections are up and subscribed: the first time, and each time Redis comes back.
    void connected();
    void disconnected(const QString &reason);
    void message(const QString &channel, const QByteArray &payload);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    struct Connection
    {
        Connection(RedisLink *owner, bool subscribes)
            : link(owner)
            , subscriber(subscribes)
        {
        }
        RedisLink *const link;
        const bool subscriber;
        // hiredis frees it after its disconnect callback (or a failed connect's): then null.
        redisAsyncContext *context = nullptr;
        // hiredis asks for them on and off; they go only once their context has.
        std::unique_ptr<QSocketNotifier> reader;
        std::unique_ptr<QSocketNotifier> writer;
        bool up = false; // connected (and, the subscriber, subscribed to every channel)
    };

    void open(Connection &connection);
    void close(Connection &connection);
    void onConnect(Connection &connection, bool ok, const QString &error);
    void onDisconnect(Connection &connection, const QString &error);
    void onSubscriberReply(Connection &connection, void *reply);
    void announceIfConnected();
    void lost(const QString &reason);

    // hiredis's event hooks: data is the Connection.
    static void watch(void *data, QSocketNotifier::Type type, bool on);
    static void connectCallback(const redisAsyncContext *context, int status);
    static void disconnectCallback(const redisAsyncContext *context, int status);
    static void subscriberCallback(redisAsyncContext *context, void *reply, void *);

    const QString m_host;
    const quint16 m_port = 0;
    const QStringList m_channels;
    Connection m_publisher{this, false};
    Connection m_subscriber{this, true};
    QBasicTimer m_retry;
    int m_retryMs = 100;
    bool m_everConnected = false;
    bool m_reportedLoss = false;
    bool m_stopping = false;
};

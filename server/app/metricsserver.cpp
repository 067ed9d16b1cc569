#include "metricsserver.h"

#include "chatserver.h"
#include "metrics.h"

#include <QDateTime>
#include <QHttpServerResponse>

using namespace Qt::StringLiterals;

MetricsServer::MetricsServer(const ChatServer &server, QObject *parent)
    : QObject(parent)
    , m_server(server)
    , m_startedMs(QDateTime::currentMSecsSinceEpoch())
{
    m_http.route(u"/metrics"_s, [this] {
        return QHttpServerResponse("text/plain; version=0.0.4; charset=utf-8", metrics(),
            QHttpServerResponse::StatusCode::Ok);
    });
    m_http.route(u"/healthz"_s, [this] {
        const bool serving = m_server.isListening();
        return QHttpServerResponse("text/plain", serving ? "ok\n" : "shutting down\n",
            serving ? QHttpServerResponse::StatusCode::Ok
                    : QHttpServerResponse::StatusCode::ServiceUnavailable);
    });
}

quint16 MetricsServer::listen(const QHostAddress &address, quint16 port)
{
    return m_http.listen(address, port);
}

QByteArray MetricsServer::metrics() const
{
    const ChatRoom &room = m_server.room();
    return Metrics::instance().render({
        {u"natter_connections"_s,
            u"Connections open, signed in or not (max-clients bounds them)."_s,
            double(m_server.connectionCount())},
        {u"natter_people_online"_s, u"People online, across the cluster in cluster mode."_s,
            double(room.userCount())},
        {u"natter_store_queue_events"_s,
            u"Messages and requests waiting for the store thread's next batch."_s,
            double(room.waitingForStore())},
        {u"natter_start_time_seconds"_s, u"When the server started, in Unix time."_s,
            double(m_startedMs) / 1000},
    });
}

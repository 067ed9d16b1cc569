#pragma once

#include <QHostAddress>
#include <QHttpServer>
#include <QObject>

class ChatServer;

// --metrics ADDR:PORT: the server's metrics for Prometheus at /metrics (text format 0.0.4: what
// Metrics counts, and gauges read from the server at each scrape) and a health check at
// /healthz (200 while it accepts clients, 503 once it is shutting down). Plain HTTP, in the main
// thread: a scrape every few seconds costs a fraction of a millisecond.
class MetricsServer : public QObject
{
    Q_OBJECT

public:
    explicit MetricsServer(const ChatServer &server, QObject *parent = nullptr);

    // The port it listens on (port 0 picks one), or 0 if it cannot.
    quint16 listen(const QHostAddress &address, quint16 port);

private:
    QByteArray metrics() const;

    const ChatServer &m_server;
    QHttpServer m_http;
    const qint64 m_startedMs = 0;
};

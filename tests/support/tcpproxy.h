#pragma once

#include <QHostAddress>
#include <QList>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>

// A loopback TCP relay that a test can cut, to drop a client's connection the way a network
// does, while the server and other clients carry on. Each accepted connection is paired with
// one to the target; bytes are copied both ways.
class TcpProxy : public QObject
{
    Q_OBJECT

public:
    explicit TcpProxy(quint16 targetPort, QObject *parent = nullptr);

    quint16 port() const { return m_server.serverPort(); }
    // Drops every relayed connection at once (both ends see a reset).
    void cutAll();
    // While refusing, new connections are dropped as soon as they arrive.
    void setRefusing(bool refusing) { m_refusing = refusing; }

private:
    void onNewConnection();

    QTcpServer m_server;
    const quint16 m_targetPort;
    bool m_refusing = false;
    QList<QPointer<QTcpSocket>> m_sockets;
};

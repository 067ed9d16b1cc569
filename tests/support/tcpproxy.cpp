#include "tcpproxy.h"

TcpProxy::TcpProxy(quint16 targetPort, QObject *parent)
    : QObject(parent)
    , m_targetPort(targetPort)
{
    connect(&m_server, &QTcpServer::newConnection, this, &TcpProxy::onNewConnection);
    m_server.listen(QHostAddress::LocalHost, 0);
}

void TcpProxy::cutAll()
{
    for (const QPointer<QTcpSocket> &socket : std::as_const(m_sockets)) {
        if (socket) {
            socket->abort();
            socket->deleteLater();
        }
    }
    m_sockets.clear();
}

void TcpProxy::onNewConnection()
{
    while (QTcpSocket *client = m_server.nextPendingConnection()) {
        if (m_refusing) {
            client->abort();
            client->deleteLater();
            continue;
        }
        auto *upstream = new QTcpSocket(this);
        client->setParent(this);
        // Bytes from the client wait in its buffer until the upstream connection is up.
        const auto relay = [](QTcpSocket *from, QTcpSocket *to) {
            if (to->state() == QAbstractSocket::ConnectedState) {
                to->write(from->readAll());
            }
        };
        connect(client, &QTcpSocket::readyRead, upstream, [=] { relay(client, upstream); });
        connect(upstream, &QTcpSocket::readyRead, client, [=] { relay(upstream, client); });
        connect(upstream, &QTcpSocket::connected, client, [=] { relay(client, upstream); });
        for (auto [a, b] : {std::pair{client, upstream}, std::pair{upstream, client}}) {
            connect(a, &QTcpSocket::disconnected, b, [b] { b->disconnectFromHost(); });
        }
        upstream->connectToHost(QHostAddress::LocalHost, m_targetPort);
        m_sockets << client << upstream;
    }
}

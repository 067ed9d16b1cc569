#pragma once

#include "chatroom.h"
#include "serverconfig.h"

#include <QHash>
#include <QTcpServer>

class ClientWorker;
class QThread;

// Accepts connections and gives each one a ClientWorker in a QThread of its own. It owns the
// threads and the room they share, refuses connections past --max-clients, and on shutdown
// says bye to every client and waits for every thread.
class ChatServer : public QTcpServer
{
    Q_OBJECT

public:
    explicit ChatServer(ServerConfig config, QObject *parent = nullptr);
    ~ChatServer() override;

    // Listens on the configured address and port; errorString() says why not.
    bool start();
    // Stops accepting, says bye to every client and emits stopped() once all threads are done.
    void shutdown();

    int connectionCount() const { return int(m_workers.size()); }
    const ChatRoom &room() const { return m_room; }
    const ServerConfig &config() const { return m_config; }

signals:
    void stopped();

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    void refuse(qintptr socketDescriptor, Protocol::ErrorCode code, const QString &message);
    void onThreadFinished(QThread *thread);

    const ServerConfig m_config;
    ChatRoom m_room;
    QHash<QThread *, ClientWorker *> m_workers;
    bool m_shuttingDown = false;
};

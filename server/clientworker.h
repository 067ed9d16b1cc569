#pragma once

#include "framereader.h"
#include "outbox.h"
#include "protocol.h"

#include <QJsonObject>
#include <QObject>

class ChatRoom;
class QTcpSocket;
struct ServerConfig;

// Serves one client connection: reads and checks its frames, answers it, and writes what the
// room queues for it. Each worker lives in its own QThread and creates its socket there;
// nothing but the room's thread-safe calls and its outbox crosses threads.
class ClientWorker : public QObject
{
    Q_OBJECT

public:
    ClientWorker(qintptr socketDescriptor, ChatRoom &room, const ServerConfig &config);
    ~ClientWorker() override;

    // Both run in the worker's thread: connect them, or call them with invokeMethod.
    void start();
    void shutdown(const QString &reason);

signals:
    // The connection is closed; the worker can be deleted and its thread stopped.
    void finished();

private:
    void readFromSocket();
    void handleLine(const QByteArray &line);
    void handleFrame(const QJsonObject &frame);
    void handleHello(const QJsonObject &frame);
    void handleSay(const QJsonObject &frame);
    void handleDm(const QJsonObject &frame);

    void send(const QJsonObject &frame);
    void sendError(Protocol::ErrorCode code, const QString &message);
    void flushOutbox();
    void leaveRoom(const QString &reason);
    // Says bye with reason, lets queued bytes drain, then closes. Others see leaveReason.
    void closeWithBye(const QString &reason, const QString &leaveReason);
    void onDisconnected();

    const qintptr m_socketDescriptor;
    ChatRoom &m_room;
    QTcpSocket *m_socket = nullptr;
    FrameReader m_reader;
    Outbox m_outbox;
    QString m_peer; // address:port, for the log
    QString m_name; // empty until registered
    bool m_closing = false;
    bool m_finished = false;
};

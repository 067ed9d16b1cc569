#pragma once

#include "framereader.h"
#include "outbox.h"
#include "protocol.h"
#include "servercontext.h"
#include "tokenbucket.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QTimer>

#include <memory>

class QTcpSocket;
class QuizSession;
class WorkerHost;

// Serves one client connection: reads and checks its frames, answers it, runs its services
// (quiz, time, echo), and writes what the room queues for it. A worker lives in the thread of
// its WorkerHost (a thread of its own by default, or one shared by many workers) and creates its
// socket there; nothing but the room's, the store's and the leaderboard's thread-safe calls and
// its outbox crosses threads. It deletes itself once its connection is closed.
//
// A connection whose first line is a JSON object speaks JSON; any other first line starts
// plain-text mode (for nc and telnet): lines are parsed into the same frames, and every frame
// sent is rendered as readable text.
class ClientWorker : public QObject
{
    Q_OBJECT

public:
    ClientWorker(qintptr socketDescriptor, const ServerContext &context, WorkerHost *host);
    ~ClientWorker() override;

    // All run in the worker's thread: connect them, or call them with invokeMethod.
    void start();
    void shutdown(const QString &reason);
    // Writes everything the room queued for this client, in one write (the host calls it).
    void flushOutbox();

signals:
    // The connection is closed; the worker can be deleted and its thread stopped.
    void finished();

private:
    enum class Mode { Undecided, Json, Text };

    void readFromSocket();
    void handleLine(const QByteArray &line);
    void handleTextLine(const QByteArray &line);
    void handleFrame(const QJsonObject &frame);
    void handleHello(const QJsonObject &frame);
    void handleSay(const QJsonObject &frame);
    void handleDm(const QJsonObject &frame);
    void handleHistory(const QJsonObject &frame);
    void resendStored(qint64 id);
    void handleTime(const QJsonObject &frame);
    void handleQuizStart();
    void handleQuizAnswer(const QJsonObject &frame);
    void handleQuizStop();
    void handleLeaderboard();
    void promptForName();
    bool admitChat(const QString &text, const QString &cid);
    void onIdle();

    bool quizRunning() const;
    // Writes frame after whatever the room has queued for this client.
    void send(const QJsonObject &frame);
    // Writes frame ahead of the outbox; only for what must come before it (welcome, replay).
    void writeFrame(const QJsonObject &frame);
    // cid: the failed say's or dm's, so the client knows which of its messages was refused.
    void sendError(Protocol::ErrorCode code, const QString &message, const QString &cid = {});
    void write(const QByteArray &encodedFrame);
    // Writes encoded frames for a JSON client with as few syscalls as possible.
    void writeBatch(const QList<QByteArray> &frames);
    void dropSlowConsumer();
    void leaveRoom(const QString &reason);
    // Says bye with reason, lets queued bytes drain, then closes. Others see leaveReason.
    void closeWithBye(const QString &reason, const QString &leaveReason);
    void onDisconnected();
    // Reports the connection closed and schedules this worker's deletion.
    void finish();

    const qintptr m_socketDescriptor;
    const ServerContext m_context;
    WorkerHost *const m_host;
    QTcpSocket *m_socket = nullptr;
    FrameReader m_reader;
    const qint64 m_readPauseBytes;
    Outbox m_outbox;
    std::unique_ptr<QuizSession> m_quiz;
    TokenBucket m_chatBucket;
    QElapsedTimer m_clock;
    QTimer m_idleTimer;
    int m_floodStrikes = 0; // chat frames refused in a row
    bool m_pinged = false; // a keep-alive ping is unanswered
    QString m_peer; // address:port, for the log
    QString m_name; // empty until registered
    Mode m_mode = Mode::Undecided;
    bool m_receivedAny = false;
    bool m_closing = false;
    bool m_finished = false;
};

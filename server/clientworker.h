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

// Serves one client connection: reads and checks its frames, answers it, runs its services
// (quiz, time, echo), and writes what the room queues for it. Each worker lives in its own
// QThread and creates its socket there; nothing but the room's and the leaderboard's
// thread-safe calls and its outbox crosses threads.
//
// A connection whose first line is a JSON object speaks JSON; any other first line starts
// plain-text mode (for nc and telnet): lines are parsed into the same frames, and every frame
// sent is rendered as readable text.
class ClientWorker : public QObject
{
    Q_OBJECT

public:
    ClientWorker(qintptr socketDescriptor, const ServerContext &context);
    ~ClientWorker() override;

    // Both run in the worker's thread: connect them, or call them with invokeMethod.
    void start();
    void shutdown(const QString &reason);

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
    void flushOutbox();
    void dropSlowConsumer();
    void leaveRoom(const QString &reason);
    // Says bye with reason, lets queued bytes drain, then closes. Others see leaveReason.
    void closeWithBye(const QString &reason, const QString &leaveReason);
    void onDisconnected();

    const qintptr m_socketDescriptor;
    const ServerContext m_context;
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

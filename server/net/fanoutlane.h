#pragma once

#include <QBasicTimer>
#include <QElapsedTimer>
#include <QObject>

#include <memory>
#include <mutex>
#include <vector>

class SocketWriter;

// One fan-out thread's event-loop side: it sends what the room queued on its clients' sockets.
// The room lists a writer here when it queues the first frames since the last send; the lane
// posts itself one event however many writers were listed, and sends each one's queue with one
// non-blocking sendmsg. A socket whose kernel buffer is full is handed to its owner's thread
// (SocketWriter), so a slow client never holds the lane up.
//
// A lane whose last pass was long (BusyPassNs: hundreds of clients) starts the next one no
// sooner than PacedIntervalNs after that one began: under load a pass then carries everything
// that came in the meantime, so a client gets several messages per sendmsg (the kernel's
// loopback path costs per call, not per byte), for at most a millisecond of latency. After a
// short pass (a small room, or a quiet one) the next starts at once.
class FanOutLane : public QObject
{
    Q_OBJECT

public:
    explicit FanOutLane(QObject *parent = nullptr);

    // Any thread.
    void markReady(std::shared_ptr<SocketWriter> writer);

    static constexpr qint64 BusyPassNs = 250'000;
    static constexpr qint64 PacedIntervalNs = 1'000'000;

private:
    void flushReady();
    void timerEvent(QTimerEvent *event) override;

    std::mutex m_mutex;
    // Shared: a client that goes meanwhile leaves a detached writer, which sends nothing.
    std::vector<std::shared_ptr<SocketWriter>> m_ready;
    QElapsedTimer m_lastPass; // since the last pass began
    qint64 m_lastPassNs = 0; // how long it took
    QBasicTimer m_passTimer;
};

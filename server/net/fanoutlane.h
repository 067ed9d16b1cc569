#pragma once

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
class FanOutLane : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;

    // Any thread.
    void markReady(std::shared_ptr<SocketWriter> writer);

private:
    void flushReady();

    std::mutex m_mutex;
    // Shared: a client that goes meanwhile leaves a detached writer, which sends nothing.
    std::vector<std::shared_ptr<SocketWriter>> m_ready;
};

#pragma once

#include <QList>

#include <QThread>

#include <atomic>
#include <memory>
#include <vector>

class FanOutLane;

// The threads that write broadcasts to clients' sockets (FanOutLane), shared by every client
// whatever thread serves it: a message to a thousand people costs a sendmsg each on these
// threads, not a wake-up of a thousand worker threads. Clients are dealt to the lanes in turn,
// so each lane serves its share and both cores send.
class FanOut
{
public:
    explicit FanOut(int lanes);
    ~FanOut(); // stops the threads
    FanOut(const FanOut &) = delete;
    FanOut &operator=(const FanOut &) = delete;

    // Any thread: the lane for a new client.
    FanOutLane *nextLane();

private:
    std::vector<std::unique_ptr<QThread>> m_threads;
    QList<FanOutLane *> m_lanes; // each lives in its thread, and goes when it finishes
    std::atomic<qsizetype> m_next{0};
};

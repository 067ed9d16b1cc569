#pragma once

#include <QByteArray>
#include <QList>
#include <mutex>

#include <functional>

// The queue of encoded frames bound for one client. Any thread may push; the client's session
// drains it in its own thread. Only the push that finds the queue empty wakes it, so one wake-up
// carries every frame queued until the session runs: a burst of broadcasts costs one cross-thread
// event, not one per frame. The bytes are shared (QByteArray is implicitly shared), never copied.
class Outbox
{
public:
    explicit Outbox(std::function<void()> wake);

    void push(const QByteArray &frame);
    QList<QByteArray> takeAll();

private:
    std::function<void()> m_wake;
    std::mutex m_mutex;
    QList<QByteArray> m_frames;
};

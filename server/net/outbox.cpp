#include "outbox.h"

#include "fanoutlane.h"
#include "socketwriter.h"

Outbox::Outbox(std::function<void()> wake)
    : m_wake(std::move(wake))
{
}

void Outbox::sendThrough(std::shared_ptr<SocketWriter> writer, FanOutLane *lane)
{
    std::unique_lock locker(m_mutex);
    m_writer = std::move(writer);
    m_lane = lane;
}

void Outbox::push(const QList<QByteArray> &frames)
{
    QList<QByteArray> forSession = frames;
    bool wake = false;
    {
        std::unique_lock locker(m_mutex);
        if (m_writer) {
            const qsizetype marker = frames.indexOf(QByteArray());
            if (m_writer->queue(marker < 0 ? frames : frames.first(marker))) {
                m_lane->markReady(m_writer);
            }
            if (marker < 0) {
                return;
            }
            m_writer.reset(); // the session takes over
            forSession = frames.sliced(marker);
        }
        if (forSession.isEmpty()) {
            return;
        }
        wake = m_frames.isEmpty();
        m_frames.append(forSession);
    }
    if (wake) {
        m_wake();
    }
}

QList<QByteArray> Outbox::takeAll()
{
    std::unique_lock locker(m_mutex);
    return std::exchange(m_frames, {});
}

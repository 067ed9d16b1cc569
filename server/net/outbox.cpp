#include "outbox.h"

Outbox::Outbox(std::function<void()> wake)
    : m_wake(std::move(wake))
{
}

void Outbox::push(const QByteArray &frame)
{
    bool wasEmpty = false;
    {
        std::unique_lock locker(m_mutex);
        wasEmpty = m_frames.isEmpty();
        m_frames.append(frame);
    }
    if (wasEmpty) {
        m_wake();
    }
}

QList<QByteArray> Outbox::takeAll()
{
    std::unique_lock locker(m_mutex);
    return std::exchange(m_frames, {});
}

#include "fanoutlane.h"

#include "socketwriter.h"

void FanOutLane::markReady(std::shared_ptr<SocketWriter> writer)
{
    std::unique_lock locker(m_mutex);
    m_ready.push_back(std::move(writer));
    if (m_ready.size() == 1) {
        QMetaObject::invokeMethod(this, &FanOutLane::flushReady, Qt::QueuedConnection);
    }
}

void FanOutLane::flushReady()
{
    std::vector<std::shared_ptr<SocketWriter>> ready;
    {
        std::unique_lock locker(m_mutex);
        ready.swap(m_ready);
    }
    for (const std::shared_ptr<SocketWriter> &writer : ready) {
        writer->flush();
    }
}

#include "fanoutlane.h"

#include "socketwriter.h"

#include <QTimerEvent>

FanOutLane::FanOutLane(QObject *parent)
    : QObject(parent)
{
}

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
    if (m_passTimer.isActive()) {
        return; // the pass is due already
    }
    if (m_lastPassNs >= BusyPassNs && m_lastPass.isValid()
        && m_lastPass.nsecsElapsed() < PacedIntervalNs) {
        const qint64 waitNs = PacedIntervalNs - m_lastPass.nsecsElapsed();
        m_passTimer.start(int((waitNs + 999'999) / 1'000'000), Qt::PreciseTimer, this);
        return;
    }
    m_lastPass.start();
    std::vector<std::shared_ptr<SocketWriter>> ready;
    {
        std::unique_lock locker(m_mutex);
        ready.swap(m_ready);
    }
    for (const std::shared_ptr<SocketWriter> &writer : ready) {
        writer->flush();
    }
    m_lastPassNs = m_lastPass.nsecsElapsed();
}

void FanOutLane::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_passTimer.timerId()) {
        QObject::timerEvent(event);
        return;
    }
    m_passTimer.stop();
    m_lastPassNs = 0; // due now
    flushReady();
}

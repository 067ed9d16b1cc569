#include "retentionsweeper.h"

#include "messagestore.h"
#include "storelog.h"

#include <QDateTime>

RetentionSweeper::RetentionSweeper(MessageStore &store, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_timer(this)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &RetentionSweeper::sweepBatch);
}

void RetentionSweeper::setPolicy(const Policy &policy)
{
    m_policy = policy;
    m_thisSweep = 0;
    if (m_policy.isEmpty()) {
        m_timer.stop();
        return;
    }
    m_timer.start(0);
}

void RetentionSweeper::stored(qsizetype count)
{
    m_sinceSweep += count;
    if (!m_policy.isEmpty() && m_sinceSweep >= BatchSize && m_thisSweep == 0
        && m_timer.remainingTime() > 0) {
        m_timer.start(0);
    }
}

void RetentionSweeper::sweepBatch()
{
    m_sinceSweep = 0;
    const qint64 olderThanMs = m_policy.days > 0
        ? QDateTime::currentMSecsSinceEpoch() - qint64(m_policy.days) * 24 * 3600 * 1000
        : 0;
    const std::optional<int> count
        = m_store.pruneMessages(olderThanMs, m_policy.maxMessages, BatchSize);
    if (!count) {
        if (!m_failing) {
            qCWarning(lcStore).noquote()
                << "retention: cannot delete old messages:" << m_store.lastError();
        }
        m_failing = true;
        m_timer.start(m_policy.intervalMs);
        return;
    }
    m_failing = false;
    m_deleted += *count;
    m_thisSweep += *count;
    if (*count == BatchSize) {
        // More to do: after whatever else the store thread has queued meanwhile.
        m_timer.start(0);
        return;
    }
    if (m_thisSweep > 0) {
        qCInfo(lcStore) << "retention: deleted" << m_thisSweep << "old messages";
    }
    emit swept(std::exchange(m_thisSweep, 0));
    m_timer.start(m_policy.intervalMs);
}

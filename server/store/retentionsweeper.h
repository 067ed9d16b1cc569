#pragma once

#include <QObject>
#include <QTimer>

class MessageStore;

// Deletes the messages a retention policy no longer keeps (--retention-days,
// --retention-max-messages), in the store's thread, in the background: a small batch at a time,
// each its own transaction, with the store's other work let in between, so that a first sweep
// over years of history never holds up chat. The newest message is always kept, whatever the
// policy: ids continue from it, and must never be handed out twice.
class RetentionSweeper : public QObject
{
    Q_OBJECT

public:
    struct Policy
    {
        int days = 0; // 0: no limit by age
        qint64 maxMessages = 0; // 0: no limit by count
        int intervalMs = 60 * 1000; // between sweeps once one has found nothing more to delete
        bool isEmpty() const { return days <= 0 && maxMessages <= 0; }
    };
    static constexpr int BatchSize = 1000;

    RetentionSweeper(MessageStore &store, QObject *parent = nullptr);

    // Starts sweeping by policy at once (an empty policy stops it).
    void setPolicy(const Policy &policy);
    // Messages were stored: past a batch's worth since the last sweep, one starts now rather
    // than at the next interval, so that a flood is kept near the policy's size, not a minute's
    // worth of flood past it.
    void stored(qsizetype count);
    // Messages deleted since it was made.
    qint64 deleted() const { return m_deleted; }

signals:
    // A sweep found nothing more to delete; total: what it deleted.
    void swept(qint64 total);

private:
    void sweepBatch();

    MessageStore &m_store;
    Policy m_policy;
    QTimer m_timer;
    qint64 m_deleted = 0;
    qint64 m_thisSweep = 0;
    qint64 m_sinceSweep = 0; // messages stored since the last sweep began
    bool m_failing = false;
};

#pragma once

#include <QList>
#include <QObject>

#include <mutex>

class HostedClient;

// The event-loop side of a worker thread, which serves one client (the default) or many
// (--worker-threads). When a client's outbox stops being empty, the store thread reports it
// here; the host posts itself one event however many of its clients became ready, and writes
// each one's backlog in it. So a broadcast costs each worker thread one wake-up, not one per
// client and message.
class WorkerHost : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;
    ~WorkerHost() override;

    // Any thread: client has frames waiting in its outbox.
    void markReady(HostedClient *client);
    // The host's thread: client is going away; it must not be flushed any more.
    void forget(HostedClient *client);

private:
    void flushReady();

    std::mutex m_mutex;
    QList<HostedClient *> m_ready;
};

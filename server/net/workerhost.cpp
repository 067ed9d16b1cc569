#include "workerhost.h"

#include "hostedclient.h"

WorkerHost::~WorkerHost()
{
    // The clients are children, and each calls forget() as it goes: they must go while this
    // host is still whole, not in ~QObject after its members are gone.
    qDeleteAll(findChildren<HostedClient *>(Qt::FindDirectChildrenOnly));
}

void WorkerHost::markReady(HostedClient *client)
{
    std::unique_lock locker(m_mutex);
    m_ready.append(client);
    if (m_ready.size() == 1) {
        QMetaObject::invokeMethod(this, &WorkerHost::flushReady, Qt::QueuedConnection);
    }
}

void WorkerHost::forget(HostedClient *client)
{
    std::unique_lock locker(m_mutex);
    m_ready.removeAll(client);
}

void WorkerHost::flushReady()
{
    QList<HostedClient *> ready;
    {
        std::unique_lock locker(m_mutex);
        ready.swap(m_ready);
    }
    // Clients are deleted only in this thread, after forget(), so each one here is alive.
    for (HostedClient *client : std::as_const(ready)) {
        client->flushOutbox();
    }
}

#include "workerhost.h"

#include "clientworker.h"

WorkerHost::~WorkerHost()
{
    // The workers are children, and each calls forget() as it goes: they must go while this
    // host is still whole, not in ~QObject after its members are gone.
    qDeleteAll(findChildren<ClientWorker *>(Qt::FindDirectChildrenOnly));
}

void WorkerHost::markReady(ClientWorker *worker)
{
    std::unique_lock locker(m_mutex);
    m_ready.append(worker);
    if (m_ready.size() == 1) {
        QMetaObject::invokeMethod(this, &WorkerHost::flushReady, Qt::QueuedConnection);
    }
}

void WorkerHost::forget(ClientWorker *worker)
{
    std::unique_lock locker(m_mutex);
    m_ready.removeAll(worker);
}

void WorkerHost::flushReady()
{
    QList<ClientWorker *> ready;
    {
        std::unique_lock locker(m_mutex);
        ready.swap(m_ready);
    }
    // Workers are deleted only in this thread, after forget(), so each one here is alive.
    for (ClientWorker *worker : std::as_const(ready)) {
        worker->flushOutbox();
    }
}

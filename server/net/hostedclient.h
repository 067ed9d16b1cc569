#pragma once

#include <QObject>

// What a WorkerHost serves: one client's object in the host's thread, whose outbox fills from
// other threads. The Listener makes it in its own thread, moves it to the host's thread and
// starts it there; it destroys itself once its connection is over.
class HostedClient : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;

    // In the host's thread: take up the connection.
    virtual void start() = 0;
    // In the host's thread: write out whatever has been queued for this client.
    virtual void flushOutbox() = 0;
};

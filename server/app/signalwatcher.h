#pragma once

#include <QObject>

#include <initializer_list>

class QSocketNotifier;

// Turns Unix signals (SIGINT, SIGTERM) into a Qt signal in the main thread. A signal handler
// may do almost nothing safely, so it only writes the signal number to a socket pair that the
// event loop watches (the self-pipe pattern from Qt's "Calling Qt Functions From Unix Signal
// Handlers").
class SignalWatcher : public QObject
{
    Q_OBJECT

public:
    explicit SignalWatcher(std::initializer_list<int> signalNumbers, QObject *parent = nullptr);
    ~SignalWatcher() override;

signals:
    void received(int signalNumber);

private:
    static void handle(int signalNumber);
    void readSignal();

    QSocketNotifier *m_notifier = nullptr;
    static inline int s_fds[2] = {-1, -1};
};

#pragma once

#include <QProcess>
#include <QString>
#include <QTemporaryDir>

// A Redis server of a test's own, from Debian's redis-server: on a free loopback port, keeping
// nothing on disk, stopped when the object goes. It can be killed and started again on the same
// port, as a Redis that restarts under a cluster.
class RedisServer
{
public:
    RedisServer() = default;
    ~RedisServer();

    RedisServer(const RedisServer &) = delete;
    RedisServer &operator=(const RedisServer &) = delete;

    // On a free port the first time, on the same port after kill(); false with error() saying why.
    bool start();
    // SIGKILL, as a crash.
    void kill();
    QString error() const { return m_error; }
    quint16 port() const { return m_port; }
    bool isRunning() const { return m_server.state() == QProcess::Running; }
    QString url() const;

private:
    bool serve();

    QTemporaryDir m_dir;
    QProcess m_server;
    quint16 m_port = 0;
    QString m_error;
};

#include "redisserver.h"

#include <QDeadlineTimer>
#include <QRandomGenerator>
#include <QTcpServer>

#include <signal.h>
#include <sys/prctl.h>

using namespace Qt::StringLiterals;

RedisServer::~RedisServer()
{
    kill();
}

QString RedisServer::url() const
{
    return u"redis://127.0.0.1:%1"_s.arg(m_port);
}

bool RedisServer::start()
{
    if (!m_dir.isValid()) {
        m_error = u"cannot make a temporary directory"_s;
        return false;
    }
    if (m_port != 0) {
        return serve(); // the same port again
    }
    // A port below the kernel's ephemeral range (32768 up), so that no client connection takes
    // it between a kill and a restart on the same port; one in use makes it try another.
    for (int attempt = 0; attempt < 20; ++attempt) {
        m_port = quint16(20000 + QRandomGenerator::global()->bounded(12000));
        QTcpServer probe;
        if (!probe.listen(QHostAddress::LocalHost, m_port)) {
            continue;
        }
        probe.close();
        if (serve()) {
            return true;
        }
        if (!m_error.contains(u"in use"_s)) {
            return false;
        }
    }
    return false;
}

bool RedisServer::serve()
{
    m_server.setProcessChannelMode(QProcess::MergedChannels);
    m_server.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    m_server.start(u"redis-server"_s,
        {u"--port"_s, QString::number(m_port), u"--bind"_s, u"127.0.0.1"_s, u"--save"_s, u""_s,
            u"--appendonly"_s, u"no"_s, u"--dir"_s, m_dir.path(), u"--daemonize"_s, u"no"_s});
    if (!m_server.waitForStarted(10000)) {
        m_error = u"cannot run redis-server (scripts/deps.sh installs Debian's): "_s
            + m_server.errorString();
        return false;
    }
    QByteArray log;
    const QDeadlineTimer deadline(30000);
    while (!deadline.hasExpired() && m_server.state() == QProcess::Running) {
        m_server.waitForReadyRead(int(std::max<qint64>(1, deadline.remainingTime())));
        log += m_server.readAll();
        if (log.contains("Ready to accept connections")) {
            return true;
        }
    }
    m_server.waitForFinished(5000);
    m_error = u"redis-server did not start: "_s + QString::fromLocal8Bit(log + m_server.readAll());
    return false;
}

void RedisServer::kill()
{
    if (m_server.state() != QProcess::NotRunning) {
        m_server.kill();
        m_server.waitForFinished(10000);
    }
}

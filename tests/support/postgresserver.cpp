#include "postgresserver.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>
#include <QVersionNumber>

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {

constexpr auto SuperUser = "natter"_L1;

quint16 freePort()
{
    QTcpServer probe;
    return probe.listen(QHostAddress::LocalHost) ? probe.serverPort() : 0;
}

} // namespace

PostgresServer::~PostgresServer()
{
    if (m_server.state() != QProcess::NotRunning) {
        // A fast shutdown: the clients are gone, and nothing of it is kept.
        ::kill(pid_t(m_server.processId()), SIGINT);
        if (!m_server.waitForFinished(10000)) {
            m_server.kill();
            m_server.waitForFinished(5000);
        }
    }
}

QString PostgresServer::binDirectory()
{
    const QDir versions(u"/usr/lib/postgresql"_s);
    QString best;
    QVersionNumber newest;
    for (const QString &entry : versions.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        const QVersionNumber version = QVersionNumber::fromString(entry);
        if (version > newest && QFile::exists(versions.filePath(entry + u"/bin/postgres"_s))) {
            newest = version;
            best = versions.filePath(entry + u"/bin"_s);
        }
    }
    return best;
}

bool PostgresServer::start()
{
    const QString bin = binDirectory();
    if (bin.isEmpty()) {
        m_error = u"no PostgreSQL server installed (scripts/deps.sh installs Debian's)"_s;
        return false;
    }
    if (!m_dir.isValid()) {
        m_error = u"cannot make a temporary directory"_s;
        return false;
    }
    if (::geteuid() == 0) {
        const passwd *nobody = ::getpwnam("nobody");
        if (!nobody) {
            m_error = u"running as root, and there is no user nobody to run PostgreSQL as"_s;
            return false;
        }
        m_uid = int(nobody->pw_uid);
        m_gid = int(nobody->pw_gid);
        if (::chown(QFile::encodeName(m_dir.path()).constData(), uid_t(m_uid), gid_t(m_gid)) != 0) {
            m_error = u"cannot hand %1 to the user nobody"_s.arg(m_dir.path());
            return false;
        }
    }
    return initialise(bin) && serve(bin);
}

void PostgresServer::runAsServerUser(QProcess &process) const
{
    const int uid = m_uid;
    const int gid = m_gid;
    process.setChildProcessModifier([uid, gid] {
        if (uid >= 0
            && (::setgroups(0, nullptr) != 0 || ::setgid(gid_t(gid)) != 0
                || ::setuid(uid_t(uid)) != 0)) {
            ::_exit(127);
        }
        // After setuid, which clears it: the server goes if the test dies.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    });
}

bool PostgresServer::initialise(const QString &bin)
{
    QProcess initdb;
    runAsServerUser(initdb);
    initdb.setProcessChannelMode(QProcess::MergedChannels);
    initdb.start(bin + u"/initdb"_s,
        {u"--pgdata"_s, m_dir.filePath(u"data"_s), u"--username"_s, SuperUser, u"--auth"_s,
            u"trust"_s, u"--encoding"_s, u"UTF8"_s, u"--locale"_s, u"C"_s, u"--no-sync"_s});
    if (!initdb.waitForFinished(120000) || initdb.exitStatus() != QProcess::NormalExit
        || initdb.exitCode() != 0) {
        m_error = u"initdb failed: "_s + QString::fromLocal8Bit(initdb.readAll());
        return false;
    }
    return true;
}

bool PostgresServer::serve(const QString &bin)
{
    // A port found free may be taken before the server binds it: then try another.
    for (int attempt = 0; attempt < 5; ++attempt) {
        m_port = freePort();
        runAsServerUser(m_server);
        m_server.setProcessChannelMode(QProcess::MergedChannels);
        m_server.start(bin + u"/postgres"_s,
            {u"-D"_s, m_dir.filePath(u"data"_s), u"-p"_s, QString::number(m_port), u"-k"_s,
                m_dir.path(), u"-c"_s, u"listen_addresses=127.0.0.1"_s,
                // A test's data need not survive a crash of the machine.
                u"-c"_s, u"fsync=off"_s, u"-c"_s, u"full_page_writes=off"_s, u"-c"_s,
                u"shared_buffers=16MB"_s, u"-c"_s, u"max_connections=60"_s});
        QByteArray log;
        const QDeadlineTimer deadline(60000);
        while (!deadline.hasExpired() && m_server.state() != QProcess::NotRunning) {
            m_server.waitForReadyRead(int(std::max<qint64>(1, deadline.remainingTime())));
            log += m_server.readAll();
            if (log.contains("ready to accept connections")) {
                return true;
            }
        }
        m_server.waitForFinished(5000);
        log += m_server.readAll();
        m_error = u"PostgreSQL did not start: "_s + QString::fromLocal8Bit(log);
        if (!log.contains("could not bind") && !log.contains("Address already in use")) {
            return false;
        }
    }
    return false;
}

bool PostgresServer::exec(const QString &database, const QStringList &statements)
{
    const QString connection = u"postgres-server-admin"_s;
    bool ok = true;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QPSQL"_s, connection);
        db.setHostName(u"127.0.0.1"_s);
        db.setPort(m_port);
        db.setUserName(SuperUser);
        db.setDatabaseName(database);
        if (!db.open()) {
            m_error = db.lastError().text();
            ok = false;
        }
        QSqlQuery query(db);
        for (qsizetype i = 0; ok && i < statements.size(); ++i) {
            if (!query.exec(statements.at(i))) {
                m_error = statements.at(i) + u": "_s + query.lastError().text();
                ok = false;
            }
        }
    }
    QSqlDatabase::removeDatabase(connection);
    return ok;
}

QString PostgresServer::createDatabase(const QString &name)
{
    if (!exec(u"postgres"_s, {u"CREATE DATABASE \"%1\""_s.arg(name)})) {
        return {};
    }
    return u"postgresql://%1@127.0.0.1:%2/%3"_s.arg(SuperUser).arg(m_port).arg(name);
}

#pragma once

#include <QProcess>
#include <QString>
#include <QTemporaryDir>

// A PostgreSQL server of a test's own, from Debian's packages: a cluster made with initdb in a
// temporary directory, served on a free loopback port, stopped and removed when the object goes.
// PostgreSQL refuses to run as root, so under root it runs as the user "nobody". Nothing of the
// machine's own PostgreSQL (a service, its port, its files) is used.
class PostgresServer
{
public:
    PostgresServer() = default;
    ~PostgresServer();

    PostgresServer(const PostgresServer &) = delete;
    PostgresServer &operator=(const PostgresServer &) = delete;

    // Makes the cluster and starts the server; false with error() saying why.
    bool start();
    QString error() const { return m_error; }
    quint16 port() const { return m_port; }

    // A new, empty database; its URL for --db (postgresql://natter@127.0.0.1:PORT/name), or an
    // empty string with error() saying why.
    QString createDatabase(const QString &name);
    // Runs SQL in a database of this server as its superuser; false with error() saying why.
    bool exec(const QString &database, const QStringList &statements);

    // The directory of the newest installed PostgreSQL's programs, or empty if there is none.
    static QString binDirectory();

private:
    bool initialise(const QString &bin);
    bool serve(const QString &bin);
    void runAsServerUser(QProcess &process) const;

    QTemporaryDir m_dir;
    QProcess m_server;
    quint16 m_port = 0;
    QString m_error;
    // The user the server runs as when the test runs as root (PostgreSQL will not).
    int m_uid = -1;
    int m_gid = -1;
};

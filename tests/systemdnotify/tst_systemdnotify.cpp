#include "systemdnotifier.h"

#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSocketNotifier>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {

// What systemd does for a Type=notify service: a Unix datagram socket, named to the service in
// NOTIFY_SOCKET, each datagram a few "FIELD=value" lines. Received datagrams are kept in order.
class NotifySocket : public QObject
{
    Q_OBJECT

public:
    explicit NotifySocket(const QString &path)
        : m_path(path)
    {
        sockaddr_un address{};
        const QByteArray name = QFile::encodeName(path);
        if (name.size() >= qsizetype(sizeof(address.sun_path))) {
            m_error = u"socket path too long: "_s + path;
            return;
        }
        m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        address.sun_family = AF_UNIX;
        qstrncpy(address.sun_path, name.constData(), sizeof(address.sun_path));
        if (m_fd < 0
            || ::bind(m_fd, reinterpret_cast<const sockaddr *>(&address), sizeof(address)) != 0) {
            m_error = u"cannot bind %1: %2"_s.arg(path, qt_error_string(errno));
            return;
        }
        m_notifier = new QSocketNotifier(m_fd, QSocketNotifier::Read, this);
        connect(m_notifier, &QSocketNotifier::activated, this, &NotifySocket::readDatagrams);
    }
    ~NotifySocket() override
    {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }

    QString path() const { return m_path; }
    QString error() const { return m_error; }
    const QStringList &datagrams() const { return m_datagrams; }
    // The first datagram that has this line, or an empty string.
    QString find(const QString &line) const
    {
        for (const QString &datagram : m_datagrams) {
            if (datagram.split(u'\n').contains(line)) {
                return datagram;
            }
        }
        return {};
    }

signals:
    void received(const QString &datagram);

private:
    void readDatagrams()
    {
        char buffer[4096];
        ssize_t size = 0;
        while ((size = ::recv(m_fd, buffer, sizeof(buffer), 0)) >= 0) {
            m_datagrams.append(QString::fromUtf8(buffer, size));
            emit received(m_datagrams.constLast());
        }
    }

    QString m_path;
    QString m_error;
    int m_fd = -1;
    QSocketNotifier *m_notifier = nullptr;
    QStringList m_datagrams;
};

} // namespace

// SystemdNotifier, and natter-server as systemd runs a Type=notify service: NOTIFY_SOCKET names
// a datagram socket the test made, READY=1 must come once the port accepts connections and
// STOPPING=1 once SIGTERM has begun the shutdown. Without NOTIFY_SOCKET nothing is sent.
class tst_SystemdNotify : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void silentWithoutNotifySocket();
    void reloadIsReloadingThenReady();
    void serverIsReadyWhenListeningAndStoppingOnSigterm();
    void unreachableSocketDoesNotStopTheServer();

private:
    QTemporaryDir m_dir;
    QByteArray m_savedNotifySocket;
};

void tst_SystemdNotify::init()
{
    QVERIFY(m_dir.isValid());
    m_savedNotifySocket = qgetenv("NOTIFY_SOCKET");
    qunsetenv("NOTIFY_SOCKET");
}

void tst_SystemdNotify::cleanup()
{
    if (m_savedNotifySocket.isNull()) {
        qunsetenv("NOTIFY_SOCKET");
    } else {
        qputenv("NOTIFY_SOCKET", m_savedNotifySocket);
    }
}

void tst_SystemdNotify::silentWithoutNotifySocket()
{
    QVERIFY(!SystemdNotifier::isEnabled());
    QVERIFY(!SystemdNotifier::ready(u"listening on 127.0.0.1:9990"_s));
    QVERIFY(!SystemdNotifier::reloading());
    QVERIFY(!SystemdNotifier::stopping());
}

void tst_SystemdNotify::reloadIsReloadingThenReady()
{
    NotifySocket socket(m_dir.filePath(u"notify-reload"_s));
    QVERIFY2(socket.error().isEmpty(), qPrintable(socket.error()));
    QSignalSpy received(&socket, &NotifySocket::received);
    QVERIFY(received.isValid());
    qputenv("NOTIFY_SOCKET", QFile::encodeName(socket.path()));
    QVERIFY(SystemdNotifier::isEnabled());

    QVERIFY(SystemdNotifier::reloading());
    QVERIFY(SystemdNotifier::ready(u"listening on 127.0.0.1:9990\nREADY=0"_s));
    QTRY_COMPARE(received.size(), 2);

    const QStringList reloading = socket.datagrams().at(0).split(u'\n');
    QVERIFY2(reloading.contains(u"RELOADING=1"_s), qPrintable(socket.datagrams().at(0)));
    // systemd 253 matches the reload by this timestamp, which must be CLOCK_MONOTONIC's.
    const QString stamp = reloading.filter(QRegularExpression(u"^MONOTONIC_USEC=\\d+$"_s)).value(0);
    QVERIFY2(!stamp.isEmpty(), qPrintable(socket.datagrams().at(0)));
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const qint64 microseconds = qint64(now.tv_sec) * 1000000 + now.tv_nsec / 1000;
    const qint64 sent = stamp.mid(qstrlen("MONOTONIC_USEC=")).toLongLong();
    QVERIFY2(sent <= microseconds && sent > microseconds - 60 * 1000000, qPrintable(stamp));

    // The status stays one field: a line break in it cannot say READY=0.
    QCOMPARE(socket.datagrams().at(1), u"READY=1\nSTATUS=listening on 127.0.0.1:9990 READY=0"_s);
}

void tst_SystemdNotify::serverIsReadyWhenListeningAndStoppingOnSigterm()
{
    NotifySocket socket(m_dir.filePath(u"notify"_s));
    QVERIFY2(socket.error().isEmpty(), qPrintable(socket.error()));

    QProcess server;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"NOTIFY_SOCKET"_s, socket.path());
    environment.insert(u"XDG_DATA_HOME"_s, m_dir.path());
    server.setProcessEnvironment(environment);
    server.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    server.start(QStringLiteral(NATTER_SERVER_BINARY),
        {u"--bind"_s, u"127.0.0.1"_s, u"--port"_s, u"0"_s, u"--db"_s, u":memory:"_s});
    QVERIFY(server.waitForStarted());
    auto stop = qScopeGuard([&server] {
        server.kill();
        server.waitForFinished();
    });

    QTRY_VERIFY_WITH_TIMEOUT(server.canReadLine(), 20000);
    const QRegularExpressionMatch listening
        = QRegularExpression(uR"(^listening on 127\.0\.0\.1:(\d+)$)"_s)
              .match(QString::fromUtf8(server.readLine()).trimmed());
    QVERIFY(listening.hasMatch());
    const quint16 port = quint16(listening.captured(1).toUInt());

    QTRY_VERIFY_WITH_TIMEOUT(!socket.find(u"READY=1"_s).isEmpty(), 20000);
    QVERIFY2(socket.find(u"READY=1"_s)
                 .split(u'\n')
                 .contains(u"STATUS=listening on 127.0.0.1:"_s + QString::number(port)),
        qPrintable(socket.datagrams().join(u" | "_s)));
    QVERIFY(socket.find(u"STOPPING=1"_s).isEmpty());
    // Ready means accepting: a client that systemd lets start after the server gets in.
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(client.waitForConnected(5000));

    // systemctl reload: RELOADING=1, then READY=1 once the configuration is in effect.
    QCOMPARE(::kill(pid_t(server.processId()), SIGHUP), 0);
    QTRY_COMPARE_WITH_TIMEOUT(socket.datagrams().size(), 3, 20000);
    QVERIFY(socket.datagrams().at(1).startsWith(u"RELOADING=1\n"_s));
    QVERIFY(socket.datagrams().at(2).startsWith(u"READY=1\n"_s));

    QCOMPARE(::kill(pid_t(server.processId()), SIGTERM), 0);
    QTRY_VERIFY_WITH_TIMEOUT(!socket.find(u"STOPPING=1"_s).isEmpty(), 20000);
    QTRY_COMPARE_WITH_TIMEOUT(server.state(), QProcess::NotRunning, 20000);
    stop.dismiss();
    QCOMPARE(server.exitStatus(), QProcess::NormalExit);
    QCOMPARE(server.exitCode(), 0);
    // READY=1, the reload's pair, STOPPING=1, and nothing else.
    QCOMPARE(socket.datagrams().size(), 4);
    QVERIFY(socket.datagrams().at(0).startsWith(u"READY=1\n"_s));
    QVERIFY(socket.datagrams().at(3).startsWith(u"STOPPING=1\n"_s));
}

void tst_SystemdNotify::unreachableSocketDoesNotStopTheServer()
{
    // systemd would give up on a server that cannot tell it it is ready; outside systemd, with a
    // stale NOTIFY_SOCKET inherited from somewhere, the server must still serve.
    QProcess server;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"NOTIFY_SOCKET"_s, m_dir.filePath(u"nobody-listens"_s));
    environment.insert(u"XDG_DATA_HOME"_s, m_dir.path());
    environment.remove(u"QT_LOGGING_RULES"_s);
    server.setProcessEnvironment(environment);
    server.start(QStringLiteral(NATTER_SERVER_BINARY),
        {u"--bind"_s, u"127.0.0.1"_s, u"--port"_s, u"0"_s, u"--db"_s, u":memory:"_s});
    QVERIFY(server.waitForStarted());
    auto stop = qScopeGuard([&server] {
        server.kill();
        server.waitForFinished();
    });
    QTRY_VERIFY_WITH_TIMEOUT(server.canReadLine(), 20000);
    QVERIFY(server.readLine().startsWith("listening on 127.0.0.1:"));
    QByteArray log;
    QTRY_VERIFY_WITH_TIMEOUT(
        (log += server.readAllStandardError()).contains("cannot notify systemd"), 20000);

    QCOMPARE(::kill(pid_t(server.processId()), SIGTERM), 0);
    QTRY_COMPARE_WITH_TIMEOUT(server.state(), QProcess::NotRunning, 20000);
    stop.dismiss();
    QCOMPARE(server.exitStatus(), QProcess::NormalExit);
    QCOMPARE(server.exitCode(), 0);
}

QTEST_GUILESS_MAIN(tst_SystemdNotify)
#include "tst_systemdnotify.moc"

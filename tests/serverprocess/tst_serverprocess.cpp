#include "frames.h"
#include "testclient.h"

#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;

// natter-server as a person runs it: the command line, the "listening on" line, and a clean
// exit on SIGTERM and SIGINT with bye sent to connected clients.
class tst_ServerProcess : public QObject
{
    Q_OBJECT

private slots:
    void helpAndVersion();
    void badArguments_data();
    void badArguments();
    void portInUse();
    void badTlsFilesStopTheServer();
    void signalStopsCleanly_data();
    void signalStopsCleanly();

private:
    // Starts the server on a free loopback port; returns the port, or 0.
    quint16 startServer(QProcess &process, const QStringList &extra = {});
};

namespace {

const QString serverBinary = QStringLiteral(NATTER_SERVER_BINARY);

struct Result
{
    int exitCode = -1;
    QString out;
    QString err;
};

Result runToEnd(const QStringList &arguments)
{
    QProcess process;
    process.start(serverBinary, arguments);
    if (!process.waitForFinished(20000)) {
        process.kill();
        process.waitForFinished();
        return {};
    }
    return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()),
        QString::fromUtf8(process.readAllStandardError())};
}

} // namespace

quint16 tst_ServerProcess::startServer(QProcess &process, const QStringList &extra)
{
    // The log is part of what is checked, whatever the suite's logging rules say.
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(u"QT_LOGGING_RULES"_s);
    process.setProcessEnvironment(environment);
    process.start(
        serverBinary, QStringList{u"--bind"_s, u"127.0.0.1"_s, u"--port"_s, u"0"_s} + extra);
    if (!QTest::qWaitFor([&] { return process.canReadLine(); }, 20000)) {
        return 0;
    }
    const QString line = QString::fromUtf8(process.readLine()).trimmed();
    const QRegularExpressionMatch match
        = QRegularExpression(uR"(^listening on 127\.0\.0\.1:(\d+)$)"_s).match(line);
    return match.hasMatch() ? quint16(match.captured(1).toUInt()) : 0;
}

void tst_ServerProcess::helpAndVersion()
{
    const Result help = runToEnd({u"--help"_s});
    QCOMPARE(help.exitCode, 0);
    for (const char *option : {"--bind", "--port", "--max-clients", "--max-frame", "--max-pending",
             "--quiz-seed", "--version"}) {
        QVERIFY2(help.out.contains(QLatin1StringView(option)), option);
    }
    const Result version = runToEnd({u"--version"_s});
    QCOMPARE(version.exitCode, 0);
    QVERIFY(version.out.startsWith(u"natter-server "_s));
}

void tst_ServerProcess::badArguments_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("mentions");

    QTest::newRow("port not a number") << QStringList{u"--port"_s, u"http"_s} << u"--port"_s;
    QTest::newRow("port too big") << QStringList{u"--port"_s, u"70000"_s} << u"--port"_s;
    QTest::newRow("bad address") << QStringList{u"--bind"_s, u"300.1.1.1"_s} << u"--bind"_s;
    QTest::newRow("zero clients") << QStringList{u"--max-clients"_s, u"0"_s} << u"--max-clients"_s;
    QTest::newRow("tiny frame") << QStringList{u"--max-frame"_s, u"10"_s} << u"--max-frame"_s;
    QTest::newRow("pending cap too small")
        << QStringList{u"--max-pending"_s, u"100"_s} << u"--max-pending"_s;
    QTest::newRow("quiz seed not a number")
        << QStringList{u"--quiz-seed"_s, u"-1"_s} << u"--quiz-seed"_s;
    QTest::newRow("unknown option") << QStringList{u"--colour"_s} << u"colour"_s;
    QTest::newRow("stray argument") << QStringList{u"extra"_s} << u"extra"_s;
}

void tst_ServerProcess::badArguments()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, mentions);
    const Result result = runToEnd(arguments);
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(result.err.contains(mentions), qPrintable(result.err));
    QVERIFY(result.out.isEmpty());
}

void tst_ServerProcess::portInUse()
{
    QTcpServer squatter;
    QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
    const Result result = runToEnd(
        {u"--bind"_s, u"127.0.0.1"_s, u"--port"_s, QString::number(squatter.serverPort())});
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.err.contains(u"cannot listen"_s), qPrintable(result.err));
}

void tst_ServerProcess::badTlsFilesStopTheServer()
{
    const QString fixtures = QStringLiteral(NATTER_TLS_FIXTURES);
    const Result result = runToEnd({u"--port"_s, u"0"_s, u"--tls-cert"_s,
        fixtures + u"/server.crt"_s, u"--tls-key"_s, fixtures + u"/other.key"_s});
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.err.contains(u"do not work together"_s), qPrintable(result.err));
    QVERIFY(!result.out.contains(u"listening"_s));

    const Result half = runToEnd({u"--tls-cert"_s, fixtures + u"/server.crt"_s});
    QCOMPARE(half.exitCode, 2);
    QVERIFY(half.err.contains(u"go together"_s));
}

void tst_ServerProcess::signalStopsCleanly_data()
{
    QTest::addColumn<bool>("interrupt");
    QTest::newRow("SIGTERM") << false;
    QTest::newRow("SIGINT") << true;
}

void tst_ServerProcess::signalStopsCleanly()
{
    QFETCH(bool, interrupt);
    QProcess server;
    const quint16 port = startServer(server);
    QVERIFY(port != 0);

    TestClient alice;
    TestClient bob;
    QVERIFY(alice.join(port, u"alice"_s));
    QVERIFY(bob.join(port, u"bob"_s));
    alice.send(Frames::say(u"before the end"_s));
    QVERIFY(bob.waitForFrames(u"message"_s, 1));

    if (interrupt) {
        ::kill(pid_t(server.processId()), SIGINT);
    } else {
        server.terminate();
    }
    for (TestClient *client : {&alice, &bob}) {
        QCOMPARE(client->waitForNext(u"bye"_s).value("reason"_L1).toString(), u"shutdown"_s);
        QVERIFY(client->waitForDisconnected());
    }
    QTRY_COMPARE_WITH_TIMEOUT(server.state(), QProcess::NotRunning, 10000);
    QCOMPARE(server.exitStatus(), QProcess::NormalExit);
    QCOMPARE(server.exitCode(), 0);
    const QString log = QString::fromUtf8(server.readAllStandardError());
    QVERIFY2(log.contains(u"registered as alice"_s), qPrintable(log));
    QVERIFY(log.contains(u"all connections closed"_s));
}

QTEST_GUILESS_MAIN(tst_ServerProcess)
#include "tst_serverprocess.moc"

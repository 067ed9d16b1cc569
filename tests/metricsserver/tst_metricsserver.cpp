#include "frames.h"
#include "testclient.h"
#include "textclient.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;

// natter-server --metrics, as Prometheus sees it: the real binary, real clients doing real
// things, /metrics scraped over HTTP and checked with promtool, and /healthz.
class tst_MetricsServer : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();
    void countsWhatClientsDo();
    void formatPassesPromtool();
    void healthz();
    void badAddressIsRefused();

private:
    bool startServer(const QStringList &extra = {});
    // GET path from the metrics port: the status code and the body.
    std::pair<int, QByteArray> get(const QString &path);
    // The value of one sample of the last scrape ("name" or "name{labels}"); -1 if absent.
    double value(const QByteArray &scrape, const QString &sample) const;

    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_server;
    quint16 m_port = 0;
    quint16 m_metricsPort = 0;
    QNetworkAccessManager m_http;
};

void tst_MetricsServer::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

void tst_MetricsServer::cleanup()
{
    if (m_server) {
        m_server->kill();
        m_server->waitForFinished();
        m_server.reset();
    }
}

bool tst_MetricsServer::startServer(const QStringList &extra)
{
    m_server = std::make_unique<QProcess>();
    m_server->start(QStringLiteral(NATTER_SERVER_BINARY),
        QStringList{u"--bind"_s, u"127.0.0.1"_s, u"--port"_s, u"0"_s, u"--db"_s,
            m_dir.filePath(u"natter.db"_s), u"--metrics"_s, u"127.0.0.1:0"_s}
            + extra);
    QStringList lines;
    const bool started = QTest::qWaitFor(
        [&] {
            while (m_server->canReadLine()) {
                lines.append(QString::fromUtf8(m_server->readLine()).trimmed());
            }
            return lines.size() >= 2;
        },
        20000);
    if (!started) {
        qWarning() << "server did not start:" << m_server->readAllStandardError();
        return false;
    }
    const auto port = QRegularExpression(uR"(^listening on 127\.0\.0\.1:(\d+)$)"_s).match(lines[0]);
    const auto metrics = QRegularExpression(uR"(^metrics on http://127\.0\.0\.1:(\d+)/metrics$)"_s)
                             .match(lines[1]);
    m_port = quint16(port.captured(1).toUInt());
    m_metricsPort = quint16(metrics.captured(1).toUInt());
    return m_port != 0 && m_metricsPort != 0;
}

std::pair<int, QByteArray> tst_MetricsServer::get(const QString &path)
{
    QNetworkReply *reply = m_http.get(
        QNetworkRequest(QUrl(u"http://127.0.0.1:%1%2"_s.arg(m_metricsPort).arg(path))));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!finished.wait(10000)) {
        reply->deleteLater();
        return {0, {}};
    }
    reply->deleteLater();
    return {reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), reply->readAll()};
}

double tst_MetricsServer::value(const QByteArray &scrape, const QString &sample) const
{
    for (const QByteArray &line : scrape.split('\n')) {
        if (line.startsWith(QByteArray(sample.toUtf8() + ' '))) {
            return line.mid(sample.size() + 1).toDouble();
        }
    }
    return -1;
}

void tst_MetricsServer::countsWhatClientsDo()
{
    QVERIFY(startServer({u"--rate"_s, u"1"_s, u"--burst"_s, u"3"_s}));
    TestClient alice;
    QVERIFY(alice.join(m_port, u"alice"_s));
    TextClient bob; // a person with nc
    QVERIFY(bob.connectTo(m_port));
    bob.type(u"bob"_s);
    QVERIFY(!bob.waitForLine(u"Welcome, bob"_s).isEmpty());
    alice.send(Frames::dm(u"nobody"_s, u"psst"_s));
    QCOMPARE(alice.waitForNext(u"error"_s).value("code"_L1).toString(), u"no_such_user"_s);
    for (int i = 1; i <= 5; ++i) { // past the burst, some are refused
        alice.send(Frames::say(u"hello %1"_s.arg(i)));
    }
    QVERIFY(QTest::qWaitFor(
        [&] { return alice.countOfType(u"message"_s) + alice.countOfType(u"error"_s) == 6; }));
    const qsizetype said = alice.countOfType(u"message"_s);
    QVERIFY(said >= 2 && said <= 3);

    // The store commits and the errors are counted as they happen; a scrape sees them soon.
    QByteArray scrape;
    QVERIFY(QTest::qWaitFor([&] {
        scrape = get(u"/metrics"_s).second;
        return value(scrape, uR"(natter_errors_total{code="no_such_user"})"_s) == 1;
    }));
    QCOMPARE(value(scrape, uR"(natter_connected_clients{mode="json"})"_s), 1);
    QCOMPARE(value(scrape, uR"(natter_connected_clients{mode="text"})"_s), 1);
    QCOMPARE(value(scrape, uR"(natter_frames_received_total{type="say"})"_s), 5);
    // bob's name, typed, is a hello too.
    QCOMPARE(value(scrape, uR"(natter_frames_received_total{type="hello"})"_s), 2);
    QCOMPARE(value(scrape, uR"(natter_errors_total{code="rate_limited"})"_s), 5 - said);
    QCOMPARE(value(scrape, u"natter_rate_limited_total"_s), 5 - said);
    // Each message to alice and bob.
    QCOMPARE(value(scrape, uR"(natter_deliveries_total{type="message"})"_s), 2 * said);
    QVERIFY(value(scrape, u"natter_received_bytes_total"_s) > 5 * 20);
    QVERIFY(value(scrape, u"natter_sent_bytes_total"_s)
        > value(scrape, u"natter_received_bytes_total"_s));
    QVERIFY(value(scrape, u"natter_store_commit_seconds_count"_s) >= 1);
    QCOMPARE(value(scrape, u"natter_connections"_s), 2);
    QCOMPARE(value(scrape, u"natter_people_online"_s), 2);

    bob.type(u"/quit"_s);
    QVERIFY(bob.waitForDisconnected());
    QVERIFY(QTest::qWaitFor([&] {
        return value(get(u"/metrics"_s).second, uR"(natter_connected_clients{mode="text"})"_s) == 0;
    }));
}

void tst_MetricsServer::formatPassesPromtool()
{
    const QString promtool = QStandardPaths::findExecutable(u"promtool"_s);
    QVERIFY2(!promtool.isEmpty(), "promtool is missing: scripts/deps.sh installs it");
    QVERIFY(startServer());
    TestClient alice;
    QVERIFY(alice.join(m_port, u"alice"_s));
    alice.send(Frames::say(u"something to count"_s));
    alice.send(Frames::historyRequest(0));
    QVERIFY(alice.waitForFrames(u"history"_s, 1));
    const auto [status, scrape] = get(u"/metrics"_s);
    QCOMPARE(status, 200);
    QProcess check;
    check.start(promtool, {u"check"_s, u"metrics"_s});
    QVERIFY(check.waitForStarted());
    check.write(scrape);
    check.closeWriteChannel();
    QVERIFY(check.waitForFinished(30000));
    const QByteArray said = check.readAllStandardOutput() + check.readAllStandardError();
    QVERIFY2(check.exitCode() == 0 && said.trimmed().isEmpty(), said.constData());
    QVERIFY(value(scrape, u"natter_history_query_seconds_count"_s) >= 1);
}

void tst_MetricsServer::healthz()
{
    QVERIFY(startServer());
    const auto [status, body] = get(u"/healthz"_s);
    QCOMPARE(status, 200);
    QCOMPARE(body, QByteArray("ok\n"));
    QCOMPARE(get(u"/nothing-here"_s).first, 404);
}

void tst_MetricsServer::badAddressIsRefused()
{
    QProcess server;
    server.start(QStringLiteral(NATTER_SERVER_BINARY), {u"--metrics"_s, u"9464"_s});
    QVERIFY(server.waitForFinished(20000));
    QCOMPARE(server.exitCode(), 2);
    QVERIFY(server.readAllStandardError().contains("--metrics needs an IP address and a port"));
}

QTEST_GUILESS_MAIN(tst_MetricsServer)
#include "tst_metricsserver.moc"

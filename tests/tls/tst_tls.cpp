#include "chatclient.h"
#include "chatserver.h"
#include "framecodec.h"
#include "frames.h"
#include "testclient.h"
#include "tlsidentity.h"
#include "truststore.h"

#include <QFile>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QSslSocket>
#include <QStandardPaths>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;

// TLS end to end with the committed test certificates (tests/fixtures/tls): identity checks at
// start-up, chat over TLS, trust on first use in the client, a changed certificate, and a
// plaintext client on a TLS port.
class tst_Tls : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();

    void identityErrors_data();
    void identityErrors();
    void chatOverTlsAfterTrustOnFirstUse();
    void plaintextClientIsDropped();
    void changedCertificateIsFlagged();
    void slowConsumerIsCutOffOverTls();
    void reloadRenewsTheCertificate();

private:
    bool startServer(const QString &name, quint16 port = 0, ServerConfig config = {});
    std::unique_ptr<ChatClient> trustedClient(const QString &name);

    std::unique_ptr<ChatServer> m_server;
    quint16 m_port = 0;
};

namespace {

QString fixture(const QString &file)
{
    return QStringLiteral(NATTER_TLS_FIXTURES) + u'/' + file;
}

QByteArray fingerprintOf(const QString &file)
{
    return TrustStore::fingerprint(QSslCertificate::fromPath(fixture(file)).value(0));
}

} // namespace

void tst_Tls::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true); // "trust always" goes to a test location
    QCoreApplication::setOrganizationName(u"NatterTests"_s);
    // One settings file per process: ctest runs this suite and its pooled twin at once, and
    // each clears its trust store first.
    QCoreApplication::setApplicationName(u"tst_tls-%1"_s.arg(QCoreApplication::applicationPid()));
    QSettings().clear();
    if (!QSslSocket::supportsSsl()) {
        QSKIP("no TLS backend");
    }
}

void tst_Tls::cleanupTestCase()
{
    QFile::remove(QSettings().fileName());
}

void tst_Tls::cleanup()
{
    m_server.reset();
}

bool tst_Tls::startServer(const QString &name, quint16 port, ServerConfig config)
{
    config.bindAddress = QHostAddress::LocalHost;
    config.port = port;
    config.tlsCertificatePath = fixture(name + u".crt"_s);
    config.tlsKeyPath = fixture(name + u".key"_s);
    // The suite runs twice under ctest: a thread per client, and pooled (see CMakeLists).
    config.workerThreads = qEnvironmentVariableIntValue("NATTER_TEST_WORKER_THREADS");
    m_server = std::make_unique<ChatServer>(config);
    if (!m_server->start()) {
        qWarning() << m_server->startError();
        return false;
    }
    m_port = m_server->serverPort();
    return m_server->usesTls();
}

std::unique_ptr<ChatClient> tst_Tls::trustedClient(const QString &name)
{
    auto client = std::make_unique<ChatClient>();
    client->connection().trustStore().trustOnce(
        u"127.0.0.1:%1"_s.arg(m_port), fingerprintOf(u"server.crt"_s));
    client->connectToServer(u"127.0.0.1"_s, m_port, name, false, true);
    if (!QTest::qWaitFor([&] { return client->isOnline(); }, 10000)) {
        return nullptr;
    }
    return client;
}

void tst_Tls::identityErrors_data()
{
    QTest::addColumn<QString>("certificate");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("message");

    QTest::newRow("missing certificate") << u"nowhere.crt"_s << u"server.key"_s << u"cannot read"_s;
    QTest::newRow("not a certificate")
        << u"garbage.pem"_s << u"server.key"_s << u"holds no PEM certificate"_s;
    QTest::newRow("missing key") << u"server.crt"_s << u"nowhere.key"_s << u"cannot read"_s;
    QTest::newRow("not a key") << u"server.crt"_s << u"garbage.pem"_s
                               << u"no unencrypted PEM private key"_s;
    QTest::newRow("key of another certificate")
        << u"server.crt"_s << u"other.key"_s << u"do not work together"_s;
}

void tst_Tls::identityErrors()
{
    QFETCH(QString, certificate);
    QFETCH(QString, key);
    QFETCH(QString, message);

    const auto loaded = TlsIdentity::load(fixture(certificate), fixture(key));
    QVERIFY(std::holds_alternative<QString>(loaded));
    QVERIFY2(std::get<QString>(loaded).contains(message), qPrintable(std::get<QString>(loaded)));

    // The server refuses to start rather than serve plaintext.
    ServerConfig config;
    config.bindAddress = QHostAddress::LocalHost;
    config.port = 0;
    config.tlsCertificatePath = fixture(certificate);
    config.tlsKeyPath = fixture(key);
    ChatServer server(config);
    QVERIFY(!server.start());
    QVERIFY(!server.isListening());
    QVERIFY(server.startError().contains(message));
}

void tst_Tls::chatOverTlsAfterTrustOnFirstUse()
{
    QVERIFY(startServer(u"server"_s));

    // First contact: the certificate is self-signed, so the person is asked.
    ChatClient alice;
    QSignalSpy asked(&alice, &ChatClient::certificateNeedsTrust);
    alice.connectToServer(u"127.0.0.1"_s, m_port, u"alice"_s, false, true);
    QTRY_COMPARE(asked.count(), 1);
    QCOMPARE(asked.at(0).at(1).toByteArray(), fingerprintOf(u"server.crt"_s));
    QCOMPARE(asked.at(0).at(2).toBool(), false);
    QCOMPARE(alice.state(), ChatClient::State::Disconnected);

    // Trusted once, the same certificate goes through.
    alice.connection().trustStore().trustOnce(
        u"127.0.0.1:%1"_s.arg(m_port), asked.at(0).at(1).toByteArray());
    alice.connectToServer(u"127.0.0.1"_s, m_port, u"alice"_s, false, true);
    QTRY_VERIFY(alice.isOnline());
    QCOMPARE(asked.count(), 1);

    auto bob = trustedClient(u"bob"_s);
    QVERIFY(bob);
    QVERIFY(alice.say(u"over TLS"_s));
    QTRY_VERIFY(bob->messages()->rowCount() > 0
        && bob->messages()->entry(bob->messages()->rowCount() - 1).text == u"over TLS"_s);
    bob->leave();
    QTRY_COMPARE(alice.users()->names(), QStringList{u"alice"_s});
}

void tst_Tls::plaintextClientIsDropped()
{
    QVERIFY(startServer(u"server"_s));
    TestClient plain;
    QVERIFY(plain.connectTo(m_port));
    plain.send(Frames::hello(u"plain"_s));
    QVERIFY(plain.waitForDisconnected());
    QCOMPARE(plain.frames().size(), 0); // nothing readable ever came back
    QTRY_COMPARE(m_server->connectionCount(), 0);
}

void tst_Tls::changedCertificateIsFlagged()
{
    QVERIFY(startServer(u"server"_s));
    ChatClient alice;
    alice.connection().trustStore().trustAlways(
        u"127.0.0.1:%1"_s.arg(m_port), fingerprintOf(u"server.crt"_s));
    alice.connectToServer(u"127.0.0.1"_s, m_port, u"alice"_s, false, true);
    QTRY_VERIFY(alice.isOnline());
    alice.leave();

    // Same address, another certificate: a fresh client (the trust was stored) must warn.
    const quint16 port = m_port;
    m_server.reset();
    QVERIFY(startServer(u"other"_s, port));
    ChatClient again;
    QSignalSpy asked(&again, &ChatClient::certificateNeedsTrust);
    again.connectToServer(u"127.0.0.1"_s, port, u"alice"_s, false, true);
    QTRY_COMPARE(asked.count(), 1);
    QCOMPARE(asked.at(0).at(1).toByteArray(), fingerprintOf(u"other.crt"_s));
    QCOMPARE(asked.at(0).at(2).toBool(), true);
    QVERIFY(!again.isOnline());
}

void tst_Tls::slowConsumerIsCutOffOverTls()
{
    // Over TLS the backlog sits in the encrypted buffer, which the cap must count too.
    ServerConfig config;
    config.maxPendingBytes = 256 * 1024;
    config.chatRate = config.chatBurst = 1e6; // a load test, not a flood test
    QVERIFY(startServer(u"server"_s, 0, config));
    auto alice = trustedClient(u"alice"_s);
    auto bob = trustedClient(u"bob"_s);
    QVERIFY(alice && bob);

    QSslSocket sleeper; // registers, then reads next to nothing
    sleeper.setPeerVerifyMode(QSslSocket::VerifyNone);
    sleeper.connectToHostEncrypted(u"127.0.0.1"_s, m_port);
    QTRY_VERIFY_WITH_TIMEOUT(sleeper.isEncrypted(), 10000); // the server accepts in this thread
    sleeper.setReadBufferSize(1); // after the handshake, which needs to read
    sleeper.write(FrameCodec::encode(Frames::hello(u"sleeper"_s)));
    QTRY_VERIFY(bob->users()->names().contains(u"sleeper"_s));

    const QString text(4000, u'z');
    int sent = 0;
    while (bob->users()->names().contains(u"sleeper"_s) && sent < 200 * 50) {
        for (int i = 0; i < 50; ++i) {
            QVERIFY(alice->say(text));
        }
        sent += 50;
        QTRY_VERIFY_WITH_TIMEOUT(bob->messages()->rowCount() >= sent, 60000);
    }
    QVERIFY2(!bob->users()->names().contains(u"sleeper"_s), "the sleeper was never cut off");
    const MessageModel *rows = bob->messages();
    bool sawSlowConsumer = false;
    for (int row = 0; row < rows->rowCount(); ++row) {
        sawSlowConsumer |= rows->entry(row).kind == ChatEntry::Kind::Left
            && rows->entry(row).text == u"slow_consumer"_s;
    }
    QVERIFY(sawSlowConsumer);
    QVERIFY(alice->isOnline() && bob->isOnline());
}

namespace {

// The fingerprint of the certificate a new connection is shown; empty if the handshake fails.
QByteArray servedFingerprint(quint16 port)
{
    QSslSocket socket;
    socket.setPeerVerifyMode(QSslSocket::VerifyNone);
    QSignalSpy encrypted(&socket, &QSslSocket::encrypted); // the server runs in this thread
    socket.connectToHostEncrypted(u"127.0.0.1"_s, port);
    if (!encrypted.wait(10000)) {
        return {};
    }
    return TrustStore::fingerprint(socket.peerCertificate());
}

} // namespace

void tst_Tls::reloadRenewsTheCertificate()
{
    QVERIFY(startServer(u"server"_s));
    QCOMPARE(servedFingerprint(m_port), fingerprintOf(u"server.crt"_s));

    // A renewed certificate (here another one) is read again on a reload.
    ServerConfig next = m_server->config();
    next.tlsCertificatePath = fixture(u"other.crt"_s);
    next.tlsKeyPath = fixture(u"other.key"_s);
    m_server->reload(next);
    QCOMPARE(servedFingerprint(m_port), fingerprintOf(u"other.crt"_s));

    // One that does not load is logged, and the one in use kept.
    next.tlsCertificatePath = fixture(u"garbage.pem"_s);
    QTest::ignoreMessage(QtCriticalMsg,
        QRegularExpression(u"reload: keeping the TLS certificate in use: .*garbage.pem"_s));
    m_server->reload(next);
    QCOMPARE(servedFingerprint(m_port), fingerprintOf(u"other.crt"_s));
    QCOMPARE(m_server->config().tlsCertificatePath, fixture(u"other.crt"_s));
}

QTEST_GUILESS_MAIN(tst_Tls)
#include "tst_tls.moc"

#include "chatconnection.h"
#include "testserver.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <functional>
#include <memory>

using namespace Qt::StringLiterals;
using State = ChatConnection::State;

// The client's connection against servers that are not what they should be, on loopback: one
// that accepts and never answers, one that answers in another protocol (HTTP), one that closes
// at once, one that welcomes and then ignores register. Each attempt must end with an
// explanation, never hang in "Signing in…"; and a real server, answering in time, must not be
// cut off by the handshake timeout once online.
class tst_ChatConnection : public QObject
{
    Q_OBJECT

private slots:
    void handshakeTimeoutDefaultsToTenSeconds();
    void silentServerTimesOut();
    void silentServerIsRetriedWhenRetryingWasAskedFor();
    void notANatterServer_data();
    void notANatterServer();
    void unansweredRegisterTimesOut();
    void onlineIsNotCutOffByTheHandshakeTimeout();
};

namespace {

// A loopback server that hands every accepted connection to onConnection, and keeps them open
// (a silent server is one that holds the connection and says nothing).
class FakeServer : public QObject
{
public:
    explicit FakeServer(std::function<void(QTcpSocket *)> onConnection)
        : m_onConnection(std::move(onConnection))
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                ++m_accepted;
                connect(socket, &QTcpSocket::readyRead, this,
                    [this, socket] { m_received += socket->readAll(); });
                m_onConnection(socket);
            }
        });
    }

    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    quint16 port() const { return m_server.serverPort(); }
    int accepted() const { return m_accepted; }
    QByteArray received() const { return m_received; }

private:
    QTcpServer m_server;
    std::function<void(QTcpSocket *)> m_onConnection;
    int m_accepted = 0;
    QByteArray m_received;
};

// The message of the one connectFailed in spy.
QString failure(const QSignalSpy &spy)
{
    return spy.isEmpty() ? QString() : spy.at(0).at(0).toString();
}

} // namespace

void tst_ChatConnection::handshakeTimeoutDefaultsToTenSeconds()
{
    ChatConnection connection;
    QCOMPARE(connection.handshakeTimeout(), 10000);
    connection.setHandshakeTimeout(1500);
    QCOMPARE(connection.handshakeTimeout(), 1500);
}

void tst_ChatConnection::silentServerTimesOut()
{
    FakeServer server([](QTcpSocket *) {});
    QVERIFY(server.listen());
    ChatConnection connection;
    connection.setHandshakeTimeout(1000);
    QSignalSpy failed(&connection, &ChatConnection::connectFailed);
    QVERIFY(failed.isValid());
    QSignalSpy states(&connection, &ChatConnection::stateChanged);
    QVERIFY(states.isValid());
    QElapsedTimer clock;
    clock.start();
    connection.open(u"127.0.0.1"_s, server.port(), u"alice"_s, false);
    QTRY_VERIFY(server.received().contains("\"hello\""));
    QCOMPARE(connection.state(), State::Registering);

    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 15000);
    QVERIFY(clock.elapsed() >= 900); // not before its time
    QCOMPARE(failure(failed),
        u"The server at 127.0.0.1:%1 accepted the connection but did not answer as a Natter "
        "server within 1 s."_s.arg(server.port()));
    QCOMPARE(connection.state(), State::Disconnected);
    QCOMPARE(server.accepted(), 1); // no retrying: the person is told
    QCOMPARE(states.last().at(0).value<State>(), State::Disconnected);
}

void tst_ChatConnection::silentServerIsRetriedWhenRetryingWasAskedFor()
{
    FakeServer server([](QTcpSocket *) {});
    QVERIFY(server.listen());
    ChatConnection connection;
    connection.setHandshakeTimeout(300);
    connection.setRetryDelays(50, 100);
    QSignalSpy failed(&connection, &ChatConnection::connectFailed);
    QVERIFY(failed.isValid());
    // As with --host: the server may be starting; try again rather than give up.
    connection.open(u"127.0.0.1"_s, server.port(), u"alice"_s, true);
    QTRY_VERIFY_WITH_TIMEOUT(server.accepted() >= 2, 15000);
    QVERIFY(failed.isEmpty());
    connection.close();
    QCOMPARE(connection.state(), State::Disconnected);
}

void tst_ChatConnection::notANatterServer_data()
{
    QTest::addColumn<QByteArray>("answer"); // written as soon as the connection is accepted
    QTest::addColumn<bool>("thenClose");
    QTest::addColumn<QString>("expected");
    QTest::newRow("HTTP, staying open")
        << QByteArray("HTTP/1.1 400 Bad Request\r\n\r\n") << false
        << u"127.0.0.1:%1 is not a Natter server: it answered “HTTP/1.1 400 Bad Request”."_s;
    QTest::newRow("HTTP, then closing")
        << QByteArray("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n") << true
        << u"127.0.0.1:%1 is not a Natter server: it answered “HTTP/1.1 400 Bad Request”."_s;
    QTest::newRow("a banner") << QByteArray("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n") << false
                              << u"127.0.0.1:%1 is not a Natter server: it answered "
                                 "“SSH-2.0-OpenSSH_9.2p1 Debian-2”."_s;
    QTest::newRow("JSON, but no frame") << QByteArray(
        "[1,2,3]\n") << false << u"127.0.0.1:%1 is not a Natter server: it answered “[1,2,3]”."_s;
    QTest::newRow("binary") << QByteArray("\x16\x03\x01\x00\x05\x01\x02\x03\x04\x05\n", 11) << false
                            << u"127.0.0.1:%1 is not a Natter server: what it answered is not a "
                               "Natter frame."_s;
    QTest::newRow("closing without a word")
        << QByteArray() << true
        << u"The server at 127.0.0.1:%1 closed the connection without answering: it is not a "
           "Natter server, or it is shutting down."_s;
}

void tst_ChatConnection::notANatterServer()
{
    QFETCH(QByteArray, answer);
    QFETCH(bool, thenClose);
    QFETCH(QString, expected);
    FakeServer server([answer, thenClose](QTcpSocket *socket) {
        socket->write(answer);
        if (thenClose) {
            socket->disconnectFromHost();
        }
    });
    QVERIFY(server.listen());
    ChatConnection connection; // the handshake timeout stays 10 s: the answer decides, not it
    QSignalSpy failed(&connection, &ChatConnection::connectFailed);
    QVERIFY(failed.isValid());
    QSignalSpy welcomed(&connection, &ChatConnection::welcomed);
    QVERIFY(welcomed.isValid());
    connection.open(u"127.0.0.1"_s, server.port(), u"alice"_s, false);
    QTRY_COMPARE(failed.count(), 1);
    QCOMPARE(failure(failed), expected.arg(server.port()));
    QCOMPARE(connection.state(), State::Disconnected);
    QVERIFY(welcomed.isEmpty());
}

void tst_ChatConnection::unansweredRegisterTimesOut()
{
    // Welcomes the guest, then says nothing to its register.
    FakeServer server([](QTcpSocket *socket) {
        QObject::connect(socket, &QTcpSocket::readyRead, socket, [socket] {
            if (socket->property("welcomed").toBool()) {
                return;
            }
            socket->setProperty("welcomed", true);
            socket->write(R"({"type":"welcome","name":"carol","account":false,"last_id":0})"
                          "\n");
        });
    });
    QVERIFY(server.listen());
    ChatConnection connection;
    connection.setHandshakeTimeout(1000);
    QSignalSpy failed(&connection, &ChatConnection::connectFailed);
    QVERIFY(failed.isValid());
    QSignalSpy welcomed(&connection, &ChatConnection::welcomed);
    QVERIFY(welcomed.isValid());
    connection.open(u"127.0.0.1"_s, server.port(),
        ChatConnection::SignIn{u"carol"_s, u"carol's password"_s, {}, true}, false);
    QTRY_VERIFY(server.received().contains("\"register\""));
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 15000);
    QCOMPARE(failure(failed),
        u"The server at 127.0.0.1:%1 did not answer the request to create the account within "
        "1 s."_s.arg(server.port()));
    QCOMPARE(connection.state(), State::Disconnected);
    QVERIFY(welcomed.isEmpty()); // never online as a guest that meant to be an account
}

void tst_ChatConnection::onlineIsNotCutOffByTheHandshakeTimeout()
{
    QTemporaryDir dir;
    std::unique_ptr<ChatServer> server = startTestServer(dir, ServerConfig());
    QVERIFY(server);
    ChatConnection connection;
    connection.setHandshakeTimeout(300);
    connection.setPingInterval(200);
    QSignalSpy failed(&connection, &ChatConnection::connectFailed);
    QVERIFY(failed.isValid());
    QSignalSpy states(&connection, &ChatConnection::stateChanged);
    QVERIFY(states.isValid());
    QSignalSpy roundTrips(&connection, &ChatConnection::roundTripChanged);
    QVERIFY(roundTrips.isValid());
    connection.open(u"127.0.0.1"_s, server->serverPort(), u"alice"_s, false);
    QTRY_COMPARE(connection.state(), State::Online);
    QElapsedTimer online;
    online.start();
    // Pongs keep coming well past the handshake timeout, on the same connection.
    QTRY_VERIFY_WITH_TIMEOUT(roundTrips.count() >= 3 && online.elapsed() > 900, 15000);
    QCOMPARE(connection.state(), State::Online);
    QCOMPARE(states.last().at(0).value<State>(), State::Online);
    QVERIFY(failed.isEmpty());
}

QTEST_GUILESS_MAIN(tst_ChatConnection)
#include "tst_chatconnection.moc"

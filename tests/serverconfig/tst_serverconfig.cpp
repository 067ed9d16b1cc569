#include "chatserver.h"
#include "frames.h"
#include "serverconfig.h"
#include "testclient.h"
#include "testserver.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

// natter-server's settings from the command line and the configuration file (which line a bad
// value is on, and which source wins), and a reload applied to a running server.
class tst_ServerConfig : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void fileSettingsApply();
    void commandLineWins();
    void badFiles_data();
    void badFiles();
    void stateDirectoryHoldsTheDatabase();
    void reloadAppliesToNewConnections();
    void connectionLimits();
    void reloadChangesTheConnectionRate();
    void grantIsACommandOfItsOwn();

private:
    QString writeFile(const QByteArray &text);
    static std::variant<ServerConfig, ServerConfig::Exit> parse(const QStringList &arguments);

    std::unique_ptr<QTemporaryDir> m_dir;
};

void tst_ServerConfig::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

QString tst_ServerConfig::writeFile(const QByteArray &text)
{
    const QString path = m_dir->filePath(u"natter-server.conf"_s);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(text) != text.size()) {
        qWarning() << "cannot write" << path;
    }
    return path;
}

std::variant<ServerConfig, ServerConfig::Exit> tst_ServerConfig::parse(const QStringList &arguments)
{
    return ServerConfig::fromArguments(QStringList{u"natter-server"_s} + arguments);
}

void tst_ServerConfig::fileSettingsApply()
{
    const QString path = writeFile("# a comment\n"
                                   "# port = 1 (an old setting, commented out)\n"
                                   "; another\n"
                                   "port = 7001\n"
                                   "max-clients=12\n"
                                   "rate = 2.5\n"
                                   "hello-timeout = 7\n"
                                   "guests = off\n"
                                   "db-sync = full\n"
                                   "db = /srv/chat/history.db\n"
                                   "motd = Hi, {name}, and welcome\n"
                                   "[General]\n"
                                   "max-text = 99\n");
    const auto parsed = parse({u"--config"_s, path});
    const auto *exit = std::get_if<ServerConfig::Exit>(&parsed);
    QVERIFY2(!exit, exit ? qPrintable(exit->text) : "");
    const ServerConfig config = std::get<ServerConfig>(parsed);
    QCOMPARE(config.port, 7001);
    QCOMPARE(config.maxClients, 12);
    QCOMPARE(config.chatRate, 2.5);
    QCOMPARE(config.helloTimeoutMs, 7000);
    QCOMPARE(config.guestsAllowed, false);
    QCOMPARE(config.databaseFullSync, true);
    QCOMPARE(config.databaseLocation, u"/srv/chat/history.db"_s);
    // Unquoted, QSettings splits it at the commas; it is read back as written.
    QCOMPARE(config.motd, u"Hi, {name}, and welcome"_s);
    QCOMPARE(config.maxTextLength, 99);
    QCOMPARE(config.configPath, path);
    QCOMPARE(config.chatBurst, ServerConfig().chatBurst); // not in the file: the default
}

void tst_ServerConfig::commandLineWins()
{
    const QString path = writeFile("port = 7001\nmotd = \"from the file\"\n");
    const auto parsed = parse({u"--config"_s, path, u"--port"_s, u"7002"_s});
    QVERIFY(std::holds_alternative<ServerConfig>(parsed));
    QCOMPARE(std::get<ServerConfig>(parsed).port, 7002);
    QCOMPARE(std::get<ServerConfig>(parsed).motd, u"from the file"_s);
}

void tst_ServerConfig::badFiles_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("error"); // FILE stands for the file's path

    QTest::newRow("bad number") << QByteArray("port = 7001\n\n# limits\nmax-clients = lots\n")
                                << u"FILE:4: max-clients needs a number from 1 to 1000000"_s;
    QTest::newRow("out of range") << QByteArray("max-frame = 10\n")
                                  << u"FILE:1: max-frame needs a number of bytes from 256"_s;
    QTest::newRow("bad choice") << QByteArray("guests = maybe\n")
                                << u"FILE:1: guests needs on or off"_s;
    QTest::newRow("bad address") << QByteArray("bind = the-moon\n")
                                 << u"FILE:1: bind needs an IP address"_s;
    QTest::newRow("unknown key") << QByteArray("port = 1\nmax-client = 5\n")
                                 << u"FILE:2: max-client: not a setting"_s;
    QTest::newRow("in a section") << QByteArray("[server]\nport = 5\n")
                                  << u"FILE:2: server/port: not a setting"_s;
    QTest::newRow("not for a file")
        << QByteArray("config = /etc/other.conf\n") << u"FILE:1: config: not a setting"_s;
    QTest::newRow("half of TLS") << QByteArray("tls-cert = /etc/ssl/chat.pem\n")
                                 << u"--tls-cert and --tls-key go together"_s;
}

void tst_ServerConfig::badFiles()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, error);
    const QString path = writeFile(text);
    const auto parsed = parse({u"--config"_s, path});
    QVERIFY(std::holds_alternative<ServerConfig::Exit>(parsed));
    const ServerConfig::Exit exit = std::get<ServerConfig::Exit>(parsed);
    QCOMPARE(exit.code, 2);
    QVERIFY2(exit.text.contains(QString(error).replace(u"FILE"_s, path)), qPrintable(exit.text));

    const auto missing = parse({u"--config"_s, m_dir->filePath(u"nowhere.conf"_s)});
    QVERIFY(std::holds_alternative<ServerConfig::Exit>(missing));
    QVERIFY(std::get<ServerConfig::Exit>(missing).text.contains(u"cannot read"_s));
}

void tst_ServerConfig::stateDirectoryHoldsTheDatabase()
{
    // As systemd runs the service: StateDirectory=natter.
    qputenv("STATE_DIRECTORY", "/var/lib/natter:/var/lib/other");
    const auto parsed = parse({});
    qunsetenv("STATE_DIRECTORY");
    QVERIFY(std::holds_alternative<ServerConfig>(parsed));
    QCOMPARE(std::get<ServerConfig>(parsed).databaseLocation, u"/var/lib/natter/natter.db"_s);
}

void tst_ServerConfig::reloadAppliesToNewConnections()
{
    ServerConfig config;
    config.motd = u"before, {name}"_s;
    config.maxTextLength = 10;
    auto server = startTestServer(*m_dir, config);
    QVERIFY(server);
    const quint16 port = server->serverPort();
    TestClient alice;
    QVERIFY(alice.join(port, u"alice"_s));
    QCOMPARE(alice.lastOfType(u"welcome"_s).value("motd"_L1).toString(), u"before, alice"_s);

    ServerConfig next = server->config();
    next.motd = u"after, {name}"_s;
    next.maxTextLength = 20;
    next.port = 1; // needs a restart: logged, not applied
    server->reload(next);
    QCOMPARE(server->serverPort(), port);

    TestClient bob;
    QVERIFY(bob.join(port, u"bob"_s));
    QCOMPARE(bob.lastOfType(u"welcome"_s).value("motd"_L1).toString(), u"after, bob"_s);
    bob.send(Frames::say(u"fifteen letters"_s));
    QVERIFY(bob.waitForFrames(u"message"_s, 1));
    // A session keeps the limits it began with.
    alice.send(Frames::say(u"fifteen letters"_s));
    QCOMPARE(alice.waitForNext(u"error"_s).value("code"_L1).toString(), u"text_too_long"_s);
}

void tst_ServerConfig::connectionLimits()
{
    const ServerConfig defaults;
    QCOMPARE(defaults.maxClientsPerNetwork, 128);
    QCOMPARE(defaults.connectRate, 20.0);
    QCOMPARE(defaults.connectBurst, 40.0);
    QCOMPARE(defaults.networkConnectRate, 50.0);
    QCOMPARE(defaults.networkConnectBurst, 150.0);

    const QString path = writeFile("max-per-network = 64\nconnect-rate = 2.5\nconnect-burst = 8\n"
                                   "network-connect-rate = 10\nnetwork-connect-burst = 30\n");
    const auto parsed = parse({u"--config"_s, path, u"--connect-burst"_s, u"9"_s});
    const auto *exit = std::get_if<ServerConfig::Exit>(&parsed);
    QVERIFY2(!exit, exit ? qPrintable(exit->text) : "");
    const ServerConfig config = std::get<ServerConfig>(parsed);
    QCOMPARE(config.maxClientsPerNetwork, 64);
    QCOMPARE(config.connectRate, 2.5);
    QCOMPARE(config.connectBurst, 9.0);
    QCOMPARE(config.networkConnectRate, 10.0);
    QCOMPARE(config.networkConnectBurst, 30.0);
    for (const QString &setting : {u"max-per-network"_s, u"connect-rate"_s, u"connect-burst"_s,
             u"network-connect-rate"_s, u"network-connect-burst"_s}) {
        QVERIFY2(ServerConfig::liveSettings().contains(setting), qPrintable(setting));
        QVERIFY2(config.settings().contains(setting), qPrintable(setting));
    }

    const auto bad = parse({u"--connect-rate"_s, u"0"_s});
    QVERIFY(std::holds_alternative<ServerConfig::Exit>(bad));
    QVERIFY(std::get<ServerConfig::Exit>(bad).text.contains(
        u"--connect-rate needs a number from 0.1 to 1000000"_s));
}

void tst_ServerConfig::reloadChangesTheConnectionRate()
{
    // A reload reaches the listener: new connections from then on meet the new rate.
    auto server = startTestServer(*m_dir, {});
    QVERIFY(server);
    const quint16 port = server->serverPort();
    ServerConfig next = server->config();
    next.connectRate = 0.1;
    next.connectBurst = 2;
    server->reload(next);
    TestClient first;
    TestClient second;
    TestClient third;
    QVERIFY(first.join(port, u"first"_s));
    QVERIFY(second.join(port, u"second"_s));
    QVERIFY(third.connectTo(port));
    const QJsonObject refusal = third.waitForNext(u"error"_s);
    QCOMPARE(refusal.value("code"_L1).toString(), u"too_many_connections"_s);
    QCOMPARE(refusal.value("message"_L1).toString(),
        u"connecting too fast from 127.0.0.1 (at most 0.1 a second); slow down"_s);
    QVERIFY(third.waitForDisconnected());
}

void tst_ServerConfig::grantIsACommandOfItsOwn()
{
    // The database comes from the file, as for the server it edits beside.
    const QString path = writeFile("db = /srv/chat/history.db\n");
    const auto parsed = parse({u"--config"_s, path, u"--grant"_s, u"moderator"_s, u"alice"_s});
    QVERIFY(std::holds_alternative<ServerConfig>(parsed));
    const ServerConfig config = std::get<ServerConfig>(parsed);
    QCOMPARE(config.command, ServerConfig::Command::Grant);
    QCOMPARE(config.grantRole, u"moderator"_s);
    QCOMPARE(config.grantName, u"alice"_s);
    QCOMPARE(config.databaseLocation, u"/srv/chat/history.db"_s);
    for (const QStringList &arguments :
        {QStringList{u"--grant"_s, u"admin"_s, u"alice"_s, u"--check"_s},
            QStringList{u"--grant"_s, u"admin"_s}, QStringList{u"alice"_s}}) {
        const auto refused = parse(arguments);
        QVERIFY(std::holds_alternative<ServerConfig::Exit>(refused));
        QCOMPARE(std::get<ServerConfig::Exit>(refused).code, 2);
    }
    // Not a setting: a file cannot hold it.
    const auto inFile = parse({u"--config"_s, writeFile("grant = admin\n")});
    QVERIFY(std::holds_alternative<ServerConfig::Exit>(inFile));
}

QTEST_GUILESS_MAIN(tst_ServerConfig)
#include "tst_serverconfig.moc"

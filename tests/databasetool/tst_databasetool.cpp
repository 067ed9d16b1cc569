#include "chatserver.h"
#include "databasetool.h"
#include "frames.h"
#include "sqlitefile.h"
#include "testclient.h"
#include "testserver.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

// natter-server --check and --backup, on the files of a real server: a copy taken while it
// writes is whole and holds what was stored, and damage is found, never copied over a good
// backup.
class tst_DatabaseTool : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void backupBesideARunningServer();
    void checkFindsDamage();
    void aDamagedSourceLeavesTheOldBackup();
    void refusals();

private:
    // A server on natter.db in m_dir, which has stored count messages.
    bool serverWithMessages(int count);
    void damage(const QString &path);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ChatServer> m_server;
    std::unique_ptr<TestClient> m_client;
    QString m_file;
};

void tst_DatabaseTool::init()
{
    m_client.reset();
    m_server.reset();
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_file = m_dir->filePath(u"natter.db"_s);
}

bool tst_DatabaseTool::serverWithMessages(int count)
{
    ServerConfig config;
    config.databaseLocation = m_file;
    m_server = startTestServer(*m_dir, config);
    m_client = std::make_unique<TestClient>();
    if (!m_server || !m_client->join(m_server->serverPort(), u"alice"_s)) {
        return false;
    }
    for (int i = 1; i <= count; ++i) {
        m_client->send(Frames::say(u"message %1 "_s.arg(i).repeated(5)));
    }
    return m_client->waitForFrames(u"message"_s, count);
}

void tst_DatabaseTool::damage(const QString &path)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadWrite));
    QVERIFY(file.size() > 8 * 4096);
    QVERIFY(file.seek(file.size() - 4096));
    file.write(QByteArray(4096, '\xa5'));
}

void tst_DatabaseTool::backupBesideARunningServer()
{
    QVERIFY(serverWithMessages(2000));
    // More keeps coming while the copy is made; the copy is the database as of one moment.
    for (int i = 1; i <= 500; ++i) {
        m_client->send(Frames::say(u"during the backup %1"_s.arg(i)));
    }
    const QString copy = m_dir->filePath(u"backup.db"_s);
    const DatabaseTool::Result result = DatabaseTool::backup(m_file, copy);
    QVERIFY2(result.ok, qPrintable(result.report));
    QVERIFY2(result.report.contains(u"the copy is whole"_s), qPrintable(result.report));
    QVERIFY(!QFile::exists(copy + u".partial"_s));
    QVERIFY(QFile::exists(copy + u".ids"_s)); // the newest id handed out goes with it
    const qint64 copied = SqliteFile::count(copy);
    QVERIFY2(copied >= 2000 && copied <= 2500, qPrintable(QString::number(copied)));
    const DatabaseTool::Result checked = DatabaseTool::check(copy);
    QVERIFY2(checked.ok, qPrintable(checked.report));
    QVERIFY2(checked.report.contains(u"%1 messages"_s.arg(copied)), qPrintable(checked.report));
    QVERIFY(m_client->waitForFrames(u"message"_s, 2500)); // the server never stopped

    // The copy is a database a server starts on.
    m_client.reset();
    m_server.reset();
    ServerConfig config;
    config.databaseLocation = copy;
    auto restored = startTestServer(*m_dir, config);
    QVERIFY(restored);
    TestClient bob;
    QVERIFY(bob.join(restored->serverPort(), u"bob"_s));
    // Ids go on after the newest handed out when the copy was made, which may be past the copy.
    const qint64 lastId = bob.lastOfType(u"welcome"_s).value("last_id"_L1).toInteger();
    QVERIFY2(lastId >= copied && lastId <= 2500, qPrintable(QString::number(lastId)));
}

void tst_DatabaseTool::checkFindsDamage()
{
    QVERIFY(serverWithMessages(2000));
    const DatabaseTool::Result live = DatabaseTool::check(m_file); // beside the server
    QVERIFY2(live.ok, qPrintable(live.report));
    m_client.reset();
    m_server.reset(); // everything checkpointed into the file
    damage(m_file);
    const DatabaseTool::Result damaged = DatabaseTool::check(m_file);
    QVERIFY(!damaged.ok);
    QVERIFY2(damaged.report.contains(u"is damaged"_s), qPrintable(damaged.report));
    QVERIFY2(damaged.report.contains(m_file), qPrintable(damaged.report));
}

void tst_DatabaseTool::aDamagedSourceLeavesTheOldBackup()
{
    QVERIFY(serverWithMessages(2000));
    const QString copy = m_dir->filePath(u"backup.db"_s);
    QVERIFY(DatabaseTool::backup(m_file, copy).ok);
    QFile good(copy);
    QVERIFY(good.open(QIODevice::ReadOnly));
    const QByteArray before = good.readAll();
    good.close();
    m_client.reset();
    m_server.reset();
    damage(m_file);
    const DatabaseTool::Result result = DatabaseTool::backup(m_file, copy);
    QVERIFY(!result.ok);
    QVERIFY2(result.report.contains(u"left as it was"_s), qPrintable(result.report));
    QVERIFY(good.open(QIODevice::ReadOnly));
    QCOMPARE(good.readAll(), before);
    QVERIFY(!QFile::exists(copy + u".partial"_s));
}

void tst_DatabaseTool::refusals()
{
    QVERIFY(!DatabaseTool::check(m_dir->filePath(u"nothing.db"_s)).ok);
    QFile empty(m_dir->filePath(u"empty.db"_s));
    QVERIFY(empty.open(QIODevice::WriteOnly));
    empty.close();
    QVERIFY(DatabaseTool::check(empty.fileName()).report.contains(u"empty"_s));
    QVERIFY(serverWithMessages(1));
    QVERIFY(DatabaseTool::backup(m_file, m_file).report.contains(u"another file"_s));
    const auto postgres = DatabaseTool::backup(u"postgresql://natter@db/natter"_s, m_file);
    QVERIFY(!postgres.ok);
    QVERIFY2(postgres.report.contains(u"pg_dump"_s), qPrintable(postgres.report));
}

QTEST_GUILESS_MAIN(tst_DatabaseTool)
#include "tst_databasetool.moc"

#include "frames.h"
#include "testclient.h"

#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTest>

#include <QDateTime>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>

#include <csignal>
#include <unistd.h>

using namespace Qt::StringLiterals;

// natter-server as a person runs it: the command line, the "listening on" line, a clean exit on
// SIGTERM and SIGINT with bye sent to connected clients, its history file (where it lives, what
// survives kill -9, the files it refuses). XDG_DATA_HOME points into a temporary directory, so
// the default database never touches the real home.
class tst_ServerProcess : public QObject
{
    Q_OBJECT

private slots:
    void helpAndVersion();
    void badArguments_data();
    void badArguments();
    void readmeShowsEveryOption();
    void portInUse();
    void badTlsFilesStopTheServer();
    void signalStopsCleanly_data();
    void signalStopsCleanly();
    void defaultDatabaseLocation();
    void killNineLosesNothingDelivered();
    void badDatabaseFiles_data();
    void badDatabaseFiles();
    void secretsStayOutOfTheLog();
    void oneServerPerDatabaseFile();
    void sighupReloadsTheConfigurationFile();
    void jsonLogLines();
    void aDamagedWalDoesNotHandIdsOutAgain();

private:
    // Starts the server on a free loopback port; returns the port, or 0.
    quint16 startServer(QProcess &process, const QStringList &extra = {});
};

namespace {

const QString serverBinary = QStringLiteral(NATTER_SERVER_BINARY);

QTemporaryDir &dataHome()
{
    static QTemporaryDir dir;
    return dir;
}

QProcessEnvironment serverEnvironment()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"XDG_DATA_HOME"_s, dataHome().path());
    return environment;
}

struct Result
{
    int exitCode = -1;
    QString out;
    QString err;
};

Result runToEnd(const QStringList &arguments)
{
    QProcess process;
    process.setProcessEnvironment(serverEnvironment());
    process.start(serverBinary, arguments);
    if (!process.waitForFinished(20000)) {
        process.kill();
        process.waitForFinished();
        return {};
    }
    return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()),
        QString::fromUtf8(process.readAllStandardError())};
}

bool nobodyCanEnter(const QString &directory)
{
    return QProcess::execute(u"runuser"_s,
               {u"-u"_s, u"nobody"_s, u"--"_s, u"test"_s, u"-x"_s, directory, u"-a"_s, u"-r"_s,
                   directory})
        == 0;
}

// natter-server, and any library it loads from outside the system's directories, copied where
// the user nobody may run them. Root may run the binary where it was built, but nobody cannot
// when the checkout sits under a directory only its owner may enter: mktemp -d makes them 0700,
// and CI may clone into one. TMPDIR may be such a directory too (pam_tmpdir makes one for each
// user), so the copy goes to /tmp if nobody cannot enter it.
struct NobodyServer
{
    std::unique_ptr<QTemporaryDir> dir;
    QString binary;
    QString libraryPath; // for LD_LIBRARY_PATH: the copied libraries, if there are any
    QString error; // why there is no copy
};

NobodyServer copyServerForNobody()
{
    NobodyServer server;
    for (const QString &base : {QDir::tempPath(), u"/tmp"_s}) {
        server.dir = std::make_unique<QTemporaryDir>(base + u"/natter-nobody-XXXXXX"_s);
        if (server.dir->isValid()
            && QFile::setPermissions(server.dir->path(),
                QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadGroup
                    | QFile::ExeGroup | QFile::ReadOther | QFile::ExeOther)
            && nobodyCanEnter(server.dir->path())) {
            break;
        }
        server.dir.reset();
    }
    if (!server.dir) {
        server.error = u"no temporary directory that nobody may enter"_s;
        return server;
    }
    const QFileDevice::Permissions executable = QFile::ReadOwner | QFile::WriteOwner
        | QFile::ExeOwner | QFile::ReadGroup | QFile::ExeGroup | QFile::ReadOther | QFile::ExeOther;
    server.binary = server.dir->filePath(u"natter-server"_s);
    if (!QFile::copy(serverBinary, server.binary)
        || !QFile::setPermissions(server.binary, executable)) {
        server.error = u"cannot copy %1 to %2"_s.arg(serverBinary, server.binary);
        return server;
    }
    // A library from the build tree (were the server's own code ever a shared library) would be
    // as far out of nobody's reach as the binary; ldd says "libX.so.1 => /path/libX.so.1 (...)".
    QProcess ldd;
    ldd.start(u"ldd"_s, {serverBinary});
    if (!ldd.waitForFinished(20000) || ldd.exitCode() != 0) {
        server.error = u"ldd %1 failed"_s.arg(serverBinary);
        return server;
    }
    static const QRegularExpression resolved(uR"(=> (/\S+) \()"_s);
    static const QRegularExpression system(uR"(^/(usr/)?lib(32|64|x32)?/)"_s);
    const QString libraries = server.dir->filePath(u"lib"_s);
    for (const QString &line : QString::fromLocal8Bit(ldd.readAllStandardOutput()).split(u'\n')) {
        const QString library = resolved.match(line).captured(1);
        if (library.isEmpty() || library.contains(system)) {
            continue;
        }
        const QString copy = libraries + u'/' + QFileInfo(library).fileName();
        if (!QDir().mkpath(libraries) || !QFile::setPermissions(libraries, executable)
            || !QFile::copy(library, copy) || !QFile::setPermissions(copy, executable)) {
            server.error = u"cannot copy %1 to %2"_s.arg(library, copy);
            return server;
        }
        server.libraryPath = libraries;
    }
    return server;
}

const NobodyServer &serverForNobody()
{
    static const NobodyServer server = copyServerForNobody();
    return server;
}

} // namespace

quint16 tst_ServerProcess::startServer(QProcess &process, const QStringList &extra)
{
    // The log is part of what is checked, whatever the suite's logging rules say.
    QProcessEnvironment environment = serverEnvironment();
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
    QTest::newRow("port too big") << QStringList{u"--port"_s, u"99999"_s} << u"--port"_s;
    QTest::newRow("bad address") << QStringList{u"--bind"_s, u"300.1.1.1"_s} << u"--bind"_s;
    QTest::newRow("zero clients") << QStringList{u"--max-clients"_s, u"0"_s} << u"--max-clients"_s;
    QTest::newRow("tiny frame") << QStringList{u"--max-frame"_s, u"10"_s} << u"--max-frame"_s;
    QTest::newRow("pending cap too small")
        << QStringList{u"--max-pending"_s, u"100"_s} << u"--max-pending"_s;
    QTest::newRow("quiz seed not a number")
        << QStringList{u"--quiz-seed"_s, u"-1"_s} << u"--quiz-seed"_s;
    QTest::newRow("too many worker threads")
        << QStringList{u"--worker-threads"_s, u"1000"_s} << u"--worker-threads"_s;
    QTest::newRow("zero presence limit")
        << QStringList{u"--presence-limit"_s, u"0"_s} << u"--presence-limit"_s;
    QTest::newRow("presence batch not a number")
        << QStringList{u"--presence-batch"_s, u"-1"_s} << u"--presence-batch"_s;
    QTest::newRow("unknown sync mode")
        << QStringList{u"--db-sync"_s, u"sometimes"_s} << u"--db-sync"_s;
    QTest::newRow("empty database name") << QStringList{u"--db"_s, u""_s} << u"--db"_s;
    QTest::newRow("guests neither on nor off")
        << QStringList{u"--guests"_s, u"maybe"_s} << u"--guests"_s;
    QTest::newRow("tokens that never last")
        << QStringList{u"--token-expiry"_s, u"0"_s} << u"--token-expiry"_s;
    QTest::newRow("no hash threads")
        << QStringList{u"--hash-threads"_s, u"0"_s} << u"--hash-threads"_s;
    QTest::newRow("unknown option") << QStringList{u"--colour"_s} << u"colour"_s;
    QTest::newRow("bogus option") << QStringList{u"--bogus"_s} << u"unknown option 'bogus'"_s;
    QTest::newRow("missing value") << QStringList{u"--port"_s} << u"--port"_s;
    QTest::newRow("stray argument") << QStringList{u"extra"_s} << u"extra"_s;
    QTest::newRow("grant without a name") << QStringList{u"--grant"_s, u"admin"_s} << u"--grant"_s;
    QTest::newRow("grant to two names")
        << QStringList{u"--grant"_s, u"admin"_s, u"alice"_s, u"bob"_s} << u"--grant"_s;
}

void tst_ServerProcess::badArguments()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, mentions);
    const Result result = runToEnd(arguments);
    QCOMPARE(result.exitCode, 2);
    QVERIFY(result.out.isEmpty());
    // The error, and one line saying where the options are: not the help, which would scroll
    // the error out of sight.
    const QStringList lines = result.err.split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 2);
    QVERIFY2(lines.at(0).startsWith(u"natter-server: "_s), qPrintable(result.err));
    QVERIFY2(lines.at(0).contains(mentions), qPrintable(result.err));
    QVERIFY2(!lines.at(0).at(15).isUpper(), qPrintable(result.err));
    QCOMPARE(lines.at(1), u"try 'natter-server --help'"_s);
}

void tst_ServerProcess::readmeShowsEveryOption()
{
    // README.md's synopsis and table name every option --help does, and the synopsis's lines
    // line up under the first option.
    QFile file(QStringLiteral(NATTER_TLS_FIXTURES) + u"/../../../README.md"_s);
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
    const QString readme = QString::fromUtf8(file.readAll());
    const qsizetype start = readme.indexOf(u"```\nnatter-server ["_s);
    QVERIFY(start >= 0);
    const QString synopsis = readme.mid(start + 4, readme.indexOf(u"```"_s, start + 4) - start - 4);
    const QStringList lines = synopsis.split(u'\n', Qt::SkipEmptyParts);
    const QString indent(qsizetype(qstrlen("natter-server ")), u' ');
    for (const QString &line : lines.mid(1)) {
        QVERIFY2(line.startsWith(indent + u'['), qPrintable(line));
    }

    const Result help = runToEnd({u"--help"_s});
    QCOMPARE(help.exitCode, 0);
    static const QRegularExpression option(
        uR"(^\s+(?:-\w, )?--([a-z-]+))"_s, QRegularExpression::MultilineOption);
    qsizetype options = 0;
    for (auto match = option.globalMatch(help.out); match.hasNext();) {
        const QString name = match.next().captured(1);
        if (name == "help"_L1 || name == "help-all"_L1 || name == "version"_L1) {
            continue;
        }
        ++options;
        QVERIFY2(synopsis.contains(u"[--"_s + name) || synopsis.contains(u" --"_s + name),
            qPrintable(name));
        QVERIFY2(readme.contains(u"`--"_s + name + u' ') || readme.contains(u"`--"_s + name + u'`'),
            qPrintable(name)); // in the table
    }
    QVERIFY(options >= 20);
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

void tst_ServerProcess::defaultDatabaseLocation()
{
    const QString expected = dataHome().filePath(u"natter-server/natter.db"_s);
    QFile::remove(expected);
    QProcess server;
    QVERIFY(startServer(server) != 0);
    QVERIFY(QFileInfo::exists(expected));
    server.terminate();
    QVERIFY(server.waitForFinished(10000));
    QVERIFY2(QString::fromUtf8(server.readAllStandardError()).contains(expected),
        "the log names the database");
}

void tst_ServerProcess::killNineLosesNothingDelivered()
{
    QTemporaryDir dir;
    const QStringList options{u"--db"_s, dir.filePath(u"crash.db"_s), u"--rate"_s, u"100000"_s,
        u"--burst"_s, u"100000"_s};
    QProcess server;
    quint16 port = startServer(server, options);
    QVERIFY(port != 0);
    TestClient alice;
    TestClient bob;
    QVERIFY(alice.join(port, u"alice"_s));
    QVERIFY(bob.join(port, u"bob"_s));
    // Alice talks without waiting; the server is killed in the middle of it.
    for (int i = 1; i <= 2000; ++i) {
        alice.send(Frames::say(u"message %1"_s.arg(i)));
    }
    QVERIFY(bob.waitForFrames(u"message"_s, 200));
    server.kill(); // SIGKILL: no shutdown, no last write
    QVERIFY(bob.waitForDisconnected());
    QTRY_COMPARE_WITH_TIMEOUT(server.state(), QProcess::NotRunning, 10000);
    const QList<QJsonObject> delivered = bob.framesOfType(u"message"_s);
    QVERIFY(delivered.size() >= 200);

    QProcess restarted;
    port = startServer(restarted, options);
    QVERIFY(port != 0);
    TestClient carol;
    QVERIFY(carol.join(port, u"carol"_s));
    const qint64 lastId = carol.lastOfType(u"welcome"_s).value("last_id"_L1).toInteger();
    QHash<qint64, QString> stored;
    for (qint64 after = 0;;) {
        carol.send(Frames::historyRequest(0, after, Protocol::MaxHistoryPage));
        const QJsonObject page = carol.waitForNext(u"history"_s);
        const QJsonArray messages = page.value("messages"_L1).toArray();
        for (const QJsonValue &message : messages) {
            after = message.toObject().value("id"_L1).toInteger();
            stored.insert(after, message.toObject().value("text"_L1).toString());
        }
        if (!page.value("more"_L1).toBool()) {
            break;
        }
    }
    // Every message a client was shown is in the history, with its id and text.
    for (const QJsonObject &message : delivered) {
        const qint64 id = message.value("id"_L1).toInteger();
        QVERIFY2(stored.contains(id), qPrintable(u"id %1 was delivered but lost"_s.arg(id)));
        QCOMPARE(stored.value(id), message.value("text"_L1).toString());
    }
    QCOMPARE(lastId, stored.size());
    carol.send(Frames::say(u"after the crash"_s));
    QCOMPARE(carol.waitForNext(u"message"_s).value("id"_L1).toInteger(), lastId + 1);
    qInfo() << "delivered before kill -9:" << delivered.size() << "- stored:" << stored.size();
}

void tst_ServerProcess::badDatabaseFiles_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("not a database") << u"garbage"_s << u"not a Natter database"_s;
    QTest::newRow("newer schema") << u"newer"_s << u"newer natter-server"_s;
    QTest::newRow("unreadable") << u"unreadable"_s << u"cannot open the database"_s;
    QTest::newRow("read-only") << u"read-only"_s << u"readonly database"_s;
    QTest::newRow("empty") << u"empty"_s << u"empty file"_s;
    QTest::newRow("damaged") << u"damaged"_s << u"is damaged"_s;
}

void tst_ServerProcess::badDatabaseFiles()
{
    QFETCH(QString, kind);
    QFETCH(QString, mentions);
    // Permissions do not stop root, so as root the server runs as nobody for these.
    const bool asOtherUser
        = ::geteuid() == 0 && (kind == "unreadable"_L1 || kind == "read-only"_L1);
    if (asOtherUser) {
        QVERIFY2(serverForNobody().error.isEmpty(), qPrintable(serverForNobody().error));
    }
    // As nobody, the database goes next to the server's copy, where nobody may enter.
    QTemporaryDir dir(asOtherUser ? serverForNobody().dir->filePath(u"db-XXXXXX"_s)
                                  : QDir::tempPath() + u"/tst_serverprocess-XXXXXX"_s);
    QVERIFY(dir.isValid());
    // Writable by all, as /tmp is: the server's lock file goes next to the database.
    QFile::setPermissions(dir.path(),
        QFile::permissions(dir.path()) | QFile::ReadOther | QFile::ExeOther | QFile::WriteOther
            | QFile::ReadGroup | QFile::ExeGroup | QFile::WriteGroup);
    const QString file = dir.filePath(u"natter.db"_s);
    if (kind == "garbage"_L1) {
        QFile garbage(file);
        QVERIFY(garbage.open(QIODevice::WriteOnly));
        garbage.write(QByteArray(4096, '\x17'));
    } else if (kind == "empty"_L1) {
        QFile empty(file);
        QVERIFY(empty.open(QIODevice::WriteOnly));
    } else {
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"setup"_s);
            db.setDatabaseName(file);
            QVERIFY(db.open());
            QSqlQuery query(db);
            QVERIFY(query.exec(u"CREATE TABLE t (x)"_s));
            if (kind == "damaged"_L1) { // pages enough that the last is a table's
                QVERIFY(query.exec(u"INSERT INTO t WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                                   "SELECT i + 1 FROM n WHERE i < 5000) "
                                   "SELECT printf('row %d of many', i) FROM n"_s));
            }
            QVERIFY(query.exec(kind == "newer"_L1 ? u"PRAGMA user_version = 1000"_s
                                                  : u"PRAGMA user_version = 0"_s));
        }
        QSqlDatabase::removeDatabase(u"setup"_s);
    }
    if (kind == "damaged"_L1) {
        QFile damaged(file);
        QVERIFY(damaged.open(QIODevice::ReadWrite));
        QVERIFY(damaged.size() > 10 * 4096);
        QVERIFY(damaged.seek(damaged.size() - 4096));
        damaged.write(QByteArray(4096, '\xa5'));
    }
    if (kind == "unreadable"_L1) {
        QVERIFY(QFile::setPermissions(file, QFile::ReadOwner | QFile::WriteOwner));
        if (!asOtherUser) {
            QVERIFY(QFile::setPermissions(file, {}));
        }
    } else if (kind == "read-only"_L1) {
        QVERIFY(QFile::setPermissions(
            file, QFile::ReadOwner | QFile::ReadGroup | QFile::ReadOther | QFile::WriteOwner));
        if (!asOtherUser) {
            QVERIFY(QFile::setPermissions(file, QFile::ReadOwner));
        }
    }
    QFile original(file);
    QVERIFY(original.open(QIODevice::ReadOnly) || asOtherUser || kind == "unreadable"_L1);
    const QByteArray before = original.readAll();
    original.close();

    QProcess process;
    QProcessEnvironment environment = serverEnvironment();
    if (asOtherUser && !serverForNobody().libraryPath.isEmpty()) {
        environment.insert(u"LD_LIBRARY_PATH"_s, serverForNobody().libraryPath);
    }
    process.setProcessEnvironment(environment);
    const QStringList arguments{u"--port"_s, u"0"_s, u"--db"_s, file};
    if (asOtherUser) {
        process.start(u"runuser"_s,
            QStringList{u"-u"_s, u"nobody"_s, u"--"_s, serverForNobody().binary} + arguments);
    } else {
        process.start(serverBinary, arguments);
    }
    QVERIFY(process.waitForFinished(20000));
    const QString err = QString::fromUtf8(process.readAllStandardError());
    QCOMPARE(process.exitCode(), 1);
    QVERIFY2(err.contains(mentions), qPrintable(err));
    QVERIFY2(err.contains(file), qPrintable(err));
    QVERIFY(!process.readAllStandardOutput().contains("listening"));
    if (!before.isEmpty()) {
        QVERIFY(original.open(QIODevice::ReadOnly));
        QCOMPARE(original.readAll(), before); // left exactly as it was
    }
}

// Found by running two servers on one file: both ran and handed out the same ids, and one of
// them then failed to store messages its users had already seen.
void tst_ServerProcess::oneServerPerDatabaseFile()
{
    QTemporaryDir dir;
    const QString file = dir.filePath(u"natter.db"_s);
    QProcess first;
    QVERIFY(startServer(first, {u"--db"_s, file}) != 0);
    QProcess second;
    second.setProcessEnvironment(serverEnvironment());
    second.start(serverBinary, {u"--port"_s, u"0"_s, u"--db"_s, file});
    QVERIFY(second.waitForFinished(20000));
    QCOMPARE(second.exitCode(), 1);
    const QString err = QString::fromUtf8(second.readAllStandardError());
    QVERIFY2(err.contains(u"in use by another natter-server (process %1"_s.arg(first.processId())),
        qPrintable(err));
    QVERIFY2(err.contains(file), qPrintable(err));
    QVERIFY(!second.readAllStandardOutput().contains("listening"));

    // A lock left by a server that was killed does not stop the next one.
    first.kill();
    QVERIFY(first.waitForFinished(10000));
    QVERIFY(QFile::exists(file + u".lock"_s));
    QProcess third;
    QVERIFY(startServer(third, {u"--db"_s, file}) != 0);
    third.terminate();
    QVERIFY(third.waitForFinished(10000));
    QCOMPARE(third.exitCode(), 0);
    QVERIFY(!QFile::exists(file + u".lock"_s)); // a clean stop leaves none
}

void tst_ServerProcess::sighupReloadsTheConfigurationFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"natter-server.conf"_s);
    const auto write = [&path](const QByteArray &text) {
        QFile file(path);
        return file.open(QIODevice::WriteOnly | QIODevice::Truncate)
            && file.write(text) == text.size();
    };
    QVERIFY(write("; what the admin set\nmotd = \"before, {name}\"\nmax-text = 10\n"));
    QProcess server;
    const quint16 port = startServer(server, {u"--config"_s, path, u"--db"_s, u":memory:"_s});
    QVERIFY(port != 0);
    QString log;
    const auto logged = [&](const QString &text) {
        return QTest::qWaitFor([&] {
            log += QString::fromUtf8(server.readAllStandardError());
            return log.contains(text);
        });
    };
    TestClient alice;
    QVERIFY(alice.join(port, u"alice"_s));
    QCOMPARE(alice.lastOfType(u"welcome"_s).value("motd"_L1).toString(), u"before, alice"_s);

    QVERIFY(write("motd = \"after, {name}\"\nmax-text = 20\nworker-threads = 3\n"));
    ::kill(pid_t(server.processId()), SIGHUP);
    QVERIFY2(logged(u"configuration reloaded: max-text 10 -> 20, motd"_s), qPrintable(log));
    QVERIFY2(logged(u"a restart is needed to change worker-threads"_s), qPrintable(log));
    TestClient bob;
    QVERIFY(bob.join(port, u"bob"_s));
    QCOMPARE(bob.lastOfType(u"welcome"_s).value("motd"_L1).toString(), u"after, bob"_s);
    bob.send(Frames::say(u"fifteen letters"_s));
    QVERIFY(bob.waitForFrames(u"message"_s, 1));

    // A file that no longer reads changes nothing, and the server goes on.
    QVERIFY(write("motd = \"broken\"\nmax-text = many\n"));
    ::kill(pid_t(server.processId()), SIGHUP);
    QVERIFY2(logged(u"configuration not reloaded, the settings in use are kept: natter-server: "_s
                 + path + u":2: max-text needs a number"_s),
        qPrintable(log));
    TestClient carol;
    QVERIFY(carol.join(port, u"carol"_s));
    QCOMPARE(carol.lastOfType(u"welcome"_s).value("motd"_L1).toString(), u"after, carol"_s);
    server.terminate();
    QVERIFY(server.waitForFinished(10000));
    QCOMPARE(server.exitCode(), 0);
}

void tst_ServerProcess::jsonLogLines()
{
    QProcess server;
    const quint16 port
        = startServer(server, {u"--log-format"_s, u"json"_s, u"--db"_s, u":memory:"_s});
    QVERIFY(port != 0);
    {
        TestClient alice;
        QVERIFY(alice.join(port, u"alice"_s));
        alice.send(Frames::say(u"hi"_s));
        QVERIFY(alice.waitForFrames(u"message"_s, 1));
    }
    server.terminate();
    QVERIFY(server.waitForFinished(10000));
    const QList<QByteArray> lines = server.readAllStandardError().trimmed().split('\n');
    QVERIFY(lines.size() >= 4);
    QStringList messages;
    for (const QByteArray &line : lines) {
        QJsonParseError error{};
        const QJsonObject entry = QJsonDocument::fromJson(line, &error).object();
        QVERIFY2(error.error == QJsonParseError::NoError, line.constData());
        QVERIFY2(
            QDateTime::fromString(entry.value("ts"_L1).toString(), Qt::ISODateWithMs).isValid(),
            line.constData());
        QVERIFY(QStringList({u"debug"_s, u"info"_s, u"warning"_s, u"error"_s})
                    .contains(entry.value("level"_L1).toString()));
        QVERIFY(entry.value("category"_L1).toString().startsWith(u"natter."_s));
        messages.append(entry.value("message"_L1).toString());
    }
    QVERIFY2(messages.contains(u"listening on 127.0.0.1:%1"_s.arg(port)),
        qPrintable(messages.join(u'\n')));
    QVERIFY(!messages.filter(u"registered as alice (guest)"_s).isEmpty());
}

// Found by damaging a copy of a real database: garbage in the -wal after a crash rolled the ids
// back below those clients had seen, and they were handed out again.
void tst_ServerProcess::aDamagedWalDoesNotHandIdsOutAgain()
{
    QTemporaryDir dir;
    const QString file = dir.filePath(u"natter.db"_s);
    const QStringList options{u"--db"_s, file, u"--rate"_s, u"100000"_s, u"--burst"_s, u"100000"_s};
    QProcess server;
    quint16 port = startServer(server, options);
    QVERIFY(port != 0);
    constexpr int Sent = 1000;
    {
        TestClient alice;
        QVERIFY(alice.join(port, u"alice"_s));
        for (int i = 1; i <= Sent; ++i) {
            alice.send(Frames::say(u"message %1"_s.arg(i)));
        }
        QVERIFY(alice.waitForFrames(u"message"_s, Sent));
        QCOMPARE(alice.lastOfType(u"message"_s).value("id"_L1).toInteger(), Sent);
    }
    server.kill(); // a crash: the commits are in the -wal, not yet in the file
    QVERIFY(server.waitForFinished(10000));
    QFile wal(file + u"-wal"_s);
    QVERIFY(wal.open(QIODevice::ReadWrite));
    QVERIFY2(wal.size() > 16 * 4096, qPrintable(QString::number(wal.size())));
    QVERIFY(wal.seek(wal.size() / 2));
    wal.write(QByteArray(int(wal.size() - wal.size() / 2), '\xa5'));
    wal.close();

    QProcess restarted;
    port = startServer(restarted, options);
    QVERIFY(port != 0);
    TestClient carol;
    QVERIFY(carol.join(port, u"carol"_s));
    QCOMPARE(carol.lastOfType(u"welcome"_s).value("last_id"_L1).toInteger(), Sent);
    carol.send(Frames::say(u"after the crash"_s));
    QCOMPARE(carol.waitForNext(u"message"_s).value("id"_L1).toInteger(), Sent + 1);
    restarted.terminate();
    QVERIFY(restarted.waitForFinished(10000));
    const QString err = QString::fromUtf8(restarted.readAllStandardError());
    QVERIFY2(err.contains(u"were stored and handed out: they are lost"_s), qPrintable(err));
}

QTEST_GUILESS_MAIN(tst_ServerProcess)
void tst_ServerProcess::secretsStayOutOfTheLog()
{
    // Listening on every interface without TLS: one warning that passwords would travel in
    // clear. And whatever the log says about sign-ins, no password and no token is in it.
    QProcess server;
    QProcessEnvironment environment = serverEnvironment();
    environment.remove(u"QT_LOGGING_RULES"_s);
    server.setProcessEnvironment(environment);
    server.start(
        serverBinary, {u"--bind"_s, u"0.0.0.0"_s, u"--port"_s, u"0"_s, u"--db"_s, u":memory:"_s});
    QVERIFY(QTest::qWaitFor([&] { return server.canReadLine(); }, 20000));
    const QRegularExpressionMatch match
        = QRegularExpression(uR"(^listening on 0\.0\.0\.0:(\d+)$)"_s)
              .match(QString::fromUtf8(server.readLine()).trimmed());
    QVERIFY(match.hasMatch());
    const quint16 port = quint16(match.captured(1).toUInt());

    const QString password = u"a very secret password"_s;
    TestClient alice;
    QVERIFY(alice.join(port, u"alice"_s));
    alice.send(Frames::registerRequest(password));
    const QString token = alice.waitForNext(u"registered"_s).value("token"_L1).toString();
    QCOMPARE(token.size(), 43);
    TestClient guesser;
    QVERIFY(guesser.connectTo(port));
    guesser.send(Frames::helloWithPassword(u"alice"_s, u"a wrong password"_s));
    QCOMPARE(guesser.waitForNext(u"error"_s).value("code"_L1).toString(), u"auth_failed"_s);
    TestClient resumed;
    QVERIFY(resumed.connectTo(port));
    resumed.send(Frames::helloWithToken(token));
    QVERIFY(resumed.waitForFrames(u"welcome"_s, 1));

    server.terminate();
    QVERIFY(server.waitForFinished(10000));
    const QString log = QString::fromUtf8(server.readAllStandardError());
    QCOMPARE(log.count(u"passwords and sign-in tokens cross the network in clear"_s), 1);
    QVERIFY2(log.contains(u"failed to sign in as alice"_s), qPrintable(log));
    for (const QString &secret : {password, u"a wrong password"_s, token}) {
        QVERIFY2(!log.contains(secret), qPrintable(secret));
    }

    // Bound to loopback, nothing travels beyond the machine: no warning.
    QProcess local;
    QVERIFY(startServer(local, {u"--db"_s, u":memory:"_s}) != 0);
    local.terminate();
    QVERIFY(local.waitForFinished(10000));
    QVERIFY(!QString::fromUtf8(local.readAllStandardError()).contains(u"in clear"_s));
}

#include "tst_serverprocess.moc"

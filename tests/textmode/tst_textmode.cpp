#include "chatserver.h"
#include "frames.h"
#include "pasteguard.h"
#include "quizgenerator.h"
#include "testclient.h"
#include "textclient.h"

#include <QProcess>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QStandardPaths>
#include <QTest>

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

// Plain-text mode over real sockets: a person at nc sharing one chat with JSON clients.
class tst_TextMode : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void silentConnectionIsAskedForItsName();
    void jsonClientNeverSeesThePrompt();
    void textSession();
    void textAndJsonShareOneChat();
    void quizInPlainText();
    void badInputInPlainText();
    void shutdownInPlainText();
    void braceQuitFirstLeaves();
    void silentPersonIsToldInPlainTextAndGivenMoreTime();
    void pasteGoesThroughWhole();
    void pasteTooLongSaysOnceWhatWasDropped();
    void floodingAcrossPastesDisconnects();
    void pasteGuardOnAClock();
    void errorsAreInLowerCase();
    void helpListsEveryCommand();
    void joiningShowsRecentHistory();
    void byeResetsTheConnectionSoNcExits();
    void ncExitsAfterQuit();

private:
    // Replaces the server init() started with one on config.
    bool restart(ServerConfig config);
    // A person who typed name and was welcomed.
    std::unique_ptr<TextClient> person(const QString &name);

    std::unique_ptr<ChatServer> m_server;
    quint16 m_port = 0;
};

namespace {

// "line 1" ... "line count", prefixed, as one write: a paste in a terminal arrives so.
QByteArray paste(const QString &prefix, int count)
{
    QByteArray bytes;
    for (int i = 1; i <= count; ++i) {
        bytes += u"%1 %2\n"_s.arg(prefix).arg(i).toUtf8();
    }
    return bytes;
}

qsizetype countContaining(const QStringList &lines, const QString &text)
{
    return std::count_if(
        lines.cbegin(), lines.cend(), [&text](const QString &line) { return line.contains(text); });
}

qsizetype countStartingWith(const QStringList &lines, const QString &text)
{
    return std::count_if(lines.cbegin(), lines.cend(),
        [&text](const QString &line) { return line.startsWith(text); });
}

} // namespace

void tst_TextMode::init()
{
    ServerConfig config;
    config.bindAddress = QHostAddress::LocalHost;
    config.port = 0;
    config.quizSeed = 99;
    config.maxFrameBytes = 1024;
    // The suite runs twice under ctest: a thread per client, and pooled (see CMakeLists).
    config.workerThreads = qEnvironmentVariableIntValue("NATTER_TEST_WORKER_THREADS");
    m_server = std::make_unique<ChatServer>(config);
    QVERIFY(m_server->start());
    m_port = m_server->serverPort();
}

void tst_TextMode::cleanup()
{
    m_server.reset();
}

bool tst_TextMode::restart(ServerConfig config)
{
    m_server.reset();
    config.bindAddress = QHostAddress::LocalHost;
    config.port = 0;
    config.workerThreads = qEnvironmentVariableIntValue("NATTER_TEST_WORKER_THREADS");
    m_server = std::make_unique<ChatServer>(config);
    m_port = m_server->start() ? m_server->serverPort() : 0;
    return m_port != 0;
}

std::unique_ptr<TextClient> tst_TextMode::person(const QString &name)
{
    auto client = std::make_unique<TextClient>();
    if (!client->connectTo(m_port)) {
        return nullptr;
    }
    client->type(name);
    if (client->waitForLine(u"Welcome, %1!"_s.arg(name)).isEmpty()) {
        return nullptr;
    }
    return client;
}

void tst_TextMode::silentConnectionIsAskedForItsName()
{
    TextClient person;
    QVERIFY(person.connectTo(m_port));
    QVERIFY(!person.waitForLine(u"What is your name?"_s).isEmpty());
    person.type(u"alice"_s);
    QVERIFY(!person.waitForLine(u"Welcome, alice!"_s).isEmpty());
}

void tst_TextMode::jsonClientNeverSeesThePrompt()
{
    TestClient client;
    QVERIFY(client.join(m_port, u"scripted"_s));
    // A silent connection opened after the JSON client gets its prompt: by then the JSON
    // client's prompt delay has passed too.
    TextClient later;
    QVERIFY(later.connectTo(m_port));
    QVERIFY(!later.waitForLine(u"What is your name?"_s).isEmpty());
    client.send(Frames::ping());
    QVERIFY(client.waitForFrames(u"pong"_s, 1));
    QCOMPARE(client.badLines(), QList<QByteArray>());
}

void tst_TextMode::textSession()
{
    TestClient bob;
    QVERIFY(bob.join(m_port, u"bob"_s));
    TextClient alice;
    QVERIFY(alice.connectTo(m_port));
    alice.type(u"alice"_s);
    QVERIFY(!alice.waitForLine(u"Welcome, alice! 2 online: alice, bob."_s).isEmpty());

    alice.type(u"hello from a terminal"_s);
    QVERIFY(QRegularExpression(uR"(^\[\d\d:\d\d\] alice: hello from a terminal$)"_s)
                .match(alice.waitForLine(u"hello from a terminal"_s))
                .hasMatch());
    QCOMPARE(bob.waitForNext(u"message"_s).value("text"_L1).toString(), u"hello from a terminal"_s);

    alice.type(u"/time"_s);
    QVERIFY(QRegularExpression(uR"(^\* It is \d\d:\d\d:\d\d in .+ \(UTC[+-]\d\d:\d\d\)$)"_s)
                .match(alice.waitForLine(u"It is"_s))
                .hasMatch());
    alice.type(u"/day"_s);
    QVERIFY(!alice.waitForLine(QLocale::c().dayName(QDate::currentDate().dayOfWeek())).isEmpty());

    alice.type(u"%bob%hi"_s);
    QVERIFY(!alice.waitForLine(u"(dm to bob) alice: hi"_s).isEmpty());
    const QJsonObject dm = bob.waitForNext(u"dm"_s);
    QCOMPARE(dm.value("from"_L1).toString(), u"alice"_s);
    QCOMPARE(dm.value("text"_L1).toString(), u"hi"_s);

    alice.type(u"quit"_s);
    QVERIFY(!alice.waitForLine(u"* Bye!"_s).isEmpty());
    QVERIFY(alice.waitForDisconnected());
    QCOMPARE(bob.waitForNext(u"left"_s).value("reason"_L1).toString(), u"quit"_s);
}

void tst_TextMode::textAndJsonShareOneChat()
{
    TextClient carol;
    QVERIFY(carol.connectTo(m_port));
    carol.type(u"carol"_s);
    QVERIFY(!carol.waitForLine(u"Welcome, carol!"_s).isEmpty());

    TestClient dave;
    QVERIFY(dave.join(m_port, u"dave"_s));
    QVERIFY(!carol.waitForLine(u"* dave joined"_s).isEmpty());
    dave.send(Frames::say(u"hi carol"_s));
    QVERIFY(!carol.waitForLine(u"dave: hi carol"_s).isEmpty());
    dave.send(Frames::dm(u"carol"_s, u"secret"_s));
    QVERIFY(!carol.waitForLine(u"(dm) dave: secret"_s).isEmpty());
    carol.type(u"/msg dave back at you"_s);
    QCOMPARE(dave.waitForNext(u"dm"_s).value("text"_L1).toString(), u"secret"_s); // his copy
    QCOMPARE(dave.waitForNext(u"dm"_s).value("text"_L1).toString(), u"back at you"_s);
    carol.type(u"/users"_s);
    QVERIFY(!carol.waitForLine(u"2 online: carol, dave"_s).isEmpty());
    dave.socket().abort();
    QVERIFY(!carol.waitForLine(u"* dave left (disconnected)"_s).isEmpty());
}

void tst_TextMode::quizInPlainText()
{
    TextClient erin;
    QVERIFY(erin.connectTo(m_port));
    erin.type(u"erin"_s);
    QVERIFY(!erin.waitForLine(u"Welcome, erin!"_s).isEmpty());
    erin.type(u"/quiz"_s);

    QuizGenerator reference(99);
    const QRegularExpression questionLine(uR"(^\? Question (\d+) of 10: (.+) = \?$)"_s);
    for (int n = 1; n <= 10; ++n) {
        const QuizGenerator::Question expected = reference.next();
        const QRegularExpressionMatch match = questionLine.match(erin.waitForLine(u"Question"_s));
        QVERIFY(match.hasMatch());
        QCOMPARE(match.captured(1).toInt(), n);
        QCOMPARE(match.captured(2), expected.text());
        if (n == 1) {
            erin.type(u"no idea"_s);
            QVERIFY(!erin.waitForLine(u"with a number"_s).isEmpty());
        }
        erin.type(QString::number(expected.answer() + (n == 10 ? 1 : 0)));
        QVERIFY(!erin.waitForLine(n == 10 ? u"Wrong"_s : u"Right!"_s).isEmpty());
    }
    QVERIFY(!erin.waitForLine(u"Quiz over: score 8.75 (9 right, 1 wrong)"_s).isEmpty());
    erin.type(u"/top"_s);
    QVERIFY(!erin.waitForLine(u"1. erin  8.75 points"_s).isEmpty());
    // After the quiz, numbers are chat again.
    erin.type(u"42"_s);
    QVERIFY(!erin.waitForLine(u"erin: 42"_s).isEmpty());
}

void tst_TextMode::badInputInPlainText()
{
    TestClient frank;
    QVERIFY(frank.join(m_port, u"frank"_s));
    TextClient person;
    QVERIFY(person.connectTo(m_port));
    person.type(u"not a valid name"_s);
    QVERIFY(!person.waitForLine(u"! a name may only hold"_s).isEmpty());
    person.type(u"FRANK"_s);
    QVERIFY(!person.waitForLine(u"! the name FRANK is taken"_s).isEmpty());
    person.type(u"grace"_s);
    QVERIFY(!person.waitForLine(u"Welcome, grace!"_s).isEmpty());

    person.socket().write("caf\xc3\n"); // broken UTF-8
    QVERIFY(!person.waitForLine(u"! that line is not valid UTF-8"_s).isEmpty());
    person.type(u"\x1b[2Jgotcha"_s);
    QVERIFY(!person.waitForLine(u"! a message cannot hold control characters"_s).isEmpty());
    person.type(u"/msg nobody hello"_s);
    QVERIFY(!person.waitForLine(u"! nobody called nobody is online"_s).isEmpty());
    person.type(u"/stop"_s);
    QVERIFY(!person.waitForLine(u"! no quiz is running"_s).isEmpty());
    person.type(u"still fine"_s);
    QCOMPARE(frank.waitForNext(u"message"_s).value("text"_L1).toString(), u"still fine"_s);

    // The frame limit holds in text mode too, said in words.
    person.type(QString(2000, u'x'));
    QVERIFY(!person.waitForLine(u"! that line is too long (over 1 KB)"_s).isEmpty());
    QVERIFY(!person.waitForLine(u"* Bye! (that line was too long)"_s).isEmpty());
    QVERIFY(person.waitForDisconnected());
}

void tst_TextMode::shutdownInPlainText()
{
    TextClient person;
    QVERIFY(person.connectTo(m_port));
    person.type(u"henry"_s);
    QVERIFY(!person.waitForLine(u"Welcome, henry!"_s).isEmpty());
    m_server->shutdown();
    QVERIFY(!person.waitForLine(u"* Bye! (the server is shutting down)"_s).isEmpty());
    QVERIFY(person.waitForDisconnected());
}

void tst_TextMode::braceQuitFirstLeaves()
{
    TextClient person;
    QVERIFY(person.connectTo(m_port));
    person.type(u"{quit}"_s); // the old chat programs' goodbye, even before a name
    QVERIFY(!person.waitForLine(u"* Bye!"_s).isEmpty());
    QVERIFY(person.waitForDisconnected());
}

void tst_TextMode::silentPersonIsToldInPlainTextAndGivenMoreTime()
{
    // A person reads the prompt and thinks: it is never sent JSON, and it has three times the
    // hello time (6 s here) where a program has 2 s.
    ServerConfig config;
    config.helloTimeoutMs = 2000;
    QVERIFY(restart(config));
    TextClient thinker;
    TextClient dawdler;
    QVERIFY(thinker.connectTo(m_port));
    QVERIFY(dawdler.connectTo(m_port));
    QVERIFY(!thinker.waitForLine(u"What is your name?"_s).isEmpty());
    QVERIFY(!dawdler.waitForLine(u"What is your name?"_s).isEmpty());

    // A program that began a JSON line (so was not asked its name) connected after them, and
    // is cut off at its 2 s: by then the people have been waiting longer than that.
    TestClient program;
    QVERIFY(program.connectTo(m_port));
    program.sendRaw("{");
    QCOMPARE(program.waitForNext(u"bye"_s).value("reason"_L1).toString(), u"timeout"_s);
    QCOMPARE(program.lastOfType(u"error"_s).value("code"_L1).toString(), u"not_registered"_s);
    QVERIFY(program.badLines().isEmpty());

    thinker.type(u"thinker"_s);
    QVERIFY(!thinker.waitForLine(u"Welcome, thinker!"_s).isEmpty());

    // The one that never types is told, in words, at 6 s.
    QVERIFY(!dawdler.waitForLine(u"! no hello within 6 s: connect again"_s).isEmpty());
    QVERIFY(!dawdler.waitForLine(u"* Bye! (time is up)"_s).isEmpty());
    QVERIFY(dawdler.waitForDisconnected());
    for (const QString &line : dawdler.lines()) {
        QVERIFY2(!line.startsWith(u'{'), qPrintable(line));
    }
}

void tst_TextMode::pasteGoesThroughWhole()
{
    // 41 lines pasted at once (JSON's burst is 20): every one is said, with no "slow down",
    // and the person stays.
    TestClient bob;
    QVERIFY(bob.join(m_port, u"bob"_s));
    auto ivy = person(u"ivy"_s);
    QVERIFY(ivy);
    ivy->socket().write(paste(u"pasted"_s, 41));
    QVERIFY(!ivy->waitForLine(u"ivy: pasted 41"_s).isEmpty());
    QVERIFY(bob.waitForFrames(u"message"_s, 41));
    QCOMPARE(bob.framesOfType(u"message"_s).value(40).value("text"_L1).toString(), u"pasted 41"_s);
    ivy->type(u"/echo still here"_s);
    QVERIFY(!ivy->waitForLine(u"* echo: still here"_s).isEmpty());
    QCOMPARE(countStartingWith(ivy->lines(), u"! "_s), 0);
    QVERIFY(ivy->socket().state() == QAbstractSocket::ConnectedState);
}

void tst_TextMode::pasteTooLongSaysOnceWhatWasDropped()
{
    // 150 lines at once: the paste allowance (100, refilled at 5 a second) lets the first 100
    // through; the rest are dropped, and said so once, after the ones that went.
    TestClient bob;
    QVERIFY(bob.join(m_port, u"bob"_s));
    auto jack = person(u"jack"_s);
    QVERIFY(jack);
    jack->socket().write(paste(u"pasted"_s, 150));
    const QString notice = jack->waitForLine(u"slow down"_s);
    const QRegularExpressionMatch dropped
        = QRegularExpression(uR"(^! slow down: (\d+) of those 150 lines were not sent )"
                             uR"(\(100 lines at once, then 5 a second\)$)"_s)
              .match(notice);
    QVERIFY2(dropped.hasMatch(), qPrintable(notice));
    const qsizetype said = countContaining(jack->lines(), u"jack: pasted "_s);
    QCOMPARE(said + dropped.captured(1).toInt(), 150);
    // The bucket refills while the paste is read: a line more may go through.
    QVERIFY2(said >= 100 && said <= 102, qPrintable(QString::number(said)));
    QVERIFY(bob.waitForFrames(u"message"_s, said));
    jack->type(u"/echo still here"_s);
    QVERIFY(!jack->waitForLine(u"* echo: still here"_s).isEmpty());
    QCOMPARE(countStartingWith(jack->lines(), u"! "_s), 1);
    QCOMPARE(bob.countOfType(u"message"_s), said);
}

void tst_TextMode::floodingAcrossPastesDisconnects()
{
    // The rate still protects the server: paste after paste cut short is flooding.
    TestClient bob;
    QVERIFY(bob.join(m_port, u"bob"_s));
    auto kim = person(u"kim"_s);
    QVERIFY(kim);
    for (int n = 1; n <= 5; ++n) {
        kim->socket().write(paste(u"flood %1 line"_s.arg(n), 200));
        QVERIFY2(!kim->waitForLine(u"! slow down"_s).isEmpty(), qPrintable(QString::number(n)));
    }
    kim->socket().write(paste(u"flood 6 line"_s, 200));
    QVERIFY(!kim->waitForLine(u"! still sending more than 5 lines a second after 6 pastes"_s)
                 .isEmpty());
    QVERIFY(!kim->waitForLine(u"* Bye! (too many lines too fast)"_s).isEmpty());
    QVERIFY(kim->waitForDisconnected());
    QCOMPARE(bob.waitForNext(u"left"_s).value("reason"_L1).toString(), u"flood"_s);
}

void tst_TextMode::pasteGuardOnAClock()
{
    // PasteGuard's rules with time in the test's hands: --rate 5, --burst 20.
    qint64 now = 1000;
    PasteGuard guard(5, 20, [&now] { return now; });
    QCOMPARE(guard.pasteLines(), 100.0);
    int stray = 0; // pastes that ended in the middle of one (there must be none)
    const auto pasteOf = [&](int lines) {
        int admitted = 0;
        for (int i = 0; i < lines; ++i) {
            stray += guard.lineArrived() ? 1 : 0;
            admitted += guard.admit() ? 1 : 0;
        }
        return admitted;
    };
    QCOMPARE(pasteOf(150), 100);
    std::optional<PasteGuard::Paste> ended = guard.end();
    QVERIFY(ended);
    QCOMPARE(ended->lines, 150);
    QCOMPARE(ended->dropped, 50);
    QVERIFY(!ended->flooding);
    QVERIFY(!guard.end()); // nothing more to end

    // Four seconds refill 20 lines; four more pastes cut short, five strikes, not yet flooding.
    for (int strike = 2; strike <= 5; ++strike) {
        now += 4000;
        QCOMPARE(pasteOf(30), 20);
        ended = guard.end();
        QVERIFY(ended && !ended->flooding);
        QCOMPARE(guard.strikes(), strike);
    }
    // A paste that goes through whole clears them.
    now += 4000;
    QCOMPARE(pasteOf(10), 10);
    QVERIFY(!guard.end()->flooding);
    QCOMPARE(guard.strikes(), 0);
    // Commands that take nothing (lineArrived without admit) neither clear nor add.
    now += 600;
    QVERIFY(!guard.lineArrived());
    QCOMPARE(guard.end()->dropped, 0);
    QCOMPARE(stray, 0);

    // Six cut short in a row are flooding. The quiet between lines ends a paste too.
    for (int strike = 1; strike <= 6; ++strike) {
        now += PasteGuard::QuietMs;
        ended = guard.lineArrived(); // the last paste ends here, this line begins the next
        QCOMPARE(bool(ended), strike > 1);
        if (ended) {
            QCOMPARE(ended->flooding, false);
        }
        for (int i = 0; i < 200; ++i) {
            guard.admit();
        }
    }
    ended = guard.end();
    QVERIFY(ended && ended->flooding);

    // Endless input is not one endless paste: it ends every MaxPasteMs.
    PasteGuard endless(5, 20, [&now] { return now; });
    const qint64 start = now;
    QVERIFY(!endless.lineArrived());
    while (now - start < PasteGuard::MaxPasteMs - 100) {
        now += 100;
        QVERIFY(!endless.lineArrived());
    }
    now += 100;
    QVERIFY(endless.lineArrived());
}

void tst_TextMode::errorsAreInLowerCase()
{
    TestClient bob;
    QVERIFY(bob.join(m_port, u"bob"_s));
    TextClient lee;
    QVERIFY(lee.connectTo(m_port));
    lee.type(u"/users"_s);
    QVERIFY(!lee.waitForLine(u"! choose a name first"_s).isEmpty());
    lee.type(u"lee"_s);
    QVERIFY(!lee.waitForLine(u"Welcome, lee!"_s).isEmpty());
    lee.type(u"/dance"_s);
    QVERIFY(!lee.waitForLine(u"! unknown command /dance; type /help for the list."_s).isEmpty());
    // "%bob%" with nothing to say is a mistake, not a message to everyone.
    lee.type(u"%bob%"_s);
    QVERIFY(!lee.waitForLine(u"! usage: %NAME%TEXT, or /msg NAME TEXT"_s).isEmpty());
    lee.type(u"/msg bob"_s);
    QVERIFY(!lee.waitForLine(u"! usage: /msg NAME TEXT"_s).isEmpty());
    lee.type(u"%bob%psst"_s);
    QCOMPARE(bob.waitForNext(u"dm"_s).value("text"_L1).toString(), u"psst"_s);
    QCOMPARE(bob.countOfType(u"message"_s), 0);
    qsizetype errors = 0;
    for (const QString &line : lee.lines()) {
        if (line.startsWith(u"! "_s)) {
            ++errors;
            QVERIFY2(!line.at(2).isUpper(), qPrintable(line));
        }
    }
    QCOMPARE(errors, 4);
}

void tst_TextMode::helpListsEveryCommand()
{
    auto may = person(u"may"_s);
    QVERIFY(may);
    may->type(u"/help"_s);
    QVERIFY(!may->waitForLine(u"Commands:"_s).isEmpty());
    QVERIFY(!may->waitForLine(u"/quit"_s).isEmpty());
    const QStringList lines = may->lines();
    const QStringList help = lines.mid(lines.indexOf(u"Commands:"_s) + 1);
    const QString all = help.join(u'\n');
    for (const char *command : {"/msg", "%NAME%", "/users", "/who", "/join", "/part", "/rooms",
             "/topic", "/invite", "/day", "/date", "/time", "/quiz", "/stop", "/top", "/echo",
             "/ping", "/say", "//", "/register", "/password", "/logout", "/help", "/quit"}) {
        QVERIFY2(all.contains(QLatin1StringView(command)), command);
    }
    // The descriptions start in one column.
    const QRegularExpression row(uR"(^  (\S.*?\S)\s{2,}(\S.*)$)"_s);
    qsizetype column = -1;
    for (const QString &line : help) {
        const QRegularExpressionMatch match = row.match(line);
        QVERIFY2(match.hasMatch(), qPrintable(line));
        QVERIFY2(column < 0 || match.capturedStart(2) == column, qPrintable(line));
        column = match.capturedStart(2);
        QVERIFY2(line.size() <= 80, qPrintable(line));
    }
}

void tst_TextMode::joiningShowsRecentHistory()
{
    TestClient bob;
    QVERIFY(bob.join(m_port, u"bob"_s));
    for (int i = 1; i <= 12; ++i) {
        bob.send(Frames::say(u"old %1"_s.arg(i)));
    }
    QVERIFY(bob.waitForFrames(u"message"_s, 12));
    auto nat = person(u"nat"_s);
    QVERIFY(nat);
    QVERIFY(!nat->waitForLine(u"* Earlier in #general:"_s).isEmpty());
    QVERIFY(!nat->waitForLine(u"bob: old 12"_s).isEmpty());
    const QStringList lines = nat->lines();
    const qsizetype heading = lines.indexOf(u"* Earlier in #general:"_s);
    QVERIFY(lines.indexOf(u"* Type to chat; /help lists commands, /quit leaves."_s) < heading);
    const QRegularExpression earlier(uR"(^  \[\d\d:\d\d\] bob: old (\d+)$)"_s);
    for (int i = 0; i < 10; ++i) {
        const QRegularExpressionMatch match = earlier.match(lines.value(heading + 1 + i));
        QVERIFY2(match.hasMatch(), qPrintable(lines.value(heading + 1 + i)));
        QCOMPARE(match.captured(1).toInt(), i + 3); // the last 10 of 12
    }
    // What is said now is not indented.
    bob.send(Frames::say(u"new"_s));
    QVERIFY(QRegularExpression(uR"(^\[\d\d:\d\d\] bob: new$)"_s)
                .match(nat->waitForLine(u"bob: new"_s))
                .hasMatch());
}

void tst_TextMode::byeResetsTheConnectionSoNcExits()
{
    // nc reads the end of the stream but keeps running while its terminal is open: it exits
    // when poll() reports the connection hung up, which a FIN alone never makes it do. This
    // client does what nc does, on a raw socket.
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    QVERIFY(fd >= 0);
    const auto closeFd = qScopeGuard([fd] { ::close(fd); });
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(m_port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QVERIFY(::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) == 0
        || errno == EINPROGRESS);
    const auto polled = [fd](short events) {
        pollfd entry{fd, events, 0};
        return ::poll(&entry, 1, 0) == 1 ? entry.revents : short(0);
    };
    QVERIFY(QTest::qWaitFor([&] { return polled(POLLOUT) & POLLOUT; }, 10000));

    QByteArray received;
    bool ended = false;
    const auto readAll = [&] {
        char buffer[4096];
        ssize_t n = 0;
        while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0) {
            received.append(buffer, n);
        }
        ended = ended || n == 0;
    };
    QVERIFY(::send(fd, "olive\n", 6, MSG_NOSIGNAL) == 6);
    QVERIFY(QTest::qWaitFor(
        [&] {
            readAll();
            return received.contains("Welcome, olive!");
        },
        10000));
    QVERIFY(::send(fd, "/quit\n", 6, MSG_NOSIGNAL) == 6);
    QVERIFY(QTest::qWaitFor(
        [&] {
            readAll();
            return ended;
        },
        10000));
    QVERIFY2(received.endsWith("* Bye!\n"), received.constData());
    QVERIFY(QTest::qWaitFor([&] { return polled(POLLIN | POLLOUT) & (POLLHUP | POLLERR); }, 5000));
}

void tst_TextMode::ncExitsAfterQuit()
{
    const QString nc = QStandardPaths::findExecutable(u"nc"_s);
    if (nc.isEmpty()) {
        QSKIP("nc is not installed (byeResetsTheConnectionSoNcExits covers what it needs)");
    }
    // Its standard input stays open, as a terminal's does.
    QProcess process;
    process.start(nc, {u"127.0.0.1"_s, QString::number(m_port)});
    QVERIFY(process.waitForStarted());
    QByteArray out;
    const auto outContains = [&](const QByteArray &text) {
        out += process.readAllStandardOutput();
        return out.contains(text);
    };
    process.write("pat\n");
    QVERIFY2(QTest::qWaitFor([&] { return outContains("Welcome, pat!"); }, 10000), out.constData());
    process.write("/quit\n");
    QVERIFY2(QTest::qWaitFor([&] { return process.state() == QProcess::NotRunning; }, 10000),
        out.constData());
    QVERIFY2(outContains("* Bye!\n"), out.constData());
}

QTEST_GUILESS_MAIN(tst_TextMode)
#include "tst_textmode.moc"

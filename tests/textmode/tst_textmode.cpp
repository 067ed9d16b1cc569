#include "chatserver.h"
#include "frames.h"
#include "quizgenerator.h"
#include "testclient.h"
#include "textclient.h"

#include <QRegularExpression>
#include <QTest>

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

private:
    std::unique_ptr<ChatServer> m_server;
    quint16 m_port = 0;
};

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

    // The frame limit holds in text mode too.
    person.type(QString(2000, u'x'));
    QVERIFY(!person.waitForLine(u"! a frame may hold at most 1024 bytes"_s).isEmpty());
    QVERIFY(person.waitForDisconnected());
}

void tst_TextMode::shutdownInPlainText()
{
    TextClient person;
    QVERIFY(person.connectTo(m_port));
    person.type(u"henry"_s);
    QVERIFY(!person.waitForLine(u"Welcome, henry!"_s).isEmpty());
    m_server->shutdown();
    QVERIFY(!person.waitForLine(u"* Bye! (shutdown)"_s).isEmpty());
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

QTEST_GUILESS_MAIN(tst_TextMode)
#include "tst_textmode.moc"

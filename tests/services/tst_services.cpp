#include "chatserver.h"
#include "frames.h"
#include "quizanswer.h"
#include "quizgenerator.h"
#include "testclient.h"

#include <QJsonArray>
#include <QTest>

#include <memory>
#include <vector>

using namespace Qt::StringLiterals;

// The quiz, time and echo services through a real server over loopback, as JSON clients.
class tst_Services : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void fullQuizWithFixedSeed();
    void quizFairnessErrors();
    void quizzesRunConcurrently();
    void leavingMidQuizFreesIt();
    void leaderboardRanksFinishedQuizzes();
    void timeQueries();
    void echoReturnsTextUnchanged();

private:
    std::unique_ptr<TestClient> joined(const QString &name);

    std::unique_ptr<ChatServer> m_server;
    quint16 m_port = 0;
};

namespace {

constexpr quint32 QuizSeed = 2026;

QString errorCode(const QJsonObject &frame)
{
    return frame.value("code"_L1).toString();
}

// Plays a whole quiz, answering every question right except those in `wrong`; returns the
// quiz_finished frame.
QJsonObject playQuiz(TestClient &client, const QSet<int> &wrong)
{
    client.send(Frames::quizStart());
    for (int n = 1; n <= 10; ++n) {
        const QJsonObject question = client.waitForNext(u"quiz_question"_s);
        if (question.value("n"_L1).toInt() != n) {
            return {};
        }
        const int answer = expectedAnswer(question) + (wrong.contains(n) ? 1 : 0);
        client.send(Frames::quizAnswer(n, answer));
        client.waitForNext(u"quiz_result"_s);
    }
    return client.waitForNext(u"quiz_finished"_s);
}

} // namespace

void tst_Services::init()
{
    ServerConfig config;
    config.bindAddress = QHostAddress::LocalHost;
    config.port = 0;
    config.quizSeed = QuizSeed;
    m_server = std::make_unique<ChatServer>(config);
    QVERIFY(m_server->start());
    m_port = m_server->serverPort();
}

void tst_Services::cleanup()
{
    m_server.reset();
}

std::unique_ptr<TestClient> tst_Services::joined(const QString &name)
{
    auto client = std::make_unique<TestClient>();
    return client->join(m_port, name) ? std::move(client) : nullptr;
}

void tst_Services::fullQuizWithFixedSeed()
{
    auto alice = joined(u"alice"_s);
    QVERIFY(alice);
    alice->send(Frames::quizStart());

    QuizGenerator reference(QuizSeed); // the same seed asks the same questions
    for (int n = 1; n <= 10; ++n) {
        const QJsonObject question = alice->waitForNext(u"quiz_question"_s);
        QCOMPARE(question.value("n"_L1).toInt(), n);
        QCOMPARE(question.value("total"_L1).toInt(), 10);
        QCOMPARE(question.value("question"_L1).toString(), reference.next().text());
        QVERIFY(!question.contains("expected"_L1));
        const int expected = expectedAnswer(question);

        if (n == 4) { // a non-numeric answer is refused and the question stays open
            alice->send(Frames::quizAnswer(n, u"four-ish"_s));
            QCOMPARE(errorCode(alice->waitForNext(u"error"_s)), u"bad_answer"_s);
        }
        const bool wrong = n == 2 || n == 7;
        alice->send(Frames::quizAnswer(
            n, wrong ? QJsonValue(expected - 1) : QJsonValue(QString::number(expected))));
        const QJsonObject result = alice->waitForNext(u"quiz_result"_s);
        QCOMPARE(result.value("n"_L1).toInt(), n);
        QCOMPARE(result.value("correct"_L1).toBool(), !wrong);
        QCOMPARE(result.value("expected"_L1).toInt(), expected);
    }
    const QJsonObject finished = alice->waitForNext(u"quiz_finished"_s);
    QCOMPARE(finished.value("completed"_L1).toBool(), true);
    QCOMPARE(finished.value("score"_L1).toDouble(), 7.5); // 8 right, 2 wrong
    QCOMPARE(finished.value("right"_L1).toInt(), 8);
    QCOMPARE(finished.value("wrong"_L1).toInt(), 2);
    QVERIFY(finished.value("seconds"_L1).toDouble() > 0);
    QVERIFY(finished.value("seconds"_L1).toDouble() < 60);
}

void tst_Services::quizFairnessErrors()
{
    TestClient anonymous;
    QVERIFY(anonymous.connectTo(m_port));
    anonymous.send(Frames::quizStart());
    QCOMPARE(errorCode(anonymous.waitForNext(u"error"_s)), u"not_registered"_s);

    auto bob = joined(u"bob"_s);
    QVERIFY(bob);
    bob->send(Frames::quizAnswer(1, 3));
    QCOMPARE(errorCode(bob->waitForNext(u"error"_s)), u"no_quiz"_s);
    bob->send(Frames::quizStop());
    QCOMPARE(errorCode(bob->waitForNext(u"error"_s)), u"no_quiz"_s);

    bob->send(Frames::quizStart());
    const QJsonObject first = bob->waitForNext(u"quiz_question"_s);
    bob->send(Frames::quizStart());
    QCOMPARE(errorCode(bob->waitForNext(u"error"_s)), u"quiz_running"_s);
    bob->send(Frames::quizAnswer(2, 0));
    QCOMPARE(errorCode(bob->waitForNext(u"error"_s)), u"not_asked"_s);
    bob->send(Frames::quizAnswer(1, expectedAnswer(first)));
    QVERIFY(bob->waitForNext(u"quiz_result"_s).value("correct"_L1).toBool());
    QCOMPARE(bob->waitForNext(u"quiz_question"_s).value("n"_L1).toInt(), 2);
    bob->send(Frames::quizAnswer(1, expectedAnswer(first)));
    QCOMPARE(errorCode(bob->waitForNext(u"error"_s)), u"already_answered"_s);
    bob->send(Frames::quizAnswer(2, QJsonValue(QJsonValue::Null)));
    QCOMPARE(errorCode(bob->waitForNext(u"error"_s)), u"bad_answer"_s);
    bob->send(QJsonObject{{"type"_L1, "quiz_answer"_L1}, {"answer"_L1, 3}});
    QCOMPARE(errorCode(bob->waitForNext(u"error"_s)), u"bad_frame"_s);
    for (const double n : {0.0, 1.5, -3.0, 1e20}) {
        bob->send(QJsonObject{{"type"_L1, "quiz_answer"_L1}, {"n"_L1, n}, {"answer"_L1, 3}});
        QCOMPARE(errorCode(bob->waitForNext(u"error"_s)), u"bad_frame"_s);
    }
    QCOMPARE(bob->countOfType(u"quiz_result"_s), 1); // none of those counted

    // Stopping early: no leaderboard entry, and a new quiz may start.
    bob->send(Frames::quizStop());
    QCOMPARE(bob->waitForNext(u"quiz_finished"_s).value("completed"_L1).toBool(), false);
    bob->send(Frames::leaderboardRequest());
    QVERIFY(bob->waitForNext(u"leaderboard"_s).value("entries"_L1).toArray().isEmpty());
    bob->send(Frames::quizStart());
    QCOMPARE(bob->waitForNext(u"quiz_question"_s).value("n"_L1).toInt(), 1);
}

void tst_Services::quizzesRunConcurrently()
{
    constexpr int Players = 6;
    std::vector<std::unique_ptr<TestClient>> players;
    for (int i = 0; i < Players; ++i) {
        players.push_back(joined(u"player%1"_s.arg(i)));
        QVERIFY(players.back());
        players.back()->send(Frames::quizStart());
    }
    // Interleave: everyone answers question n before anyone answers n + 1; player i gets
    // exactly i answers wrong.
    for (int n = 1; n <= 10; ++n) {
        for (int i = 0; i < Players; ++i) {
            const QJsonObject question = players[i]->waitForNext(u"quiz_question"_s);
            QCOMPARE(question.value("n"_L1).toInt(), n);
            players[i]->send(Frames::quizAnswer(n, expectedAnswer(question) + (n <= i ? 1 : 0)));
        }
    }
    for (int i = 0; i < Players; ++i) {
        const QJsonObject finished = players[i]->waitForNext(u"quiz_finished"_s);
        QCOMPARE(finished.value("wrong"_L1).toInt(), i);
        QCOMPARE(finished.value("score"_L1).toDouble(), (10 - i) - 0.25 * i);
    }
}

void tst_Services::leavingMidQuizFreesIt()
{
    auto carol = joined(u"carol"_s);
    QVERIFY(carol);
    carol->send(Frames::quizStart());
    QVERIFY(carol->waitForFrames(u"quiz_question"_s, 1));
    carol->socket().abort();
    QTRY_COMPARE(m_server->connectionCount(), 0);

    // The same name starts afresh: question 1, no quiz_running.
    auto again = joined(u"carol"_s);
    QVERIFY(again);
    again->send(Frames::quizStart());
    QCOMPARE(again->waitForNext(u"quiz_question"_s).value("n"_L1).toInt(), 1);
    QCOMPARE(again->countOfType(u"error"_s), 0);
}

void tst_Services::leaderboardRanksFinishedQuizzes()
{
    auto ann = joined(u"ann"_s);
    auto ben = joined(u"ben"_s);
    QVERIFY(ann && ben);
    QCOMPARE(playQuiz(*ann, {1, 2}).value("score"_L1).toDouble(), 7.5);
    QCOMPARE(playQuiz(*ben, {}).value("score"_L1).toDouble(), 10.0);
    QCOMPARE(playQuiz(*ann, {1, 2, 3, 4}).value("score"_L1).toDouble(), 5.0); // not her best

    // Anyone registered may ask, not only players.
    auto viewer = joined(u"viewer"_s);
    QVERIFY(viewer);
    viewer->send(Frames::leaderboardRequest());
    const QJsonArray entries = viewer->waitForNext(u"leaderboard"_s).value("entries"_L1).toArray();
    QCOMPARE(entries.size(), 2);
    QCOMPARE(entries[0].toObject().value("name"_L1).toString(), u"ben"_s);
    QCOMPARE(entries[0].toObject().value("rank"_L1).toInt(), 1);
    QCOMPARE(entries[1].toObject().value("name"_L1).toString(), u"ann"_s);
    QCOMPARE(entries[1].toObject().value("score"_L1).toDouble(), 7.5);
    QCOMPARE(entries[1].toObject().value("right"_L1).toInt(), 8);
}

void tst_Services::timeQueries()
{
    TestClient client; // no name needed for the time service
    QVERIFY(client.connectTo(m_port));
    for (const QString &query : {u"day"_s, u"date"_s, u"time"_s}) {
        client.send(Frames::timeQuery(query));
        const QJsonObject reply = client.waitForNext(u"time"_s);
        QCOMPARE(reply.value("query"_L1).toString(), query);
        QVERIFY(!reply.value("value"_L1).toString().isEmpty());
        const QDateTime iso
            = QDateTime::fromString(reply.value("iso"_L1).toString(), Qt::ISODateWithMs);
        QVERIFY(qAbs(iso.msecsTo(QDateTime::currentDateTimeUtc())) < 1000);
    }
    client.send(Frames::timeQuery(u"date"_s, u"Pacific/Auckland"_s));
    QCOMPARE(client.waitForNext(u"time"_s).value("zone"_L1).toString(), u"Pacific/Auckland"_s);

    client.send(Frames::timeQuery(u"week"_s));
    const QJsonObject unknown = client.waitForNext(u"error"_s);
    QCOMPARE(errorCode(unknown), u"unknown_query"_s);
    QVERIFY(unknown.value("message"_L1).toString().contains(u"day, date, time"_s));
    client.send(Frames::timeQuery(u"time"_s, u"Nowhere/Special"_s));
    QCOMPARE(errorCode(client.waitForNext(u"error"_s)), u"unknown_zone"_s);
    client.sendRaw("{\"type\":\"time\"}\n");
    QCOMPARE(errorCode(client.waitForNext(u"error"_s)), u"bad_frame"_s);
}

void tst_Services::echoReturnsTextUnchanged()
{
    auto alice = joined(u"alice"_s);
    auto bob = joined(u"bob"_s);
    QVERIFY(alice && bob);
    const QString text = u"  spaces, \"quotes\", émoji 🙂 and\nnew lines  "_s;
    alice->send(Frames::echo(text));
    QCOMPARE(alice->waitForNext(u"echo"_s).value("text"_L1).toString(), text);

    // Only the sender hears it.
    alice->send(Frames::say(u"marker"_s));
    QVERIFY(bob->waitForFrames(u"message"_s, 1));
    QCOMPARE(bob->countOfType(u"echo"_s), 0);
}

QTEST_GUILESS_MAIN(tst_Services)
#include "tst_services.moc"

#include "quizanswer.h"
#include "quizgenerator.h"
#include "quizsession.h"

#include <QTest>

using Protocol::ErrorCode;
using namespace Qt::StringLiterals;

// QuizGenerator and QuizSession: the questions, the scoring and the fairness rules.
class tst_QuizSession : public QObject
{
    Q_OBJECT

private slots:
    void questionsStayInRangeAndAreExact();
    void seedMakesQuestionsRepeatable();
    void fullRunScoresExactly();
    void wrongQuestionNumbers();
    void answersMayBeNumbersOrNumericStrings_data();
    void answersMayBeNumbersOrNumericStrings();
    void stopEndsEarly();
};

void tst_QuizSession::questionsStayInRangeAndAreExact()
{
    QuizGenerator generator(1234);
    QSet<char> operators;
    int divisions = 0;
    for (int i = 0; i < 100000; ++i) {
        const QuizGenerator::Question q = generator.next();
        QVERIFY(q.a >= 0 && q.a <= 9);
        QVERIFY(q.b >= 0 && q.b <= 9);
        operators.insert(q.op);
        if (q.op == '/') {
            ++divisions;
            QVERIFY2(q.b != 0, qPrintable(q.text()));
            QCOMPARE(q.a % q.b, 0);
            QCOMPARE(q.answer() * q.b, q.a);
        }
    }
    QCOMPARE(operators, (QSet<char>{'+', '-', '*', '/'}));
    QVERIFY(divisions > 20000); // roughly a quarter
}

void tst_QuizSession::seedMakesQuestionsRepeatable()
{
    QuizGenerator first(42);
    QuizGenerator second(42);
    QuizGenerator other(43);
    bool differs = false;
    for (int i = 0; i < 50; ++i) {
        const QuizGenerator::Question a = first.next();
        const QuizGenerator::Question b = second.next();
        QCOMPARE(a.text(), b.text());
        differs |= a.text() != other.next().text();
    }
    QVERIFY(differs);
}

void tst_QuizSession::fullRunScoresExactly()
{
    QuizSession quiz(7);
    QJsonObject question = quiz.start();
    QCOMPARE(question.value("type"_L1).toString(), u"quiz_question"_s);
    QCOMPARE(question.value("n"_L1).toInt(), 1);
    QCOMPARE(question.value("total"_L1).toInt(), 10);
    QVERIFY(!question.contains("expected"_L1)); // the answer is never shown before answering

    // Questions 2, 5 and 9 answered wrong; question 3 first gets a non-numeric answer.
    for (int n = 1; n <= 10; ++n) {
        QCOMPARE(question.value("n"_L1).toInt(), n);
        const int expected = expectedAnswer(question);
        if (n == 3) {
            const QuizSession::Outcome refused = quiz.answer(n, u"seven"_s);
            QCOMPARE(refused.error, ErrorCode::BadAnswer);
            QVERIFY(refused.frames.isEmpty());
            QCOMPARE(quiz.currentNumber(), 3);
        }
        const bool wrong = n == 2 || n == 5 || n == 9;
        const QuizSession::Outcome outcome = quiz.answer(n, wrong ? expected + 1 : expected);
        QCOMPARE(outcome.error, ErrorCode::None);
        QCOMPARE(outcome.frames.size(), 2);
        const QJsonObject result = outcome.frames.at(0);
        QCOMPARE(result.value("type"_L1).toString(), u"quiz_result"_s);
        QCOMPARE(result.value("correct"_L1).toBool(), !wrong);
        QCOMPARE(result.value("expected"_L1).toInt(), expected);
        question = outcome.frames.at(1);
    }
    QCOMPARE(question.value("type"_L1).toString(), u"quiz_finished"_s);
    QCOMPARE(question.value("completed"_L1).toBool(), true);
    QCOMPARE(question.value("score"_L1).toDouble(), 6.25);
    QCOMPARE(question.value("right"_L1).toInt(), 7);
    QCOMPARE(question.value("wrong"_L1).toInt(), 3);
    QVERIFY(question.value("seconds"_L1).toDouble() >= 0);
    QVERIFY(quiz.isFinished());
    QCOMPARE(quiz.answer(10, 0).error, ErrorCode::NoQuiz);
}

void tst_QuizSession::wrongQuestionNumbers()
{
    QuizSession quiz(1);
    const QJsonObject first = quiz.start();
    QCOMPARE(quiz.answer(2, 0).error, ErrorCode::NotAsked);
    QCOMPARE(quiz.answer(0, 0).error, ErrorCode::AlreadyAnswered);
    QCOMPARE(quiz.answer(1, expectedAnswer(first)).error, ErrorCode::None);
    const QuizSession::Outcome twice = quiz.answer(1, expectedAnswer(first));
    QCOMPARE(twice.error, ErrorCode::AlreadyAnswered);
    QVERIFY(twice.message.contains(u"question 2 is open"_s));
    QCOMPARE(quiz.right(), 1);
    QCOMPARE(quiz.wrong(), 0);
}

void tst_QuizSession::answersMayBeNumbersOrNumericStrings_data()
{
    QTest::addColumn<QJsonValue>("answer");
    QTest::addColumn<bool>("numeric");
    QTest::newRow("number") << QJsonValue(3) << true;
    QTest::newRow("string") << QJsonValue(u"3"_s) << true;
    QTest::newRow("padded string") << QJsonValue(u"  -3 "_s) << true;
    QTest::newRow("decimal") << QJsonValue(u"2.5"_s) << true;
    QTest::newRow("word") << QJsonValue(u"three"_s) << false;
    QTest::newRow("empty") << QJsonValue(u""_s) << false;
    QTest::newRow("expression") << QJsonValue(u"1+2"_s) << false;
    QTest::newRow("infinity") << QJsonValue(u"inf"_s) << false;
    QTest::newRow("bool") << QJsonValue(true) << false;
    QTest::newRow("null") << QJsonValue(QJsonValue::Null) << false;
}

void tst_QuizSession::answersMayBeNumbersOrNumericStrings()
{
    QFETCH(QJsonValue, answer);
    QFETCH(bool, numeric);
    QuizSession quiz(5);
    quiz.start();
    const QuizSession::Outcome outcome = quiz.answer(1, answer);
    QCOMPARE(outcome.error == ErrorCode::None, numeric);
    QCOMPARE(quiz.currentNumber(), numeric ? 2 : 1);
    if (!numeric) {
        QCOMPARE(outcome.error, ErrorCode::BadAnswer);
    }
}

void tst_QuizSession::stopEndsEarly()
{
    QuizSession quiz(3);
    const QJsonObject first = quiz.start();
    quiz.answer(1, expectedAnswer(first));
    const QJsonObject finished = quiz.stop();
    QCOMPARE(finished.value("completed"_L1).toBool(), false);
    QCOMPARE(finished.value("score"_L1).toDouble(), 1.0);
    QVERIFY(quiz.isFinished());
}

QTEST_APPLESS_MAIN(tst_QuizSession)
#include "tst_quizsession.moc"

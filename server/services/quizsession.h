#pragma once

#include "protocol.h"
#include "quizgenerator.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QJsonValue>

// One client's quiz: ten questions asked one at a time, +1 for a
// right answer and -0.25 for a wrong one, timed from the first question to the last answer.
// The session only ever reveals a question's answer after that question has been answered.
class QuizSession
{
public:
    static constexpr int QuestionCount = 10;
    static constexpr double RightPoints = 1.0;
    static constexpr double WrongPoints = -0.25;

    struct Outcome
    {
        Protocol::ErrorCode error = Protocol::ErrorCode::None;
        QString message;
        QList<QJsonObject> frames; // to send, in order
    };

    explicit QuizSession(std::optional<quint32> seed = std::nullopt);

    // The first question (call once).
    QJsonObject start();
    // Checks `answer` (a number, or a string holding one) to question `n`. A wrong n or a
    // non-numeric answer is an error that leaves the open question as it was.
    Outcome answer(qint64 n, const QJsonValue &answer);
    // Ends the quiz early; the returned quiz_finished says completed: false.
    QJsonObject stop();

    bool isFinished() const { return m_finished; }
    int currentNumber() const { return m_number; }
    double score() const { return m_right * RightPoints + m_wrong * WrongPoints; }
    int right() const { return m_right; }
    int wrong() const { return m_wrong; }
    double seconds() const { return double(m_elapsedNs) / 1e9; }

private:
    QJsonObject ask();
    QJsonObject finish(bool completed);

    QuizGenerator m_generator;
    QuizGenerator::Question m_question;
    QElapsedTimer m_timer;
    qint64 m_elapsedNs = 0; // fixed when the quiz ends; a script can answer within a millisecond
    int m_number = 0; // the open question, 1-based
    int m_right = 0;
    int m_wrong = 0;
    bool m_finished = false;
};

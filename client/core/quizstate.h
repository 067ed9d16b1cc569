#pragma once

#include <QJsonObject>
#include <QObject>

// What the quiz tab shows, kept up to date from the server's quiz frames: the open question,
// the verdict on the last answer, the running score, and the final score card.
class QuizState : public QObject
{
    Q_OBJECT

public:
    enum class Phase { Idle, Running, Finished };
    Q_ENUM(Phase)

    using QObject::QObject;

    Phase phase() const { return m_phase; }
    int number() const { return m_number; }
    int total() const { return m_total; }
    QString question() const { return m_question; }
    double score() const { return m_score; }
    int right() const { return m_right; }
    int wrong() const { return m_wrong; }
    double seconds() const { return m_seconds; }
    bool completed() const { return m_completed; }
    // The last answer's verdict; hasVerdict() is false before the first answer.
    bool hasVerdict() const { return m_hasVerdict; }
    bool lastCorrect() const { return m_lastCorrect; }
    QString lastQuestion() const { return m_lastQuestion; }
    int lastExpected() const { return m_lastExpected; }
    QString error() const { return m_error; }

    void apply(const QJsonObject &frame); // quiz_question, quiz_result, quiz_finished
    void setError(const QString &message);
    void reset();

signals:
    void changed();

private:
    void applyScore(const QJsonObject &frame); // score, right and wrong, in every result

    Phase m_phase = Phase::Idle;
    int m_number = 0;
    int m_total = 0;
    QString m_question;
    double m_score = 0;
    int m_right = 0;
    int m_wrong = 0;
    double m_seconds = 0;
    bool m_completed = false;
    bool m_hasVerdict = false;
    bool m_lastCorrect = false;
    QString m_lastQuestion;
    int m_lastExpected = 0;
    QString m_error;
};

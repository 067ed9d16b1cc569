#include "quizstate.h"

#include "frametype.h"

using Protocol::FrameType;
using namespace Qt::StringLiterals;

void QuizState::apply(const QJsonObject &frame)
{
    const FrameType type = Protocol::frameType(frame);
    m_error.clear();
    switch (type) {
    case FrameType::QuizQuestion:
        if (frame.value("n"_L1).toInt() == 1) {
            reset();
        }
        m_phase = Phase::Running;
        m_number = frame.value("n"_L1).toInt();
        m_total = frame.value("total"_L1).toInt();
        m_question = frame.value("question"_L1).toString();
        break;
    case FrameType::QuizResult:
        m_hasVerdict = true;
        m_lastCorrect = frame.value("correct"_L1).toBool();
        m_lastQuestion = frame.value("question"_L1).toString();
        m_lastExpected = frame.value("expected"_L1).toInt();
        applyScore(frame);
        break;
    case FrameType::QuizFinished:
        m_phase = Phase::Finished;
        applyScore(frame);
        m_total = frame.value("total"_L1).toInt();
        m_seconds = frame.value("seconds"_L1).toDouble();
        m_completed = frame.value("completed"_L1).toBool();
        break;
    default:
        return; // not a quiz frame
    }
    emit changed();
}

void QuizState::applyScore(const QJsonObject &frame)
{
    m_score = frame.value("score"_L1).toDouble();
    m_right = frame.value("right"_L1).toInt();
    m_wrong = frame.value("wrong"_L1).toInt();
}

void QuizState::setError(const QString &message)
{
    m_error = message;
    emit changed();
}

void QuizState::reset()
{
    m_phase = Phase::Idle;
    m_number = m_total = m_right = m_wrong = m_lastExpected = 0;
    m_score = m_seconds = 0;
    m_completed = m_hasVerdict = m_lastCorrect = false;
    m_question.clear();
    m_lastQuestion.clear();
    m_error.clear();
}

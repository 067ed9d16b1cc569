#include "quizsession.h"

#include "frames.h"

#include <QLocale>

#include <cmath>

using Protocol::ErrorCode;
using namespace Qt::StringLiterals;

namespace {

// A number, or a string that holds one ("7", " -4 ", "8.0"); anything else is not an answer.
std::optional<double> numericAnswer(const QJsonValue &value)
{
    if (value.isDouble()) {
        return value.toDouble();
    }
    if (value.isString()) {
        bool ok = false;
        const double parsed = QLocale::c().toDouble(value.toString().trimmed(), &ok);
        if (ok && std::isfinite(parsed)) {
            return parsed;
        }
    }
    return std::nullopt;
}

} // namespace

QuizSession::QuizSession(std::optional<quint32> seed)
    : m_generator(seed)
{
}

QJsonObject QuizSession::start()
{
    m_timer.start();
    return ask();
}

QJsonObject QuizSession::ask()
{
    m_question = m_generator.next();
    ++m_number;
    return Frames::quizQuestion(m_number, QuestionCount, m_question.a,
        QString(QLatin1Char(m_question.op)), m_question.b, m_question.text());
}

QuizSession::Outcome QuizSession::answer(qint64 n, const QJsonValue &value)
{
    if (m_finished) {
        return {ErrorCode::NoQuiz, u"no quiz is running; start one first"_s, {}};
    }
    if (n < m_number) {
        return {ErrorCode::AlreadyAnswered,
            u"question %1 was already answered; question %2 is open"_s.arg(n).arg(m_number), {}};
    }
    if (n > m_number) {
        return {ErrorCode::NotAsked,
            u"question %1 has not been asked; question %2 is open"_s.arg(n).arg(m_number), {}};
    }
    const std::optional<double> given = numericAnswer(value);
    if (!given) {
        return {ErrorCode::BadAnswer,
            u"answer question %1 with a number; it is still open"_s.arg(m_number), {}};
    }

    const int expected = m_question.answer();
    const bool correct = *given == double(expected);
    correct ? ++m_right : ++m_wrong;
    Outcome outcome;
    outcome.frames.append(Frames::quizResult(
        m_number, m_question.text(), correct, *given, expected, score(), m_right, m_wrong));
    outcome.frames.append(m_number < QuestionCount ? ask() : finish(true));
    return outcome;
}

QJsonObject QuizSession::stop()
{
    return finish(false);
}

QJsonObject QuizSession::finish(bool completed)
{
    m_finished = true;
    m_elapsedNs = m_timer.nsecsElapsed();
    return Frames::quizFinished(completed, score(), m_right, m_wrong, QuestionCount, seconds());
}

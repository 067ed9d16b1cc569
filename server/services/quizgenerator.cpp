#include "quizgenerator.h"

using namespace Qt::StringLiterals;

int QuizGenerator::Question::answer() const
{
    switch (op) {
    case '+':
        return a + b;
    case '-':
        return a - b;
    case '*':
        return a * b;
    default:
        return a / b;
    }
}

QString QuizGenerator::Question::text() const
{
    return u"%1 %2 %3"_s.arg(a).arg(QLatin1Char(op)).arg(b);
}

QuizGenerator::QuizGenerator(std::optional<quint32> seed)
    : m_random(seed ? *seed : QRandomGenerator::global()->generate())
{
}

QuizGenerator::Question QuizGenerator::next()
{
    static constexpr char operators[] = {'+', '-', '*', '/'};
    Question question;
    question.op = operators[m_random.bounded(4)];
    if (question.op == '/') {
        question.b = int(m_random.bounded(1, 10));
        question.a = question.b * int(m_random.bounded(9 / question.b + 1));
    } else {
        question.a = int(m_random.bounded(10));
        question.b = int(m_random.bounded(10));
    }
    return question;
}

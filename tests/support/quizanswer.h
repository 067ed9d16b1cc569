#pragma once

#include "quizgenerator.h"

#include <QJsonObject>

// The right answer to a quiz_question frame, worked out from its operands the way the server
// does. Header-only: for the suites that link the server library.
inline int expectedAnswer(const QJsonObject &question)
{
    QuizGenerator::Question q;
    q.a = question.value(QLatin1StringView("a")).toInt();
    q.b = question.value(QLatin1StringView("b")).toInt();
    q.op = question.value(QLatin1StringView("op")).toString().at(0).toLatin1();
    return q.answer();
}

#pragma once

#include <QRandomGenerator>
#include <QString>

#include <optional>

// Makes the quiz's arithmetic questions: "a op b" with a and b in 0..9 and op one of + - * /.
// Every answer is an exact integer: a division never has b = 0 and always divides evenly
// (a is drawn from the multiples of b up to 9).
class QuizGenerator
{
public:
    struct Question
    {
        int a = 0;
        char op = '+';
        int b = 0;

        int answer() const;
        QString text() const; // "7 * 8"
    };

    // A fixed seed gives the same questions every time (tests, --quiz-seed); none draws one.
    explicit QuizGenerator(std::optional<quint32> seed = std::nullopt);

    Question next();

private:
    QRandomGenerator m_random;
};

#pragma once

#include "frametype.h"
#include "quizservice.h"

#include <QJsonObject>

// One client's requests that need no chat room: echo, the day, date and time, its quiz and the
// leaderboard. It answers with frames (or an error) and never sends anything itself.
class ServiceDesk
{
public:
    using Reply = QuizService::Reply;

    ServiceDesk(Leaderboard &leaderboard, std::optional<quint32> quizSeed);

    static bool serves(Protocol::FrameType type);
    // player: who a finished quiz is recorded for.
    Reply answer(
        Protocol::FrameType type, const QJsonObject &frame, const Leaderboard::Player &player);

    // The quiz question awaiting an answer, 0 for none.
    qint64 openQuestion() const { return m_quiz.openQuestion(); }

private:
    QuizService m_quiz;
};

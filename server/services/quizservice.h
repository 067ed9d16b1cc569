#pragma once

#include "leaderboard.h"
#include "protocol.h"
#include "quizsession.h"

#include <QJsonObject>
#include <QList>

#include <memory>
#include <optional>

// One client's quiz service: starts, answers and stops its quiz, records a finished quiz on the
// shared leaderboard, and shows the leaderboard. It returns frames; sending them is the caller's.
class QuizService
{
public:
    struct Reply
    {
        QList<QJsonObject> frames; // to send, in order
        Protocol::ErrorCode error = Protocol::ErrorCode::None;
        QString message; // the error's
        // A finished quiz that made the leaderboard, to be saved.
        std::optional<Leaderboard::Entry> recorded;
    };

    static constexpr int LeaderboardSize = 10;

    QuizService(Leaderboard &leaderboard, std::optional<quint32> seed);
    ~QuizService();

    Reply start();
    // player: who a finished quiz is recorded for.
    Reply answer(const QJsonObject &frame, const Leaderboard::Player &player);
    Reply stop();
    Reply leaderboard() const;

    // The question awaiting an answer, 0 for none.
    qint64 openQuestion() const;

private:
    bool running() const;

    Leaderboard &m_leaderboard;
    const std::optional<quint32> m_seed;
    std::unique_ptr<QuizSession> m_quiz;
};

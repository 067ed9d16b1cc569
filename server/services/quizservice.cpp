#include "quizservice.h"

#include "frames.h"

#include <QJsonArray>

#include <cmath>

using Protocol::ErrorCode;
using namespace Qt::StringLiterals;

namespace {

QuizService::Reply refuse(ErrorCode code, const QString &message)
{
    return {{}, code, message, {}};
}

} // namespace

QuizService::QuizService(Leaderboard &leaderboard, std::optional<quint32> seed)
    : m_leaderboard(leaderboard)
    , m_seed(seed)
{
}

QuizService::~QuizService() = default;

bool QuizService::running() const
{
    return m_quiz && !m_quiz->isFinished();
}

qint64 QuizService::openQuestion() const
{
    return running() ? m_quiz->currentNumber() : 0;
}

QuizService::Reply QuizService::start()
{
    if (running()) {
        return refuse(ErrorCode::QuizRunning,
            u"your quiz is still running (question %1); finish or stop it first"_s.arg(
                m_quiz->currentNumber()));
    }
    m_quiz = std::make_unique<QuizSession>(m_seed);
    return {{m_quiz->start()}, ErrorCode::None, {}, {}};
}

QuizService::Reply QuizService::answer(const QJsonObject &frame, const Leaderboard::Player &player)
{
    if (!running()) {
        return refuse(ErrorCode::NoQuiz, u"no quiz is running; start one first"_s);
    }
    const double n = frame.value("n"_L1).toDouble();
    if (n < 1 || n > QuizSession::QuestionCount || n != std::floor(n)) {
        return refuse(ErrorCode::BadFrame,
            u"\"n\" must be a question number from 1 to %1"_s.arg(QuizSession::QuestionCount));
    }
    const QuizSession::Outcome outcome = m_quiz->answer(qint64(n), frame.value("answer"_L1));
    if (outcome.error != ErrorCode::None) {
        return refuse(outcome.error, outcome.message);
    }
    Reply reply{outcome.frames, ErrorCode::None, {}, {}};
    if (m_quiz->isFinished()) {
        const Leaderboard::Entry entry{player.name, m_quiz->score(), m_quiz->seconds(),
            m_quiz->right(), m_quiz->wrong(), QDateTime::currentDateTimeUtc(), player.key,
            player.guest};
        if (m_leaderboard.record(entry)) {
            reply.recorded = entry;
        }
    }
    return reply;
}

QuizService::Reply QuizService::stop()
{
    if (!running()) {
        return refuse(ErrorCode::NoQuiz, u"no quiz is running"_s);
    }
    return {{m_quiz->stop()}, ErrorCode::None, {}, {}};
}

QuizService::Reply QuizService::leaderboard() const
{
    QJsonArray entries;
    int rank = 0;
    for (const Leaderboard::Entry &entry : m_leaderboard.top(LeaderboardSize)) {
        entries.append(Frames::leaderboardEntry(++rank, entry.name, entry.score, entry.seconds,
            entry.right, entry.wrong, Protocol::timestamp(entry.when), entry.guest));
    }
    return {{Frames::leaderboard(entries)}, ErrorCode::None, {}, {}};
}

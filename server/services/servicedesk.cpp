#include "servicedesk.h"

#include "frames.h"
#include "timeservice.h"

using Protocol::ErrorCode;
using Protocol::FrameType;
using namespace Qt::StringLiterals;

ServiceDesk::ServiceDesk(Leaderboard &leaderboard, std::optional<quint32> quizSeed)
    : m_quiz(leaderboard, quizSeed)
{
}

bool ServiceDesk::serves(FrameType type)
{
    switch (type) {
    case FrameType::Echo:
    case FrameType::Time:
    case FrameType::QuizStart:
    case FrameType::QuizAnswer:
    case FrameType::QuizStop:
    case FrameType::Leaderboard:
        return true;
    default:
        return false;
    }
}

ServiceDesk::Reply ServiceDesk::answer(
    FrameType type, const QJsonObject &frame, const Leaderboard::Player &player)
{
    switch (type) {
    case FrameType::Echo: {
        const QString text = frame.value("text"_L1).toString();
        // JSON escapes can smuggle in half a surrogate pair; echoing it would make strict
        // readers reject the reply.
        if (!text.isValidUtf16()) {
            return {{}, ErrorCode::BadText, u"the text cannot hold unpaired surrogates"_s, {}};
        }
        return {{Frames::echo(text)}, ErrorCode::None, {}, {}};
    }
    case FrameType::Time: {
        const TimeService::Reply reply = TimeService::answer(
            frame.value("query"_L1).toString(), frame.value("zone"_L1).toString());
        return {{reply.frame}, reply.error, reply.message, {}};
    }
    case FrameType::QuizStart:
        return m_quiz.start();
    case FrameType::QuizAnswer:
        return m_quiz.answer(frame, player);
    case FrameType::QuizStop:
        return m_quiz.stop();
    case FrameType::Leaderboard:
        return m_quiz.leaderboard();
    default:
        return {{}, ErrorCode::UnknownType, u"not a service request"_s, {}};
    }
}

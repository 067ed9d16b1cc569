#include "protocol.h"

namespace Protocol {

QLatin1StringView errorCodeName(ErrorCode code)
{
    switch (code) {
    case ErrorCode::None:
        return QLatin1StringView("none");
    case ErrorCode::BadJson:
        return QLatin1StringView("bad_json");
    case ErrorCode::BadFrame:
        return QLatin1StringView("bad_frame");
    case ErrorCode::UnknownType:
        return QLatin1StringView("unknown_type");
    case ErrorCode::NotRegistered:
        return QLatin1StringView("not_registered");
    case ErrorCode::AlreadyRegistered:
        return QLatin1StringView("already_registered");
    case ErrorCode::BadName:
        return QLatin1StringView("bad_name");
    case ErrorCode::NameTaken:
        return QLatin1StringView("name_taken");
    case ErrorCode::NoSuchUser:
        return QLatin1StringView("no_such_user");
    case ErrorCode::BadText:
        return QLatin1StringView("bad_text");
    case ErrorCode::FrameTooLarge:
        return QLatin1StringView("frame_too_large");
    case ErrorCode::ServerFull:
        return QLatin1StringView("server_full");
    case ErrorCode::ShuttingDown:
        return QLatin1StringView("shutting_down");
    case ErrorCode::UnknownQuery:
        return QLatin1StringView("unknown_query");
    case ErrorCode::UnknownZone:
        return QLatin1StringView("unknown_zone");
    case ErrorCode::QuizRunning:
        return QLatin1StringView("quiz_running");
    case ErrorCode::NoQuiz:
        return QLatin1StringView("no_quiz");
    case ErrorCode::AlreadyAnswered:
        return QLatin1StringView("already_answered");
    case ErrorCode::NotAsked:
        return QLatin1StringView("not_asked");
    case ErrorCode::BadAnswer:
        return QLatin1StringView("bad_answer");
    case ErrorCode::RateLimited:
        return QLatin1StringView("rate_limited");
    case ErrorCode::TextTooLong:
        return QLatin1StringView("text_too_long");
    case ErrorCode::TooManyConnections:
        return QLatin1StringView("too_many_connections");
    case ErrorCode::StorageFailed:
        return QLatin1StringView("storage_failed");
    }
    Q_UNREACHABLE();
}

QString timestamp(const QDateTime &when)
{
    return when.toUTC().toString(Qt::ISODateWithMs);
}

QString timestampNow()
{
    return timestamp(QDateTime::currentDateTimeUtc());
}

} // namespace Protocol

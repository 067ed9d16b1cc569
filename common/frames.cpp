#include "frames.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace Frames {

namespace {

QJsonObject withCid(QJsonObject frame, const QString &cid)
{
    if (!cid.isEmpty()) {
        frame.insert("cid"_L1, cid);
    }
    return frame;
}

} // namespace

QJsonObject hello(const QString &name, qint64 since)
{
    QJsonObject frame{{"type"_L1, "hello"_L1}, {"name"_L1, name}};
    if (since >= 0) {
        frame.insert("since"_L1, since);
    }
    return frame;
}

QJsonObject say(const QString &text, const QString &cid)
{
    return withCid({{"type"_L1, "say"_L1}, {"text"_L1, text}}, cid);
}

QJsonObject dm(const QString &to, const QString &text, const QString &cid)
{
    return withCid({{"type"_L1, "dm"_L1}, {"to"_L1, to}, {"text"_L1, text}}, cid);
}

QJsonObject historyRequest(qint64 before, qint64 after, int limit)
{
    QJsonObject frame{{"type"_L1, "history"_L1}};
    if (before > 0) {
        frame.insert("before"_L1, before);
    }
    if (after >= 0) {
        frame.insert("after"_L1, after);
    }
    if (limit > 0) {
        frame.insert("limit"_L1, limit);
    }
    return frame;
}

QJsonObject usersRequest()
{
    return {{"type"_L1, "users"_L1}};
}

QJsonObject ping()
{
    return {{"type"_L1, "ping"_L1}};
}

QJsonObject quit()
{
    return {{"type"_L1, "quit"_L1}};
}

QJsonObject echo(const QString &text)
{
    return {{"type"_L1, "echo"_L1}, {"text"_L1, text}};
}

QJsonObject timeQuery(const QString &query, const QString &zone)
{
    QJsonObject frame{{"type"_L1, "time"_L1}, {"query"_L1, query}};
    if (!zone.isEmpty()) {
        frame.insert("zone"_L1, zone);
    }
    return frame;
}

QJsonObject quizStart()
{
    return {{"type"_L1, "quiz_start"_L1}};
}

QJsonObject quizAnswer(qint64 n, const QJsonValue &answer)
{
    return {{"type"_L1, "quiz_answer"_L1}, {"n"_L1, n}, {"answer"_L1, answer}};
}

QJsonObject quizStop()
{
    return {{"type"_L1, "quiz_stop"_L1}};
}

QJsonObject leaderboardRequest()
{
    return {{"type"_L1, "leaderboard"_L1}};
}

QJsonObject welcome(const QString &name, const QStringList &users, qsizetype userCount,
    const QString &motd, qint64 lastId)
{
    QJsonObject frame{{"type"_L1, "welcome"_L1}, {"name"_L1, name},
        {"users"_L1, QJsonArray::fromStringList(users)}, {"user_count"_L1, userCount},
        {"last_id"_L1, lastId}};
    if (!motd.isEmpty()) {
        frame.insert("motd"_L1, motd);
    }
    return frame;
}

QJsonObject joined(const QString &name, const QString &ts)
{
    return {{"type"_L1, "joined"_L1}, {"name"_L1, name}, {"ts"_L1, ts}};
}

QJsonObject message(
    qint64 id, const QString &from, const QString &text, const QString &ts, const QString &cid)
{
    return withCid({{"type"_L1, "message"_L1}, {"id"_L1, id}, {"from"_L1, from}, {"text"_L1, text},
                       {"ts"_L1, ts}},
        cid);
}

QJsonObject privateMessage(qint64 id, const QString &from, const QString &to, const QString &text,
    const QString &ts, const QString &cid)
{
    return withCid({{"type"_L1, "dm"_L1}, {"id"_L1, id}, {"from"_L1, from}, {"to"_L1, to},
                       {"text"_L1, text}, {"ts"_L1, ts}},
        cid);
}

QJsonObject history(const QJsonArray &messages, bool more)
{
    return {{"type"_L1, "history"_L1}, {"messages"_L1, messages}, {"more"_L1, more}};
}

QJsonObject left(const QString &name, const QString &reason, const QString &ts)
{
    return {{"type"_L1, "left"_L1}, {"name"_L1, name}, {"reason"_L1, reason}, {"ts"_L1, ts}};
}

QJsonObject users(const QStringList &users, qsizetype userCount)
{
    return {{"type"_L1, "users"_L1}, {"users"_L1, QJsonArray::fromStringList(users)},
        {"user_count"_L1, userCount}};
}

QJsonObject pong()
{
    return {{"type"_L1, "pong"_L1}};
}

QJsonObject bye(const QString &reason)
{
    return {{"type"_L1, "bye"_L1}, {"reason"_L1, reason}};
}

QJsonObject error(Protocol::ErrorCode code, const QString &message, const QString &cid)
{
    return withCid({{"type"_L1, "error"_L1}, {"code"_L1, Protocol::errorCodeName(code)},
                       {"message"_L1, message}},
        cid);
}

QJsonObject leaderboard(const QJsonArray &entries)
{
    return {{"type"_L1, "leaderboard"_L1}, {"entries"_L1, entries}};
}

} // namespace Frames

#include "frames.h"

#include "frametype.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace Frames {

using Protocol::FrameType;
using Protocol::frameTypeName;

namespace {

QJsonObject withCid(QJsonObject frame, const QString &cid)
{
    if (!cid.isEmpty()) {
        frame.insert("cid"_L1, cid);
    }
    return frame;
}

QJsonObject withRoom(QJsonObject frame, const QString &room)
{
    if (!room.isEmpty()) {
        frame.insert("room"_L1, room);
    }
    return frame;
}

} // namespace

QJsonObject hello(const QString &name, qint64 since)
{
    QJsonObject frame{{"type"_L1, frameTypeName(FrameType::Hello)}, {"name"_L1, name}};
    if (since >= 0) {
        frame.insert("since"_L1, since);
    }
    return frame;
}

QJsonObject helloWithPassword(const QString &name, const QString &password, qint64 since)
{
    QJsonObject frame = hello(name, since);
    frame.insert("password"_L1, password);
    return frame;
}

QJsonObject helloWithToken(const QString &token, qint64 since)
{
    QJsonObject frame{{"type"_L1, frameTypeName(FrameType::Hello)}, {"token"_L1, token}};
    if (since >= 0) {
        frame.insert("since"_L1, since);
    }
    return frame;
}

QJsonObject registerRequest(const QString &password)
{
    return {{"type"_L1, frameTypeName(FrameType::Register)}, {"password"_L1, password}};
}

QJsonObject passwordChange(const QString &oldPassword, const QString &newPassword)
{
    return {{"type"_L1, frameTypeName(FrameType::Password)}, {"old"_L1, oldPassword},
        {"new"_L1, newPassword}};
}

QJsonObject logout()
{
    return {{"type"_L1, frameTypeName(FrameType::Logout)}};
}

QJsonObject sayIn(const QString &room, const QString &text, const QString &cid)
{
    return withRoom(say(text, cid), room);
}

QJsonObject roomsRequest()
{
    return {{"type"_L1, frameTypeName(FrameType::Rooms)}};
}

QJsonObject join(const QString &room)
{
    return {{"type"_L1, frameTypeName(FrameType::Join)}, {"room"_L1, room}};
}

QJsonObject part(const QString &room)
{
    return {{"type"_L1, frameTypeName(FrameType::Part)}, {"room"_L1, room}};
}

QJsonObject create(const QString &room, bool isPrivate, const QString &topic)
{
    QJsonObject frame{{"type"_L1, frameTypeName(FrameType::Create)}, {"room"_L1, room},
        {"private"_L1, isPrivate}};
    if (!topic.isEmpty()) {
        frame.insert("topic"_L1, topic);
    }
    return frame;
}

QJsonObject invite(const QString &room, const QString &name)
{
    return {{"type"_L1, frameTypeName(FrameType::Invite)}, {"room"_L1, room}, {"name"_L1, name}};
}

QJsonObject read(const QString &room, qint64 id)
{
    return {{"type"_L1, frameTypeName(FrameType::Read)}, {"room"_L1, room}, {"id"_L1, id}};
}

QJsonObject topic(const QString &room, const QString &topic)
{
    return {{"type"_L1, frameTypeName(FrameType::Topic)}, {"room"_L1, room}, {"topic"_L1, topic}};
}

QJsonObject say(const QString &text, const QString &cid)
{
    return withCid({{"type"_L1, frameTypeName(FrameType::Say)}, {"text"_L1, text}}, cid);
}

QJsonObject dm(const QString &to, const QString &text, const QString &cid)
{
    return withCid(
        {{"type"_L1, frameTypeName(FrameType::Dm)}, {"to"_L1, to}, {"text"_L1, text}}, cid);
}

QJsonObject historyRequest(qint64 before, qint64 after, int limit)
{
    QJsonObject frame{{"type"_L1, frameTypeName(FrameType::History)}};
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

QJsonObject roomHistoryRequest(const QString &room, qint64 before)
{
    QJsonObject frame = historyRequest(before);
    frame.insert("room"_L1, room);
    return frame;
}

QJsonObject conversationHistoryRequest(const QString &name, qint64 before)
{
    QJsonObject frame = historyRequest(before);
    frame.insert("with"_L1, name);
    return frame;
}

QJsonObject usersRequest()
{
    return {{"type"_L1, frameTypeName(FrameType::Users)}};
}

QJsonObject ping()
{
    return {{"type"_L1, frameTypeName(FrameType::Ping)}};
}

QJsonObject quit()
{
    return {{"type"_L1, frameTypeName(FrameType::Quit)}};
}

QJsonObject echo(const QString &text)
{
    return {{"type"_L1, frameTypeName(FrameType::Echo)}, {"text"_L1, text}};
}

QJsonObject timeQuery(const QString &query, const QString &zone)
{
    QJsonObject frame{{"type"_L1, frameTypeName(FrameType::Time)}, {"query"_L1, query}};
    if (!zone.isEmpty()) {
        frame.insert("zone"_L1, zone);
    }
    return frame;
}

QJsonObject quizStart()
{
    return {{"type"_L1, frameTypeName(FrameType::QuizStart)}};
}

QJsonObject quizAnswer(qint64 n, const QJsonValue &answer)
{
    return {{"type"_L1, frameTypeName(FrameType::QuizAnswer)}, {"n"_L1, n}, {"answer"_L1, answer}};
}

QJsonObject quizStop()
{
    return {{"type"_L1, frameTypeName(FrameType::QuizStop)}};
}

QJsonObject leaderboardRequest()
{
    return {{"type"_L1, frameTypeName(FrameType::Leaderboard)}};
}

namespace {

QJsonObject withReason(QJsonObject frame, const QString &reason)
{
    if (!reason.isEmpty()) {
        frame.insert("reason"_L1, reason);
    }
    return frame;
}

QJsonObject withMinutes(QJsonObject frame, qint64 minutes)
{
    if (minutes > 0) {
        frame.insert("minutes"_L1, minutes);
    }
    return frame;
}

} // namespace

QJsonObject kick(const QString &name, const QString &reason, const QString &room)
{
    return withRoom(
        withReason({{"type"_L1, frameTypeName(FrameType::Kick)}, {"name"_L1, name}}, reason), room);
}

QJsonObject ban(const QString &name, qint64 minutes, const QString &reason, const QString &room)
{
    return withRoom(
        withReason(
            withMinutes({{"type"_L1, frameTypeName(FrameType::Ban)}, {"name"_L1, name}}, minutes),
            reason),
        room);
}

QJsonObject banAddress(const QString &address, qint64 minutes, const QString &reason)
{
    return withReason(
        withMinutes({{"type"_L1, frameTypeName(FrameType::Ban)}, {"address"_L1, address}}, minutes),
        reason);
}

QJsonObject unban(const QString &name, const QString &room)
{
    return withRoom({{"type"_L1, frameTypeName(FrameType::Unban)}, {"name"_L1, name}}, room);
}

QJsonObject unbanAddress(const QString &address)
{
    return {{"type"_L1, frameTypeName(FrameType::Unban)}, {"address"_L1, address}};
}

QJsonObject mute(const QString &name, qint64 minutes, const QString &reason)
{
    return withReason(
        withMinutes({{"type"_L1, frameTypeName(FrameType::Mute)}, {"name"_L1, name}}, minutes),
        reason);
}

QJsonObject unmute(const QString &name)
{
    return {{"type"_L1, frameTypeName(FrameType::Unmute)}, {"name"_L1, name}};
}

QJsonObject announce(const QString &text)
{
    return {{"type"_L1, frameTypeName(FrameType::Announce)}, {"text"_L1, text}};
}

QJsonObject motd(const QString &text)
{
    return {{"type"_L1, frameTypeName(FrameType::Motd)}, {"text"_L1, text}};
}

QJsonObject grant(const QString &name, const QString &role)
{
    return {{"type"_L1, frameTypeName(FrameType::Grant)}, {"name"_L1, name}, {"role"_L1, role}};
}

QJsonObject bansRequest()
{
    return {{"type"_L1, frameTypeName(FrameType::Bans)}};
}

QJsonObject welcome(const QString &name, const QStringList &users, qsizetype userCount,
    const QString &motd, qint64 lastId, bool account, const QString &token)
{
    QJsonObject frame{{"type"_L1, frameTypeName(FrameType::Welcome)}, {"name"_L1, name},
        {"users"_L1, QJsonArray::fromStringList(users)}, {"user_count"_L1, userCount},
        {"last_id"_L1, lastId}, {"account"_L1, account}};
    if (!token.isEmpty()) {
        frame.insert("token"_L1, token);
    }
    if (!motd.isEmpty()) {
        frame.insert("motd"_L1, motd);
    }
    return frame;
}

QJsonObject withRole(QJsonObject welcome, Protocol::Role role)
{
    if (role != Protocol::Role::None) {
        welcome.insert("role"_L1, Protocol::roleName(role));
    }
    return welcome;
}

QJsonObject withReplay(QJsonObject welcome, qsizetype replayed, qint64 gapAfter, qint64 gapBefore)
{
    welcome.insert("replayed"_L1, replayed);
    if (gapAfter >= 0) {
        welcome.insert("gap"_L1, QJsonObject{{"after"_L1, gapAfter}, {"before"_L1, gapBefore}});
    }
    return welcome;
}

QJsonObject joined(const QString &name, const QString &ts, const QString &room)
{
    return withRoom(
        {{"type"_L1, frameTypeName(FrameType::Joined)}, {"name"_L1, name}, {"ts"_L1, ts}}, room);
}

QJsonObject message(qint64 id, const QString &from, const QString &text, const QString &ts,
    const QString &cid, const QString &room)
{
    return withRoom(withCid({{"type"_L1, frameTypeName(FrameType::Message)}, {"id"_L1, id},
                                {"from"_L1, from}, {"text"_L1, text}, {"ts"_L1, ts}},
                        cid),
        room);
}

QJsonObject privateMessage(qint64 id, const QString &from, const QString &to, const QString &text,
    const QString &ts, const QString &cid)
{
    return withCid({{"type"_L1, frameTypeName(FrameType::Dm)}, {"id"_L1, id}, {"from"_L1, from},
                       {"to"_L1, to}, {"text"_L1, text}, {"ts"_L1, ts}},
        cid);
}

QJsonObject history(const QJsonArray &messages, bool more)
{
    return {{"type"_L1, frameTypeName(FrameType::History)}, {"messages"_L1, messages},
        {"more"_L1, more}};
}

QJsonObject left(const QString &name, const QString &reason, const QString &ts, const QString &room)
{
    return withRoom({{"type"_L1, frameTypeName(FrameType::Left)}, {"name"_L1, name},
                        {"reason"_L1, reason}, {"ts"_L1, ts}},
        room);
}

QJsonObject presence(
    const QString &room, const QStringList &joined, const QJsonArray &left, const QString &ts)
{
    return {{"type"_L1, frameTypeName(FrameType::Presence)}, {"room"_L1, room},
        {"joined"_L1, QJsonArray::fromStringList(joined)}, {"left"_L1, left}, {"ts"_L1, ts}};
}

QJsonObject presenceDeparture(const QString &name, const QString &reason)
{
    return {{"name"_L1, name}, {"reason"_L1, reason}};
}

QJsonObject rooms(const QJsonArray &rooms)
{
    return {{"type"_L1, frameTypeName(FrameType::Rooms)}, {"rooms"_L1, rooms}};
}

QJsonObject roomEntry(
    const QString &room, const QString &topic, qsizetype members, bool joined, bool isPrivate)
{
    return {{"room"_L1, room}, {"topic"_L1, topic}, {"members"_L1, members},
        {"private"_L1, isPrivate}, {"joined"_L1, joined}};
}

QJsonObject room(const QString &room, const QString &topic, const QStringList &members,
    qint64 lastId, bool isPrivate)
{
    return {{"type"_L1, frameTypeName(FrameType::Room)}, {"room"_L1, room}, {"topic"_L1, topic},
        {"members"_L1, QJsonArray::fromStringList(members)}, {"last_id"_L1, lastId},
        {"private"_L1, isPrivate}};
}

QJsonObject invited(const QString &room, const QString &by)
{
    return {{"type"_L1, frameTypeName(FrameType::Invited)}, {"room"_L1, room}, {"by"_L1, by}};
}

QJsonObject topicChanged(const QString &room, const QString &topic, const QString &by)
{
    return {{"type"_L1, frameTypeName(FrameType::Topic)}, {"room"_L1, room}, {"topic"_L1, topic},
        {"by"_L1, by}};
}

QJsonObject users(const QStringList &users, qsizetype userCount)
{
    return {{"type"_L1, frameTypeName(FrameType::Users)},
        {"users"_L1, QJsonArray::fromStringList(users)}, {"user_count"_L1, userCount}};
}

QJsonObject pong()
{
    return {{"type"_L1, frameTypeName(FrameType::Pong)}};
}

QJsonObject bye(const QString &reason)
{
    return {{"type"_L1, frameTypeName(FrameType::Bye)}, {"reason"_L1, reason}};
}

QJsonObject registered(const QString &name, const QString &token)
{
    return {
        {"type"_L1, frameTypeName(FrameType::Registered)}, {"name"_L1, name}, {"token"_L1, token}};
}

QJsonObject passwordChanged()
{
    return {{"type"_L1, frameTypeName(FrameType::PasswordChanged)}};
}

QJsonObject notice(const QString &kind, const QString &text, const QJsonObject &details)
{
    QJsonObject frame = details;
    frame.insert("type"_L1, frameTypeName(FrameType::Notice));
    frame.insert("kind"_L1, kind);
    frame.insert("text"_L1, text);
    return frame;
}

QJsonObject bans(const QJsonArray &entries)
{
    return {{"type"_L1, frameTypeName(FrameType::Bans)}, {"bans"_L1, entries}};
}

QJsonObject error(Protocol::ErrorCode code, const QString &message, const QString &cid)
{
    return withCid({{"type"_L1, frameTypeName(FrameType::Error)},
                       {"code"_L1, Protocol::errorCodeName(code)}, {"message"_L1, message}},
        cid);
}

QJsonObject timeReply(const QString &query, const QString &value, const QString &zone,
    const QString &abbreviation, const QString &offset, const QString &iso)
{
    return {{"type"_L1, frameTypeName(FrameType::Time)}, {"query"_L1, query}, {"value"_L1, value},
        {"zone"_L1, zone}, {"abbreviation"_L1, abbreviation}, {"offset"_L1, offset},
        {"iso"_L1, iso}};
}

QJsonObject quizQuestion(int n, int total, int a, const QString &op, int b, const QString &question)
{
    return {{"type"_L1, frameTypeName(FrameType::QuizQuestion)}, {"n"_L1, n}, {"total"_L1, total},
        {"a"_L1, a}, {"op"_L1, op}, {"b"_L1, b}, {"question"_L1, question}};
}

QJsonObject quizResult(int n, const QString &question, bool correct, double answer, int expected,
    double score, int right, int wrong)
{
    return {{"type"_L1, frameTypeName(FrameType::QuizResult)}, {"n"_L1, n},
        {"question"_L1, question}, {"correct"_L1, correct}, {"answer"_L1, answer},
        {"expected"_L1, expected}, {"score"_L1, score}, {"right"_L1, right}, {"wrong"_L1, wrong}};
}

QJsonObject quizFinished(
    bool completed, double score, int right, int wrong, int total, double seconds)
{
    return {{"type"_L1, frameTypeName(FrameType::QuizFinished)}, {"completed"_L1, completed},
        {"score"_L1, score}, {"right"_L1, right}, {"wrong"_L1, wrong}, {"total"_L1, total},
        {"seconds"_L1, seconds}};
}

QJsonObject leaderboard(const QJsonArray &entries)
{
    return {{"type"_L1, frameTypeName(FrameType::Leaderboard)}, {"entries"_L1, entries}};
}

QJsonObject leaderboardEntry(int rank, const QString &name, double score, double seconds, int right,
    int wrong, const QString &ts, bool guest)
{
    QJsonObject entry{{"rank"_L1, rank}, {"name"_L1, name}, {"score"_L1, score},
        {"seconds"_L1, seconds}, {"right"_L1, right}, {"wrong"_L1, wrong}, {"ts"_L1, ts}};
    if (guest) {
        entry.insert("guest"_L1, true);
    }
    return entry;
}

} // namespace Frames

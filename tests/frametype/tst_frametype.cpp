#include "frames.h"
#include "frametype.h"
#include "framevalidator.h"
#include "protocol.h"

#include <QJsonArray>
#include <QSet>
#include <QTest>

using Protocol::ErrorCode;
using Protocol::FrameType;
using namespace Qt::StringLiterals;

// The frame type and error code lists: names and enumerators map both ways, the wire names are
// the documented ones, and the validator's idea of a client frame follows the list's directions.
class tst_FrameType : public QObject
{
    Q_OBJECT

private slots:
    void everyTypeRoundTrips();
    void wireNamesAreTheDocumentedOnes_data();
    void wireNamesAreTheDocumentedOnes();
    void otherNamesAreUnknown_data();
    void otherNamesAreUnknown();
    void typeOfAnObject();
    void dispatchTableSize();
    void validatorFollowsDirections_data();
    void validatorFollowsDirections();
    void everyErrorCodeRoundTrips();
    void errorCodeWireNames_data();
    void errorCodeWireNames();
    void otherErrorNamesAreUnknown_data();
    void otherErrorNamesAreUnknown();
    void presenceFrames_data();
    void presenceFrames();
    void moderationFrames_data();
    void moderationFrames();
    void roles();
};

namespace {

// A well-formed frame of each type, as the side that sends it builds it (the client's shape
// for a type that exists both ways). No default: a new type needs a sample here.
QJsonObject sample(FrameType type)
{
    switch (type) {
    case FrameType::Hello:
        return Frames::hello(u"alice"_s, 41);
    case FrameType::Welcome:
        return Frames::welcome(u"alice"_s, {u"alice"_s}, 1, u"hi"_s, 7);
    case FrameType::Say:
        return Frames::say(u"hi"_s, u"c1"_s);
    case FrameType::Message:
        return Frames::message(1, u"alice"_s, u"hi"_s, Protocol::timestampNow());
    case FrameType::Dm:
        return Frames::dm(u"bob"_s, u"psst"_s, u"c2"_s);
    case FrameType::History:
        return Frames::historyRequest(120, 3, 50);
    case FrameType::Users:
        return Frames::usersRequest();
    case FrameType::Joined:
        return Frames::joined(u"bob"_s, Protocol::timestampNow());
    case FrameType::Left:
        return Frames::left(u"bob"_s, u"quit"_s, Protocol::timestampNow());
    case FrameType::Ping:
        return Frames::ping();
    case FrameType::Pong:
        return Frames::pong();
    case FrameType::Quit:
        return Frames::quit();
    case FrameType::Bye:
        return Frames::bye(u"quit"_s);
    case FrameType::Error:
        return Frames::error(ErrorCode::BadName, u"no"_s);
    case FrameType::Echo:
        return Frames::echo(u"anything"_s);
    case FrameType::Time:
        return Frames::timeQuery(u"time"_s, u"Europe/Paris"_s);
    case FrameType::QuizStart:
        return Frames::quizStart();
    case FrameType::QuizQuestion:
        return Frames::quizQuestion(3, 10, 7, u"*"_s, 8, u"7 * 8"_s);
    case FrameType::QuizAnswer:
        return Frames::quizAnswer(3, 56);
    case FrameType::QuizResult:
        return Frames::quizResult(3, u"7 * 8"_s, false, 54, 56, 1.75, 2, 1);
    case FrameType::QuizStop:
        return Frames::quizStop();
    case FrameType::QuizFinished:
        return Frames::quizFinished(true, 7.5, 8, 2, 10, 42.317);
    case FrameType::Leaderboard:
        return Frames::leaderboardRequest();
    case FrameType::Register:
        return Frames::registerRequest(u"correct horse"_s);
    case FrameType::Registered:
        return Frames::registered(u"alice"_s, u"t0ken"_s);
    case FrameType::Password:
        return Frames::passwordChange(u"correct horse"_s, u"battery staple"_s);
    case FrameType::PasswordChanged:
        return Frames::passwordChanged();
    case FrameType::Logout:
        return Frames::logout();
    case FrameType::Rooms:
        return Frames::roomsRequest();
    case FrameType::Join:
        return Frames::join(u"dev"_s);
    case FrameType::Part:
        return Frames::part(u"dev"_s);
    case FrameType::Room:
        return Frames::room(u"dev"_s, u"builds"_s, {u"alice"_s}, 12);
    case FrameType::Create:
        return Frames::create(u"ops"_s, true, u"on call"_s);
    case FrameType::Invite:
        return Frames::invite(u"ops"_s, u"bob"_s);
    case FrameType::Invited:
        return Frames::invited(u"ops"_s, u"alice"_s);
    case FrameType::Topic:
        return Frames::topic(u"ops"_s, u"on call"_s);
    case FrameType::Read:
        return Frames::read(u"ops"_s, 41);
    case FrameType::Presence:
        return Frames::presence(u"general"_s, {u"alice"_s},
            {Frames::presenceDeparture(u"carol"_s, u"quit"_s)}, Protocol::timestampNow());
    case FrameType::Kick:
        return Frames::kick(u"bob"_s, u"spam"_s, u"dev"_s);
    case FrameType::Ban:
        return Frames::ban(u"bob"_s, 30, u"spam"_s);
    case FrameType::Unban:
        return Frames::unbanAddress(u"203.0.113.0/24"_s);
    case FrameType::Mute:
        return Frames::mute(u"bob"_s, 5);
    case FrameType::Unmute:
        return Frames::unmute(u"bob"_s);
    case FrameType::Announce:
        return Frames::announce(u"restart at noon"_s);
    case FrameType::Motd:
        return Frames::motd(u"Hello, {name}"_s);
    case FrameType::Grant:
        return Frames::grant(u"bob"_s, u"moderator"_s);
    case FrameType::Bans:
        return Frames::bansRequest();
    case FrameType::Notice:
        return Frames::notice(u"kick"_s, u"bob was kicked"_s, {{"name"_L1, u"bob"_s}});
    case FrameType::Unknown:
        break;
    }
    return {};
}

} // namespace

void tst_FrameType::everyTypeRoundTrips()
{
    QSet<QString> names;
    for (const FrameType type : Protocol::AllFrameTypes) {
        const QLatin1StringView name = Protocol::frameTypeName(type);
        QVERIFY(!name.isEmpty());
        QCOMPARE(Protocol::frameTypeFromName(QString(name)), type);
        names.insert(name);
    }
    QCOMPARE(names.size(), qsizetype(Protocol::AllFrameTypes.size()));
    QVERIFY(Protocol::frameTypeName(FrameType::Unknown).isEmpty());
}

void tst_FrameType::wireNamesAreTheDocumentedOnes_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("fromClient");
    QTest::addColumn<bool>("fromServer");

    // docs/PROTOCOL.md: a contract, spelled out again on purpose.
    const auto row = [](FrameType type, const char *name, bool fromClient, bool fromServer) {
        QTest::newRow(name) << int(type) << QString::fromLatin1(name) << fromClient << fromServer;
    };
    row(FrameType::Hello, "hello", true, false);
    row(FrameType::Welcome, "welcome", false, true);
    row(FrameType::Say, "say", true, false);
    row(FrameType::Message, "message", false, true);
    row(FrameType::Dm, "dm", true, true);
    row(FrameType::History, "history", true, true);
    row(FrameType::Users, "users", true, true);
    row(FrameType::Joined, "joined", false, true);
    row(FrameType::Left, "left", false, true);
    row(FrameType::Ping, "ping", true, true);
    row(FrameType::Pong, "pong", true, true);
    row(FrameType::Quit, "quit", true, false);
    row(FrameType::Bye, "bye", false, true);
    row(FrameType::Error, "error", false, true);
    row(FrameType::Echo, "echo", true, true);
    row(FrameType::Time, "time", true, true);
    row(FrameType::QuizStart, "quiz_start", true, false);
    row(FrameType::QuizQuestion, "quiz_question", false, true);
    row(FrameType::QuizAnswer, "quiz_answer", true, false);
    row(FrameType::QuizResult, "quiz_result", false, true);
    row(FrameType::QuizStop, "quiz_stop", true, false);
    row(FrameType::QuizFinished, "quiz_finished", false, true);
    row(FrameType::Leaderboard, "leaderboard", true, true);
    row(FrameType::Presence, "presence", false, true);
    row(FrameType::Kick, "kick", true, false);
    row(FrameType::Ban, "ban", true, false);
    row(FrameType::Unban, "unban", true, false);
    row(FrameType::Mute, "mute", true, false);
    row(FrameType::Unmute, "unmute", true, false);
    row(FrameType::Announce, "announce", true, false);
    row(FrameType::Motd, "motd", true, false);
    row(FrameType::Grant, "grant", true, false);
    row(FrameType::Bans, "bans", true, true);
    row(FrameType::Notice, "notice", false, true);
}

void tst_FrameType::wireNamesAreTheDocumentedOnes()
{
    QFETCH(int, type);
    QFETCH(QString, name);
    QFETCH(bool, fromClient);
    QFETCH(bool, fromServer);

    QCOMPARE(Protocol::frameTypeName(FrameType(type)), name);
    QCOMPARE(Protocol::isClientFrame(FrameType(type)), fromClient);
    QCOMPARE(Protocol::isServerFrame(FrameType(type)), fromServer);
}

void tst_FrameType::otherNamesAreUnknown_data()
{
    QTest::addColumn<QString>("name");

    QTest::newRow("empty") << QString();
    QTest::newRow("capitalised") << u"Hello"_s;
    QTest::newRow("upper case") << u"QUIZ_ANSWER"_s;
    QTest::newRow("leading space") << u" ping"_s;
    QTest::newRow("trailing space") << u"ping "_s;
    QTest::newRow("prefix") << u"quiz_"_s;
    QTest::newRow("longer") << u"welcomes"_s;
    QTest::newRow("same length") << u"sat"_s;
    QTest::newRow("dash for underscore") << u"quiz-start"_s;
    QTest::newRow("non-latin1") << u"hellö"_s;
    QTest::newRow("nul inside") << QString::fromLatin1("dm\0", 3);
    QTest::newRow("made up") << u"dance"_s;
    QTest::newRow("unknown") << u"unknown"_s;
}

void tst_FrameType::otherNamesAreUnknown()
{
    QFETCH(QString, name);
    QCOMPARE(Protocol::frameTypeFromName(name), FrameType::Unknown);
    QVERIFY(!Protocol::isClientFrame(Protocol::frameTypeFromName(name)));
    QVERIFY(!Protocol::isServerFrame(Protocol::frameTypeFromName(name)));
}

void tst_FrameType::typeOfAnObject()
{
    QCOMPARE(Protocol::frameType(Frames::say(u"hi"_s)), FrameType::Say);
    QCOMPARE(Protocol::frameType({}), FrameType::Unknown);
    QCOMPARE(Protocol::frameType({{"type"_L1, 5}}), FrameType::Unknown);
    QCOMPARE(Protocol::frameType({{"type"_L1, QJsonValue::Null}}), FrameType::Unknown);
    QCOMPARE(Protocol::frameType({{"type"_L1, QJsonArray{u"say"_s}}}), FrameType::Unknown);
    QCOMPARE(Protocol::frameType({{"kind"_L1, u"say"_s}}), FrameType::Unknown);
    // Out of range values do not read past the table.
    QVERIFY(Protocol::frameTypeName(FrameType(Protocol::FrameTypeCount)).isEmpty());
    QVERIFY(!Protocol::isClientFrame(FrameType(Protocol::FrameTypeCount)));
    QVERIFY(!Protocol::isServerFrame(FrameType(-1)));
}

void tst_FrameType::dispatchTableSize()
{
    // Unknown is 0 and the rest follow in order, so a table of FrameTypeCount covers them all.
    QCOMPARE(std::size_t(Protocol::FrameTypeCount), Protocol::AllFrameTypes.size() + 1);
    QCOMPARE(Protocol::FrameTypeCount, 1 + 48); // Unknown and the documented ones
    QCOMPARE(int(FrameType::Unknown), 0);
    for (std::size_t i = 0; i < Protocol::AllFrameTypes.size(); ++i) {
        QCOMPARE(std::size_t(Protocol::AllFrameTypes[i]), i + 1);
    }
}

void tst_FrameType::validatorFollowsDirections_data()
{
    QTest::addColumn<QJsonObject>("frame");
    QTest::addColumn<bool>("fromClient");

    for (const FrameType type : Protocol::AllFrameTypes) {
        const QByteArray name = QByteArray(
            Protocol::frameTypeName(type).data(), Protocol::frameTypeName(type).size());
        QTest::newRow(name.constData()) << sample(type) << Protocol::isClientFrame(type);
    }
}

void tst_FrameType::validatorFollowsDirections()
{
    QFETCH(QJsonObject, frame);
    QFETCH(bool, fromClient);

    const QString type = frame.value("type"_L1).toString();
    QCOMPARE(Protocol::frameTypeName(Protocol::frameType(frame)), type); // the sample's own type
    const FrameValidator::Verdict verdict = FrameValidator::validateClientFrame(frame);
    if (fromClient) {
        QVERIFY2(verdict.isValid(), qPrintable(verdict.message));
    } else {
        // A server frame sent back by a client is refused like a made-up type.
        QCOMPARE(verdict.error, ErrorCode::UnknownType);
        QCOMPARE(verdict.message, u"unknown frame type \"%1\""_s.arg(type));
    }
}

void tst_FrameType::everyErrorCodeRoundTrips()
{
    QSet<QString> names;
    for (int code = int(ErrorCode::None); code < Protocol::ErrorCodeCount; ++code) {
        const QLatin1StringView name = Protocol::errorCodeName(ErrorCode(code));
        QVERIFY(!name.isEmpty());
        names.insert(name);
        if (code > int(ErrorCode::Unknown)) {
            QCOMPARE(Protocol::errorCodeFromName(QString(name)), ErrorCode(code));
        }
    }
    QCOMPARE(names.size(), Protocol::ErrorCodeCount);
    QCOMPARE(Protocol::ErrorCodeCount, 2 + 44); // None, Unknown and the documented ones
    QCOMPARE(Protocol::LastErrorCode, ErrorCode(Protocol::ErrorCodeCount - 1));
}

void tst_FrameType::errorCodeWireNames_data()
{
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("name");

    // docs/PROTOCOL.md: a contract, spelled out again on purpose.
    const auto row = [](ErrorCode code, const char *name) {
        QTest::newRow(name) << int(code) << QString::fromLatin1(name);
    };
    row(ErrorCode::BadJson, "bad_json");
    row(ErrorCode::BadFrame, "bad_frame");
    row(ErrorCode::UnknownType, "unknown_type");
    row(ErrorCode::NotRegistered, "not_registered");
    row(ErrorCode::AlreadyRegistered, "already_registered");
    row(ErrorCode::BadName, "bad_name");
    row(ErrorCode::NameTaken, "name_taken");
    row(ErrorCode::NoSuchUser, "no_such_user");
    row(ErrorCode::BadText, "bad_text");
    row(ErrorCode::FrameTooLarge, "frame_too_large");
    row(ErrorCode::ServerFull, "server_full");
    row(ErrorCode::ShuttingDown, "shutting_down");
    row(ErrorCode::UnknownQuery, "unknown_query");
    row(ErrorCode::UnknownZone, "unknown_zone");
    row(ErrorCode::QuizRunning, "quiz_running");
    row(ErrorCode::NoQuiz, "no_quiz");
    row(ErrorCode::AlreadyAnswered, "already_answered");
    row(ErrorCode::NotAsked, "not_asked");
    row(ErrorCode::BadAnswer, "bad_answer");
    row(ErrorCode::RateLimited, "rate_limited");
    row(ErrorCode::TextTooLong, "text_too_long");
    row(ErrorCode::TooManyConnections, "too_many_connections");
    row(ErrorCode::StorageFailed, "storage_failed");
    row(ErrorCode::FrameTimeout, "frame_timeout");
    row(ErrorCode::NotAllowed, "not_allowed");
    row(ErrorCode::Banned, "banned");
    row(ErrorCode::Muted, "muted");
    row(ErrorCode::NotBanned, "not_banned");
    row(ErrorCode::NoSuchAccount, "no_such_account");
    row(ErrorCode::BadAddress, "bad_address");
    row(ErrorCode::BadRole, "bad_role");
}

void tst_FrameType::errorCodeWireNames()
{
    QFETCH(int, code);
    QFETCH(QString, name);

    QCOMPARE(Protocol::errorCodeName(ErrorCode(code)), name);
    QCOMPARE(Protocol::errorCodeFromName(name), ErrorCode(code));
    QCOMPARE(Frames::error(ErrorCode(code), u"x"_s).value("code"_L1).toString(), name);
}

void tst_FrameType::otherErrorNamesAreUnknown_data()
{
    QTest::addColumn<QString>("name");

    QTest::newRow("empty") << QString();
    QTest::newRow("none") << u"none"_s;
    QTest::newRow("unknown") << u"unknown"_s;
    QTest::newRow("upper case") << u"BAD_JSON"_s;
    QTest::newRow("space for underscore") << u"bad json"_s;
    QTest::newRow("a newer server's") << u"quota_exceeded"_s;
    QTest::newRow("a frame type") << u"error"_s;
}

void tst_FrameType::otherErrorNamesAreUnknown()
{
    QFETCH(QString, name);
    QCOMPARE(Protocol::errorCodeFromName(name), ErrorCode::Unknown);
}

void tst_FrameType::presenceFrames_data()
{
    QTest::addColumn<QJsonObject>("frame");
    QTest::addColumn<bool>("valid");

    const QString ts = Protocol::timestampNow();
    const QJsonObject good = Frames::presence(u"general"_s, {u"alice"_s, u"bob"_s},
        {Frames::presenceDeparture(u"carol"_s, u"quit"_s)}, ts);
    const auto with = [&good](QLatin1StringView field, const QJsonValue &value) {
        QJsonObject frame = good;
        if (value.isUndefined()) {
            frame.remove(field);
        } else {
            frame.insert(field, value);
        }
        return frame;
    };
    QTest::newRow("good") << good << true;
    QTest::newRow("only arrivals") << Frames::presence(u"dev"_s, {u"alice"_s}, {}, ts) << true;
    QTest::newRow("only departures")
        << Frames::presence(u"dev"_s, {}, {Frames::presenceDeparture(u"bob"_s, u"part"_s)}, ts)
        << true;
    QTest::newRow("unknown field") << with("extra"_L1, 1) << true;
    QTest::newRow("not presence") << with("type"_L1, u"joined"_s) << false;
    QTest::newRow("no room") << with("room"_L1, QJsonValue::Undefined) << false;
    QTest::newRow("room not a string") << with("room"_L1, 3) << false;
    QTest::newRow("bad room") << with("room"_L1, u"no room"_s) << false;
    QTest::newRow("no joined") << with("joined"_L1, QJsonValue::Undefined) << false;
    QTest::newRow("joined not an array") << with("joined"_L1, u"alice"_s) << false;
    QTest::newRow("joined holds a number") << with("joined"_L1, QJsonArray{u"alice"_s, 2}) << false;
    QTest::newRow("joined holds a bad name") << with("joined"_L1, QJsonArray{u"a b"_s}) << false;
    QTest::newRow("no left") << with("left"_L1, QJsonValue::Undefined) << false;
    QTest::newRow("left not an array") << with("left"_L1, QJsonObject{}) << false;
    QTest::newRow("left holds a name") << with("left"_L1, QJsonArray{u"carol"_s}) << false;
    QTest::newRow("left without reason")
        << with("left"_L1, QJsonArray{QJsonObject{{"name"_L1, u"carol"_s}}}) << false;
    QTest::newRow("left reason not a string") << with(
        "left"_L1, QJsonArray{QJsonObject{{"name"_L1, u"carol"_s}, {"reason"_L1, QJsonArray{}}}})
                                              << false;
    QTest::newRow("left without name")
        << with("left"_L1, QJsonArray{QJsonObject{{"reason"_L1, u"quit"_s}}}) << false;
    QTest::newRow("left with a bad name")
        << with("left"_L1, QJsonArray{Frames::presenceDeparture(QString(40, u'x'), u"quit"_s)})
        << false;
}

// A client checks a presence frame before it changes member lists with it.
void tst_FrameType::presenceFrames()
{
    QFETCH(QJsonObject, frame);
    QFETCH(bool, valid);

    const FrameValidator::Verdict verdict = FrameValidator::validatePresence(frame);
    QCOMPARE(verdict.isValid(), valid);
    if (!valid) {
        QCOMPARE(verdict.error, ErrorCode::BadFrame);
        QVERIFY(!verdict.message.isEmpty());
    }
}

void tst_FrameType::moderationFrames_data()
{
    QTest::addColumn<QJsonObject>("frame");
    QTest::addColumn<bool>("valid");

    const auto with = [](QJsonObject frame, QLatin1StringView field, const QJsonValue &value) {
        frame.insert(field, value);
        return frame;
    };
    QTest::newRow("kick") << Frames::kick(u"bob"_s) << true;
    QTest::newRow("kick without name") << QJsonObject{{"type"_L1, u"kick"_s}} << false;
    QTest::newRow("kick in a bad room") << Frames::kick(u"bob"_s, {}, u"no room"_s) << false;
    QTest::newRow("ban for good") << Frames::ban(u"bob"_s) << true;
    QTest::newRow("ban for a week") << Frames::ban(u"bob"_s, 7 * 24 * 60) << true;
    QTest::newRow("ban for ten years") << Frames::ban(u"bob"_s, Protocol::MaxBanMinutes) << true;
    QTest::newRow("ban longer") << with(
        Frames::ban(u"bob"_s), "minutes"_L1, double(Protocol::MaxBanMinutes + 1))
                                << false;
    QTest::newRow("ban for no time") << with(Frames::ban(u"bob"_s), "minutes"_L1, 0) << false;
    QTest::newRow("negative minutes") << with(Frames::ban(u"bob"_s), "minutes"_L1, -5) << false;
    QTest::newRow("fractional minutes") << with(Frames::mute(u"bob"_s), "minutes"_L1, 1.5) << false;
    QTest::newRow("minutes as text") << with(Frames::mute(u"bob"_s), "minutes"_L1, u"5"_s) << false;
    QTest::newRow("ban an address") << Frames::banAddress(u"203.0.113.0/24"_s, 60) << true;
    QTest::newRow("ban nobody") << QJsonObject{{"type"_L1, u"ban"_s}} << false;
    QTest::newRow("ban a name and an address")
        << with(Frames::ban(u"bob"_s), "address"_L1, u"203.0.113.7"_s) << false;
    QTest::newRow("ban an address from a room")
        << with(Frames::banAddress(u"203.0.113.7"_s), "room"_L1, u"dev"_s) << false;
    QTest::newRow("unban nobody") << QJsonObject{{"type"_L1, u"unban"_s}} << false;
    QTest::newRow("grant without role")
        << QJsonObject{{"type"_L1, u"grant"_s}, {"name"_L1, u"bob"_s}} << false;
    QTest::newRow("announce a number") << with(Frames::announce({}), "text"_L1, 5) << false;
    QTest::newRow("a notice from a client") << Frames::notice(u"kick"_s, u"x"_s) << false;
}

void tst_FrameType::moderationFrames()
{
    QFETCH(QJsonObject, frame);
    QFETCH(bool, valid);
    const FrameValidator::Verdict verdict = FrameValidator::validateClientFrame(frame);
    QVERIFY2(verdict.isValid() == valid, qPrintable(verdict.message));
}

void tst_FrameType::roles()
{
    // docs/PROTOCOL.md: the names, and their order of power.
    using Protocol::Role;
    for (const auto &[role, name] :
        {std::pair{Role::None, "none"}, std::pair{Role::Moderator, "moderator"},
            std::pair{Role::Admin, "admin"}, std::pair{Role::Owner, "owner"}}) {
        QCOMPARE(Protocol::roleName(role), QLatin1StringView(name));
        QCOMPARE(Protocol::roleFromName(QString::fromLatin1(name)), role);
    }
    QVERIFY(
        Role::None < Role::Moderator && Role::Moderator < Role::Admin && Role::Admin < Role::Owner);
    QVERIFY(!Protocol::roleFromName(u"Admin"_s));
    QVERIFY(!Protocol::roleFromName(u"root"_s));
    QCOMPARE(Frames::withRole(Frames::welcome(u"a"_s, {}, 1, {}, 0), Role::Admin)
                 .value("role"_L1)
                 .toString(),
        u"admin"_s);
    QVERIFY(
        !Frames::withRole(Frames::welcome(u"a"_s, {}, 1, {}, 0), Role::None).contains("role"_L1));
}

QTEST_APPLESS_MAIN(tst_FrameType)
#include "tst_frametype.moc"

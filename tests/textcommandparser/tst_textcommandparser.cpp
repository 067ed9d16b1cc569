#include "frames.h"
#include "textcommandparser.h"
#include "textrenderer.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QTest>

using namespace Qt::StringLiterals;

// TextCommandParser and TextRenderer: plain-text mode's lines in and out.
class tst_TextCommandParser : public QObject
{
    Q_OBJECT

private slots:
    void parse_data();
    void parse();
    void render_data();
    void render();
    void helpIsAlignedAndNamesRealCommands();
};

void tst_TextCommandParser::parse_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<bool>("registered");
    QTest::addColumn<int>("openQuestion");
    QTest::addColumn<QJsonObject>("frame");
    QTest::addColumn<QString>("replyContains");

    const auto row = [](const char *name, const QString &line, bool registered, int question,
                         const QJsonObject &frame, const QString &reply = {}) {
        QTest::newRow(name) << line << registered << question << frame << reply;
    };
    row("blank", u"   "_s, true, 0, {});
    row("first line is the name", u"alice"_s, false, 0, Frames::hello(u"alice"_s));
    row("name is trimmed", u"  alice  "_s, false, 0, Frames::hello(u"alice"_s));
    row("command before name", u"/users"_s, false, 0, {}, u"name first"_s);
    row("time before name", u"/time"_s, false, 0, Frames::timeQuery(u"time"_s));
    row("chat", u"hello there"_s, true, 0, Frames::say(u"hello there"_s));
    row("chat keeps inner spacing", u"a  b"_s, true, 0, Frames::say(u"a  b"_s));
    row("day", u"/day"_s, true, 0, Frames::timeQuery(u"day"_s));
    row("date", u"/DATE"_s, true, 0, Frames::timeQuery(u"date"_s));
    row("time with zone", u"/time Europe/Paris"_s, true, 0,
        Frames::timeQuery(u"time"_s, u"Europe/Paris"_s));
    row("users", u"/users"_s, true, 0, Frames::usersRequest());
    row("who", u"/who"_s, true, 0, Frames::usersRequest());
    row("msg", u"/msg bob see you at 5"_s, true, 0, Frames::dm(u"bob"_s, u"see you at 5"_s));
    row("msg without text", u"/msg bob"_s, true, 0, {}, u"usage: /msg"_s);
    row("percent dm", u"%bob%hi there"_s, true, 0, Frames::dm(u"bob"_s, u"hi there"_s));
    row("percent dm during quiz", u"%bob%5"_s, true, 3, Frames::dm(u"bob"_s, u"5"_s));
    row("not a percent dm", u"100% sure"_s, true, 0, Frames::say(u"100% sure"_s));
    row("percent dm without text", u"%bob%"_s, true, 0, {}, u"usage: %NAME%TEXT"_s);
    row("percent dm with only spaces", u"%bob%   "_s, true, 0, {}, u"usage: %NAME%TEXT"_s);
    row("quiz", u"/quiz"_s, true, 0, Frames::quizStart());
    row("answer", u"42"_s, true, 3, Frames::quizAnswer(3, u"42"_s));
    row("non-numeric answer still goes to the quiz", u"dunno"_s, true, 3,
        Frames::quizAnswer(3, u"dunno"_s));
    row("say during quiz", u"/say brb"_s, true, 3, Frames::say(u"brb"_s));
    row("stop", u"/stop"_s, true, 3, Frames::quizStop());
    row("top", u"/top"_s, true, 0, Frames::leaderboardRequest());
    row("echo", u"/echo ping me"_s, true, 0, Frames::echo(u"ping me"_s));
    row("ping", u"/ping"_s, true, 0, Frames::ping());
    row("slash escape", u"//shrug"_s, true, 0, Frames::say(u"/shrug"_s));
    row("unknown command", u"/dance"_s, true, 0, {}, u"Unknown command /dance"_s);
    row("help", u"/help"_s, true, 0, {}, u"/msg NAME TEXT"_s);
    row("slash quit", u"/quit"_s, true, 0, Frames::quit());
    row("quit", u"quit"_s, true, 0, Frames::quit());
    row("QUIT", u"QUIT"_s, true, 0, Frames::quit());
    row("exit", u"exit"_s, false, 0, Frames::quit());
    row("{quit}", u"{quit}"_s, true, 0, Frames::quit());
    row("quit in a sentence is chat", u"I quit"_s, true, 0, Frames::say(u"I quit"_s));

    // Moderation.
    const auto minutes = [](QJsonObject frame, qint64 count) {
        frame.insert("minutes"_L1, count);
        return frame;
    };
    row("kick", u"/kick bob"_s, true, 0, Frames::kick(u"bob"_s));
    row("kick with a reason", u"/kick bob too   loud"_s, true, 0,
        Frames::kick(u"bob"_s, u"too loud"_s));
    row("kick out of a room", u"/kick #dev bob off topic"_s, true, 0,
        Frames::kick(u"bob"_s, u"off topic"_s, u"dev"_s));
    row("kick nobody", u"/kick"_s, true, 0, {}, u"usage: /kick"_s);
    row("kick before the name", u"/kick bob"_s, false, 0, {}, u"name first"_s);
    row("ban for good", u"/ban bob"_s, true, 0, Frames::ban(u"bob"_s));
    row("ban for minutes", u"/ban bob 30 spam"_s, true, 0,
        minutes(Frames::ban(u"bob"_s, -1, u"spam"_s), 30));
    row("ban for hours", u"/ban bob 12h"_s, true, 0, minutes(Frames::ban(u"bob"_s), 12 * 60));
    row("ban for days", u"/ban bob 7D a week"_s, true, 0,
        minutes(Frames::ban(u"bob"_s, -1, u"a week"_s), 7 * 24 * 60));
    row("a reason that is no time", u"/ban bob spam 30"_s, true, 0,
        Frames::ban(u"bob"_s, -1, u"spam 30"_s));
    row("negative minutes go to the server", u"/ban bob -5"_s, true, 0,
        minutes(Frames::ban(u"bob"_s), -5));
    row("ban from a room", u"/ban #dev bob 1d"_s, true, 0,
        minutes(Frames::ban(u"bob"_s, -1, {}, u"dev"_s), 24 * 60));
    row("ban a subnet", u"/ban 203.0.113.0/24 2h crawlers"_s, true, 0,
        minutes(Frames::banAddress(u"203.0.113.0/24"_s, -1, u"crawlers"_s), 120));
    row("ban an IPv4 address", u"/ban 203.0.113.7"_s, true, 0,
        Frames::banAddress(u"203.0.113.7"_s));
    row("ban an IPv6 address", u"/ban 2001:db8::1"_s, true, 0,
        Frames::banAddress(u"2001:db8::1"_s));
    row("unban", u"/unban bob"_s, true, 0, Frames::unban(u"bob"_s));
    row("unban an address", u"/unban 203.0.113.0/24"_s, true, 0,
        Frames::unbanAddress(u"203.0.113.0/24"_s));
    row("unban in a room", u"/unban #dev bob"_s, true, 0, Frames::unban(u"bob"_s, u"dev"_s));
    row("unban takes no reason", u"/unban bob sorry"_s, true, 0, {}, u"usage: /unban"_s);
    row("mute", u"/mute bob 5m loud"_s, true, 0, minutes(Frames::mute(u"bob"_s, -1, u"loud"_s), 5));
    row("mute in a room", u"/mute #dev bob"_s, true, 0, {}, u"usage: /mute"_s);
    row("unmute", u"/unmute bob"_s, true, 0, Frames::unmute(u"bob"_s));
    row("bans", u"/bans"_s, true, 0, Frames::bansRequest());
    row("announce", u"/announce tea in five"_s, true, 0, Frames::announce(u"tea in five"_s));
    row("announce nothing", u"/announce"_s, true, 0, {}, u"usage: /announce"_s);
    row("motd", u"/motd Hi {name}"_s, true, 0, Frames::motd(u"Hi {name}"_s));
    row("motd back to the server's", u"/motd -"_s, true, 0, Frames::motd({}));
    row("motd alone", u"/motd"_s, true, 0, {}, u"usage: /motd"_s);
    row("grant", u"/grant bob Moderator"_s, true, 0, Frames::grant(u"bob"_s, u"moderator"_s));
    row("grant without role", u"/grant bob"_s, true, 0, {}, u"usage: /grant"_s);
}

void tst_TextCommandParser::parse()
{
    QFETCH(QString, line);
    QFETCH(bool, registered);
    QFETCH(int, openQuestion);
    QFETCH(QJsonObject, frame);
    QFETCH(QString, replyContains);

    const TextCommandParser::Command command
        = TextCommandParser::parse(line, {registered, openQuestion, {}, {}});
    QCOMPARE(command.frame, frame);
    if (replyContains.isEmpty()) {
        QVERIFY(command.reply.isEmpty());
    } else {
        QVERIFY2(command.reply.contains(replyContains), qPrintable(command.reply));
    }
}

void tst_TextCommandParser::render_data()
{
    QTest::addColumn<QJsonObject>("frame");
    QTest::addColumn<QString>("self");
    QTest::addColumn<QString>("expected"); // a regular expression for the whole output

    const QString ts = u"2026-11-21T15:04:05.123Z"_s;
    QTest::newRow("message") << Frames::message(1, u"alice"_s, u"hello"_s, ts) << u"bob"_s
                             << uR"(^\[\d\d:\d\d\] alice: hello\n$)"_s;
    QTest::newRow("multi-line message") << Frames::message(1, u"alice"_s, u"one\ntwo"_s,
        ts) << u"bob"_s << uR"(^\[\d\d:\d\d\] alice: one\n    two\n$)"_s;
    QTest::newRow("dm received") << Frames::privateMessage(2, u"alice"_s, u"bob"_s, u"psst"_s, ts)
                                 << u"bob"_s << uR"(^\[\d\d:\d\d\] \(dm\) alice: psst\n$)"_s;
    QTest::newRow("dm sent") << Frames::privateMessage(2, u"alice"_s, u"bob"_s, u"psst"_s, ts)
                             << u"alice"_s << uR"(^\[\d\d:\d\d\] \(dm to bob\) alice: psst\n$)"_s;
    QTest::newRow("joined") << Frames::joined(u"bob"_s, ts) << u"alice"_s
                            << uR"(^\* bob joined\n$)"_s;
    QTest::newRow("left") << Frames::left(u"bob"_s, u"quit"_s, ts) << u"alice"_s
                          << uR"(^\* bob left\n$)"_s;
    QTest::newRow("dropped") << Frames::left(u"bob"_s, u"disconnected"_s, ts) << u"alice"_s
                             << uR"(^\* bob left \(disconnected\)\n$)"_s;
    const auto departures = [](const QStringList &names, const QString &reason) {
        QJsonArray left;
        for (const QString &name : names) {
            left.append(Frames::presenceDeparture(name, reason));
        }
        return left;
    };
    QTest::newRow("presence: one joined") << Frames::presence(u"general"_s, {u"alice"_s}, {}, ts)
                                          << u"carol"_s << uR"(^\* alice joined #general\n$)"_s;
    QTest::newRow("presence: two joined") << Frames::presence(u"general"_s, {u"alice"_s, u"bob"_s},
        {}, ts) << u"carol"_s << uR"(^\* alice and bob joined #general\n$)"_s;
    QTest::newRow("presence: five joined")
        << Frames::presence(u"dev"_s, {u"a"_s, u"b"_s, u"c"_s, u"d"_s, u"e"_s}, {}, ts)
        << u"carol"_s << uR"(^\* a, b, c, d and e joined #dev\n$)"_s;
    QTest::newRow("presence: many joined") << Frames::presence(u"general"_s,
        {u"a"_s, u"b"_s, u"c"_s, u"d"_s, u"e"_s, u"f"_s, u"g"_s}, {},
        ts) << u"carol"_s << uR"(^\* a, b, c, d, e and 2 others joined #general\n$)"_s;
    QTest::newRow("presence: one other")
        << Frames::presence(u"general"_s, {u"a"_s, u"b"_s, u"c"_s, u"d"_s, u"e"_s, u"f"_s}, {}, ts)
        << u"carol"_s << uR"(^\* a, b, c, d, e and 1 other joined #general\n$)"_s;
    QTest::newRow("presence: left")
        << Frames::presence(u"general"_s, {}, departures({u"carol"_s}, u"quit"_s), ts) << u"alice"_s
        << uR"(^\* carol left #general \(quit\)\n$)"_s;
    QTest::newRow("presence: left for different reasons") << Frames::presence(u"general"_s, {},
        QJsonArray{Frames::presenceDeparture(u"carol"_s, u"quit"_s),
            Frames::presenceDeparture(u"dave"_s, u"timeout"_s)},
        ts) << u"alice"_s << uR"(^\* carol and dave left #general\n$)"_s;
    QTest::newRow("presence: both")
        << Frames::presence(
               u"general"_s, {u"alice"_s, u"bob"_s}, departures({u"carol"_s}, u"part"_s), ts)
        << u"erin"_s
        << uR"(^\* alice and bob joined #general\n\* carol left #general \(part\)\n$)"_s;
    QTest::newRow("presence: nothing shows nothing")
        << Frames::presence(u"general"_s, {}, {}, ts) << u"carol"_s << u"^$"_s;
    QTest::newRow("error") << Frames::error(Protocol::ErrorCode::NoSuchUser, u"nobody"_s)
                           << u"alice"_s << uR"(^! nobody\n$)"_s;
    QTest::newRow("name taken asks again") << Frames::error(Protocol::ErrorCode::NameTaken,
        u"taken"_s) << QString() << uR"(^! taken\nWhat is your name\?\n$)"_s;
    QTest::newRow("users") << Frames::users({u"alice"_s, u"bob"_s}, 2) << u"alice"_s
                           << uR"(^\* 2 online: alice, bob\n$)"_s;
    QTest::newRow("bye") << Frames::bye(u"quit"_s) << u"alice"_s << uR"(^\* Bye!\n$)"_s;
    QTest::newRow("bye at shutdown") << Frames::bye(u"shutdown"_s) << u"alice"_s
                                     << uR"(^\* Bye! \(the server is shutting down\)\n$)"_s;
    QTest::newRow("bye for a long line") << Frames::bye(u"frame_too_large"_s) << u"alice"_s
                                         << uR"(^\* Bye! \(that line was too long\)\n$)"_s;
    QTest::newRow("bye for flooding")
        << Frames::bye(u"flood"_s) << u"alice"_s << uR"(^\* Bye! \(too many lines too fast\)\n$)"_s;
    QTest::newRow("bye for a new reason") << Frames::bye(u"some_new_reason"_s) << u"alice"_s
                                          << uR"(^\* Bye! \(some new reason\)\n$)"_s;
    QJsonObject page = Frames::history({Frames::message(1, u"alice"_s, u"hi"_s, ts),
                                           Frames::message(2, u"bob"_s, u"one\ntwo"_s, ts)},
        false);
    page.insert("room"_L1, u"general"_s);
    QTest::newRow("history, as earlier lines")
        << page << u"carol"_s
        << uR"(^\* Earlier in #general:\n  \[\d\d:\d\d\] alice: hi\n)"
           uR"(  \[\d\d:\d\d\] bob: one\n      two\n$)"_s;
    QTest::newRow("empty history shows nothing")
        << Frames::history({}, false) << u"carol"_s << u"^$"_s;

    // Moderation.
    QTest::newRow("welcome with a role")
        << Frames::withRole(
               Frames::welcome(u"olive"_s, {u"olive"_s}, 1, {}, 0, true), Protocol::Role::Admin)
        << u"olive"_s
        << uR"(^\* Welcome, olive! 1 online: olive\.\n\* You are an admin here: /help lists)"
           uR"( the moderators' commands\.\n\* Type to chat)"_s;
    QTest::newRow("bye kicked") << Frames::bye(u"kicked"_s) << u"bob"_s
                                << uR"(^\* Bye! \(you were kicked\)\n$)"_s;
    QTest::newRow("bye banned") << Frames::bye(u"banned"_s) << u"bob"_s
                                << uR"(^\* Bye! \(you are banned\)\n$)"_s;
    QTest::newRow("notice in the room shown")
        << Frames::notice(u"kick"_s, u"bob was kicked by alice: spam"_s,
               {{"room"_L1, u"general"_s}, {"name"_L1, u"bob"_s}})
        << u"carol"_s << uR"(^\* bob was kicked by alice: spam\n$)"_s;
    QTest::newRow("notice in another room")
        << Frames::notice(u"ban"_s, u"bob is banned from #dev"_s, {{"room"_L1, u"dev"_s}})
        << u"carol"_s << uR"(^\* #dev bob is banned from #dev\n$)"_s;
    QTest::newRow("announcement") << Frames::notice(u"announce"_s, u"restart at noon"_s,
        {{"by"_L1, u"olive"_s}}) << u"carol"_s
                                  << uR"(^\*\*\* olive announces: restart at noon\n$)"_s;
    QTest::newRow("no bans") << Frames::bans({}) << u"olive"_s
                             << uR"(^\* Nobody is banned or muted\.\n$)"_s;
    QTest::newRow("bans")
        << Frames::bans({QJsonObject{{"kind"_L1, u"account"_s}, {"name"_L1, u"bob"_s},
                             {"by"_L1, u"olive"_s}, {"reason"_L1, u"spam"_s}},
               QJsonObject{{"kind"_L1, u"address"_s}, {"address"_L1, u"203.0.113.0/24"_s},
                   {"by"_L1, u"olive"_s}, {"until"_L1, ts}},
               QJsonObject{{"kind"_L1, u"mute"_s}, {"name"_L1, u"carol"_s}, {"by"_L1, u"mo"_s}},
               QJsonObject{{"kind"_L1, u"room"_s}, {"name"_L1, u"dan"_s}, {"room"_L1, u"dev"_s},
                   {"by"_L1, u"bob"_s}}})
        << u"olive"_s
        << uR"(^\* Bans and mutes:\n  banned: bob for good, by olive: spam\n)"
           uR"(  banned: 203\.0\.113\.0/24 until \d\d:\d\d on 2026-11-2\d, by olive\n)"
           uR"(  muted: carol for good, by mo\n  banned: dan from #dev for good, by bob\n$)"_s;
    QJsonObject refused = Frames::error(Protocol::ErrorCode::Banned, u"bob is banned for good"_s);
    QTest::newRow("a banned name is asked again")
        << refused << u"bob"_s << uR"(^! bob is banned for good\nWhat is your name\?\n$)"_s;
    refused.insert("address"_L1, u"203.0.113.0/24"_s);
    QTest::newRow("a banned address is not")
        << refused << u"bob"_s << uR"(^! bob is banned for good\n$)"_s;
}

void tst_TextCommandParser::render()
{
    QFETCH(QJsonObject, frame);
    QFETCH(QString, self);
    QFETCH(QString, expected);
    const QString text = QString::fromUtf8(TextRenderer::render(frame, self));
    QVERIFY2(QRegularExpression(expected).match(text).hasMatch(), qPrintable(text));
}

void tst_TextCommandParser::helpIsAlignedAndNamesRealCommands()
{
    const QStringList lines = TextCommandParser::helpText().split(u'\n');
    QCOMPARE(lines.value(0), u"Commands:"_s);
    const QRegularExpression row(uR"(^  (\S.*?\S)\s{2,}(\S.*)$)"_s);
    qsizetype column = -1;
    QStringList named;
    for (const QString &line : lines.mid(1)) {
        const QRegularExpressionMatch match = row.match(line);
        QVERIFY2(match.hasMatch(), qPrintable(line));
        QVERIFY2(column < 0 || match.capturedStart(2) == column, qPrintable(line));
        column = match.capturedStart(2);
        QVERIFY2(line.size() <= 80, qPrintable(line)); // a terminal's width
        for (const QString &word : match.captured(1).split(u' ')) {
            if (word.startsWith(u'/') && !word.startsWith("//"_L1)) {
                named.append(word.chopped(word.endsWith(u',') ? 1 : 0));
            }
        }
    }
    QVERIFY(named.size() >= 20);
    for (const QString &command : named) {
        const TextCommandParser::Command parsed
            = TextCommandParser::parse(command + u" bob dev"_s, {true, 0, {}, {}});
        QVERIFY2(!parsed.reply.contains(u"Unknown command"_s), qPrintable(command));
        QVERIFY2(!parsed.frame.isEmpty() || !parsed.reply.isEmpty(), qPrintable(command));
    }
}

QTEST_APPLESS_MAIN(tst_TextCommandParser)
#include "tst_textcommandparser.moc"

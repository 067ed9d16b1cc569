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

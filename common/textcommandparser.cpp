#include "textcommandparser.h"

#include "frames.h"

#include <QRegularExpression>
#include <QStringList>

#include <algorithm>
#include <utility>

using namespace Qt::StringLiterals;

namespace {

bool isQuitWord(const QString &line)
{
    // People at nc leave with these, alone on a line, as older chat programs taught them.
    return line.compare("quit"_L1, Qt::CaseInsensitive) == 0
        || line.compare("exit"_L1, Qt::CaseInsensitive) == 0 || line == "{quit}"_L1;
}

TextCommandParser::Command frame(const QJsonObject &frame)
{
    return {frame, {}};
}

TextCommandParser::Command reply(const QString &text)
{
    return {{}, text};
}

// A say to the current room (one that predates rooms, to general, when there is none).
QJsonObject sayHere(const QString &text, const TextCommandParser::Context &context)
{
    return context.room.isEmpty() ? Frames::say(text) : Frames::sayIn(context.room, text);
}

} // namespace

QString TextCommandParser::helpText()
{
    // Every command parse() knows, but for the aliases in brackets; the descriptions line up.
    static const std::pair<const char *, const char *> commands[] = {
        {"TEXT", "say TEXT in the current room"},
        {"/msg NAME TEXT, %NAME%TEXT", "a private message to NAME"},
        {"/users, /who", "who is online"},
        {"/join ROOM", "go to ROOM (made if there is none)"},
        {"/part [ROOM]", "leave ROOM (the current one) [/leave]"},
        {"/rooms", "the rooms there are"},
        {"/topic TEXT", "set the current room's topic"},
        {"/invite NAME [ROOM]", "let NAME into a private room (the current one)"},
        {"/day, /date, /time [ZONE]", "the server's day, date or time, or in ZONE"},
        {"/quiz", "10 arithmetic questions: answer with numbers"},
        {"/stop", "stop the quiz"},
        {"/top", "the quiz leaderboard [/leaderboard]"},
        {"/echo TEXT", "the server sends TEXT back"},
        {"/ping", "the server answers pong"},
        {"/say TEXT, //TEXT", "say TEXT even during a quiz; say /TEXT"},
        {"/register PASSWORD", "make your name an account (8 characters or more)"},
        {"/password OLD NEW", "change your account's password"},
        {"/logout", "sign out of this connection and leave"},
        {"/help", "this list"},
        {"/quit", "leave [/exit, or quit or exit alone on a line]"},
    };
    qsizetype width = 0;
    for (const auto &[command, description] : commands) {
        width = std::max(width, qsizetype(qstrlen(command)));
    }
    QStringList lines{u"Commands:"_s};
    for (const auto &[command, description] : commands) {
        lines.append(u"  "_s + QString::fromUtf8(command).leftJustified(width + 2)
            + QString::fromUtf8(description));
    }
    return lines.join(u'\n');
}

TextCommandParser::Command TextCommandParser::parse(const QString &line, const Context &context)
{
    const QString trimmed = line.trimmed();
    if (trimmed.isEmpty()) {
        return {};
    }
    if (!context.registered && !context.passwordFor.isEmpty()) {
        // Taken as typed: spaces at either end may be part of a password.
        QString password = line;
        while (password.endsWith(u'\r') || password.endsWith(u'\n')) {
            password.chop(1);
        }
        return frame(Frames::helloWithPassword(context.passwordFor, password));
    }
    if (isQuitWord(trimmed)) {
        return frame(Frames::quit());
    }

    if (trimmed.startsWith(u'/') && !trimmed.startsWith("//"_L1)) {
        const qsizetype space = trimmed.indexOf(u' ');
        const QString command = trimmed.left(space < 0 ? trimmed.size() : space).toLower();
        const QString rest = space < 0 ? QString() : trimmed.mid(space + 1).trimmed();

        if (command == "/quit"_L1 || command == "/exit"_L1) {
            return frame(Frames::quit());
        }
        if (command == "/help"_L1) {
            return reply(helpText());
        }
        if (command == "/day"_L1 || command == "/date"_L1 || command == "/time"_L1) {
            return frame(Frames::timeQuery(command.mid(1), rest));
        }
        if (command == "/echo"_L1) {
            return rest.isEmpty() ? reply(u"! usage: /echo TEXT"_s) : frame(Frames::echo(rest));
        }
        if (command == "/ping"_L1) {
            return frame(Frames::ping());
        }
        if (!context.registered) {
            return reply(u"! choose a name first: type it and press Enter"_s);
        }
        if (command == "/users"_L1 || command == "/who"_L1) {
            return frame(Frames::usersRequest());
        }
        if (command == "/msg"_L1) {
            const qsizetype gap = rest.indexOf(u' ');
            if (gap < 0) {
                return reply(u"! usage: /msg NAME TEXT"_s);
            }
            return frame(Frames::dm(rest.left(gap), rest.mid(gap + 1).trimmed()));
        }
        if (command == "/say"_L1) {
            return rest.isEmpty() ? reply(u"! usage: /say TEXT"_s) : frame(sayHere(rest, context));
        }
        if (command == "/register"_L1) {
            return rest.isEmpty() ? reply(u"! usage: /register PASSWORD"_s)
                                  : frame(Frames::registerRequest(rest));
        }
        if (command == "/password"_L1) {
            const QStringList words = rest.split(u' ', Qt::SkipEmptyParts);
            if (words.size() != 2) {
                return reply(u"! usage: /password OLD NEW (passwords without spaces)"_s);
            }
            return frame(Frames::passwordChange(words.at(0), words.at(1)));
        }
        if (command == "/logout"_L1) {
            return frame(Frames::logout());
        }
        const QString here
            = context.room.isEmpty() ? QString::fromLatin1(Protocol::DefaultRoom) : context.room;
        if (command == "/join"_L1) {
            return rest.isEmpty() ? reply(u"! usage: /join ROOM"_s) : frame(Frames::join(rest));
        }
        const Command noRoom
            = reply(u"! %1 needs a room here: this is a private conversation"_s.arg(command));
        if (command == "/part"_L1 || command == "/leave"_L1) {
            if (rest.isEmpty() && context.noRoom) {
                return noRoom;
            }
            return frame(Frames::part(rest.isEmpty() ? here : rest));
        }
        if (command == "/invite"_L1) {
            const QStringList words = rest.split(u' ', Qt::SkipEmptyParts);
            if (words.isEmpty() || words.size() > 2) {
                return reply(u"! usage: /invite NAME [ROOM]"_s);
            }
            if (words.size() == 1 && context.noRoom) {
                return noRoom;
            }
            return frame(Frames::invite(words.size() == 2 ? words.at(1) : here, words.at(0)));
        }
        if (command == "/rooms"_L1) {
            return frame(Frames::roomsRequest());
        }
        if (command == "/topic"_L1) {
            if (context.noRoom) {
                return noRoom;
            }
            return frame(Frames::topic(here, rest));
        }
        if (command == "/quiz"_L1) {
            return frame(Frames::quizStart());
        }
        if (command == "/stop"_L1) {
            return frame(Frames::quizStop());
        }
        if (command == "/top"_L1 || command == "/leaderboard"_L1) {
            return frame(Frames::leaderboardRequest());
        }
        return reply(u"! Unknown command %1; type /help for the list."_s.arg(command));
    }

    if (!context.registered) {
        return frame(Frames::hello(trimmed));
    }
    // The terse private-message form: %NAME%text (with no text, a mistake, not a message).
    static const QRegularExpression percentDm(
        uR"(^%([^%\s]+)%(.*)$)"_s, QRegularExpression::DotMatchesEverythingOption);
    const QRegularExpressionMatch dm = percentDm.match(trimmed);
    if (dm.hasMatch()) {
        const QString text = dm.captured(2).trimmed();
        return text.isEmpty() ? reply(u"! usage: %NAME%TEXT, or /msg NAME TEXT"_s)
                              : frame(Frames::dm(dm.captured(1), text));
    }
    if (context.openQuestion > 0) {
        return frame(Frames::quizAnswer(context.openQuestion, trimmed));
    }
    // "//text" says "/text".
    return frame(sayHere(trimmed.startsWith("//"_L1) ? trimmed.mid(1) : line, context));
}

#include "textcommandparser.h"

#include "frames.h"

#include <QRegularExpression>

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
    return u"Commands:\n"
           "  TEXT                  say TEXT to everyone\n"
           "  /msg NAME TEXT        private message (or %NAME%TEXT)\n"
           "  /users                who is online\n"
           "  /day /date /time [ZONE]  the server's day, date or time (ZONE: Europe/Paris...)\n"
           "  /quiz                 10 arithmetic questions: answer with numbers, /stop ends it\n"
           "  /top                  the quiz leaderboard\n"
           "  /echo TEXT            the server sends TEXT back\n"
           "  /say TEXT             say TEXT (during a quiz, or to start with '/')\n"
           "  /register PASSWORD    make your name your account (8 characters or more)\n"
           "  /password OLD NEW     change your account's password\n"
           "  /logout               sign out of this connection and leave\n"
           "  /join ROOM, /part     go to a room (made if there is none), leave the current one\n"
           "  /rooms, /topic TEXT   the rooms; set the current room's topic\n"
           "  /invite NAME [ROOM]   let NAME join a private room (the current one)\n"
           "  /quit                 leave (or quit, exit)"_s;
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
            return reply(u"! Choose a name first: type it and press Enter."_s);
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
    // The terse private-message form: %NAME%text.
    static const QRegularExpression percentDm(
        uR"(^%([^%\s]+)%(.+)$)"_s, QRegularExpression::DotMatchesEverythingOption);
    const QRegularExpressionMatch dm = percentDm.match(trimmed);
    if (dm.hasMatch()) {
        return frame(Frames::dm(dm.captured(1), dm.captured(2)));
    }
    if (context.openQuestion > 0) {
        return frame(Frames::quizAnswer(context.openQuestion, trimmed));
    }
    // "//text" says "/text".
    return frame(sayHere(trimmed.startsWith("//"_L1) ? trimmed.mid(1) : line, context));
}

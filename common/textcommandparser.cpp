#include "textcommandparser.h"

#include "frames.h"

#include <QRegularExpression>
#include <QStringList>

#include <algorithm>
#include <optional>
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

// "30" (minutes), "30m", "12h" or "7d": the minutes a ban or mute lasts; nothing if the word is no
// duration (then it is the first word of the reason). A negative or zero one is passed on, for
// the server to refuse in words.
std::optional<qint64> minutesIn(const QString &word)
{
    static const QRegularExpression duration(uR"(^(-?\d{1,12})([mhd]?)$)"_s);
    const QRegularExpressionMatch match = duration.match(word.toLower());
    if (!match.hasMatch()) {
        return std::nullopt;
    }
    const qint64 count = match.captured(1).toLongLong();
    const QString unit = match.captured(2);
    return count * (unit == "d"_L1 ? 24 * 60 : unit == "h"_L1 ? 60 : 1);
}

// Whether a ban's target is an address or a subnet rather than a name: names hold no ':' or '/',
// and a name of four dotted numbers is taken for the IPv4 address it looks like.
bool isAddress(const QString &target)
{
    static const QRegularExpression dottedQuad(uR"(^\d{1,3}(\.\d{1,3}){3}$)"_s);
    return target.contains(u':') || target.contains(u'/') || dottedQuad.match(target).hasMatch();
}

// /kick, /ban, /unban, /mute and /unmute: [#ROOM] TARGET [TIME] [REASON], each as its command
// takes them.
TextCommandParser::Command moderation(const QString &command, const QString &rest)
{
    QStringList words = rest.split(u' ', Qt::SkipEmptyParts);
    QString room;
    if (!words.isEmpty() && words.first().startsWith(u'#')) {
        room = words.takeFirst().mid(1);
    }
    const bool timed = command == "/ban"_L1 || command == "/mute"_L1;
    const bool reasoned = timed || command == "/kick"_L1;
    const bool roomed = command == "/kick"_L1 || command == "/ban"_L1 || command == "/unban"_L1;
    const QString usage = command == "/kick"_L1 ? u"/kick [#ROOM] NAME [REASON]"_s
        : command == "/ban"_L1   ? u"/ban [#ROOM] NAME|ADDRESS [MINUTES|12h|7d] [REASON]"_s
        : command == "/unban"_L1 ? u"/unban [#ROOM] NAME|ADDRESS"_s
        : command == "/mute"_L1  ? u"/mute NAME [MINUTES|12h|7d] [REASON]"_s
                                 : u"/unmute NAME"_s;
    if (words.isEmpty() || (!room.isEmpty() && !roomed) || (!reasoned && words.size() > 1)) {
        return reply(u"! usage: "_s + usage);
    }
    const QString target = words.takeFirst();
    std::optional<qint64> minutes;
    if (timed && !words.isEmpty()) {
        minutes = minutesIn(words.first());
        if (minutes) {
            words.removeFirst();
        }
    }
    const QString reason = words.join(u' ');
    const bool address = room.isEmpty() && isAddress(target) && command != "/kick"_L1
        && command != "/mute"_L1 && command != "/unmute"_L1;
    QJsonObject result;
    if (command == "/kick"_L1) {
        result = Frames::kick(target, reason, room);
    } else if (command == "/ban"_L1) {
        result = address ? Frames::banAddress(target, -1, reason)
                         : Frames::ban(target, -1, reason, room);
    } else if (command == "/unban"_L1) {
        result = address ? Frames::unbanAddress(target) : Frames::unban(target, room);
    } else if (command == "/mute"_L1) {
        result = Frames::mute(target, -1, reason);
    } else {
        result = Frames::unmute(target);
    }
    if (minutes) {
        result.insert("minutes"_L1, *minutes); // as typed: 0 or less is refused, not forever
    }
    return frame(result);
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
        {"/kick NAME [REASON]", "disconnect NAME (moderators)"},
        {"/kick #ROOM NAME [REASON]", "put NAME out of ROOM (its owner may too)"},
        {"/ban WHO [TIME] [REASON]", "ban a name or address (a.b.c.0/24) for TIME"},
        {"/ban #ROOM NAME [TIME]", "keep NAME out of ROOM; TIME: 30, 12h, 7d"},
        {"/unban [#ROOM] WHO", "lift a ban"},
        {"/mute NAME [TIME] [REASON]", "NAME may not talk for TIME (none: until unmuted)"},
        {"/unmute NAME", "NAME may talk again"},
        {"/bans", "the bans and mutes in force"},
        {"/announce TEXT", "TEXT to everyone online, in every room (admins)"},
        {"/motd TEXT", "the greeting in welcomes (/motd - : the default)"},
        {"/grant NAME ROLE", "ROLE: moderator, admin, owner, or none (admins)"},
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
        if (command == "/kick"_L1 || command == "/ban"_L1 || command == "/unban"_L1
            || command == "/mute"_L1 || command == "/unmute"_L1) {
            return moderation(command, rest);
        }
        if (command == "/bans"_L1) {
            return frame(Frames::bansRequest());
        }
        if (command == "/announce"_L1) {
            return rest.isEmpty() ? reply(u"! usage: /announce TEXT"_s)
                                  : frame(Frames::announce(rest));
        }
        if (command == "/motd"_L1) {
            if (rest.isEmpty()) {
                return reply(u"! usage: /motd TEXT, or /motd - for the server's own greeting"_s);
            }
            return frame(Frames::motd(rest == "-"_L1 ? QString() : rest));
        }
        if (command == "/grant"_L1) {
            const QStringList words = rest.split(u' ', Qt::SkipEmptyParts);
            if (words.size() != 2) {
                return reply(u"! usage: /grant NAME owner|admin|moderator|none"_s);
            }
            return frame(Frames::grant(words.at(0), words.at(1).toLower()));
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

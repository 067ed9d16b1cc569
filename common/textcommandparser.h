#pragma once

#include <QJsonObject>
#include <QString>

// Turns a line a person typed into the protocol frame it stands for. The server's plain-text
// mode uses it for lines typed in nc or telnet, so both kinds of client go through the same
// handlers; the desktop client uses it for its entry field, so the same commands work there.
//
//   NAME                      the first line(s), until a name is accepted
//   text                      say text            (during a quiz: the answer)
//   /msg NAME TEXT, %NAME%TEXT dm                 /users, /who        users
//   /day, /date, /time [ZONE] time                /quiz, /stop, /top  quiz and leaderboard
//   /echo TEXT, /ping         echo, ping          /say TEXT, //text   say (text starting '/')
//   /register PASSWORD        register            /password OLD NEW   password
//   /logout                   logout              (after Password:, the line is the password)
//   /join ROOM                join                /part [ROOM]        part (the current room)
//   /rooms                    rooms               /topic TEXT         topic of the current room
//   /invite NAME [ROOM]       invite (to the current room)
//   /kick [#ROOM] NAME [REASON]                  kick (out of ROOM)
//   /ban [#ROOM] NAME|ADDRESS [TIME] [REASON]    ban (TIME: 30, 30m, 12h, 7d; none: for good)
//   /unban [#ROOM] NAME|ADDRESS unban             /mute NAME [TIME] [REASON]   mute
//   /unmute NAME              unmute              /bans               bans
//   /announce TEXT            announce            /motd TEXT, /motd - motd (- : the server's own)
//   /grant NAME ROLE          grant
//   /quit, /exit, quit, exit, QUIT, {quit}        quit                /help  local help
class TextCommandParser
{
public:
    struct Context
    {
        bool registered = false;
        qint64 openQuestion = 0; // the quiz question awaiting an answer, 0 for none
        QString passwordFor; // set: the server asked for this account's password
        QString room; // where typed lines go; empty: general
        // Typed in a private conversation: there is no current room for /part, /topic or
        // /invite to mean.
        bool noRoom = false;
    };

    // Either a frame to handle or a reply to show the person (help, usage), or neither for a
    // blank line.
    struct Command
    {
        QJsonObject frame;
        QString reply;
    };

    static Command parse(const QString &line, const Context &context);
    static QString helpText();
};

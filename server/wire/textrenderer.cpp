#include "textrenderer.h"

#include "frametype.h"
#include "protocol.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QSet>
#include <QStringList>

using Protocol::ErrorCode;
using Protocol::FrameType;
using namespace Qt::StringLiterals;

namespace {

QString field(const QJsonObject &frame, QLatin1StringView name)
{
    return frame.value(name).toString();
}

QString number(const QJsonObject &frame, QLatin1StringView name)
{
    return QString::number(frame.value(name).toDouble());
}

QString clock(const QString &ts)
{
    const QDateTime when = QDateTime::fromString(ts, Qt::ISODateWithMs);
    return when.isValid() ? when.toLocalTime().toString(u"HH:mm"_s) : u"--:--"_s;
}

// Continuation lines of a multi-line message are indented under its first line.
QString indentContinuations(const QString &text)
{
    QString result = text;
    return result.replace(u'\n', "\n    "_L1);
}

QString names(const QJsonObject &frame)
{
    QStringList list;
    for (const QJsonValue &name : frame.value("users"_L1).toArray()) {
        list.append(name.toString());
    }
    return u"%1 online: %2"_s.arg(list.size()).arg(list.join(u", "_s));
}

// "#dev " for something in a room other than the reader's current one (general by default).
QString roomMark(const QJsonObject &frame, const QString &current)
{
    const QString room = field(frame, "room"_L1);
    const QString here = current.isEmpty() ? QString::fromLatin1(Protocol::DefaultRoom) : current;
    return room.isEmpty() || room.compare(here, Qt::CaseInsensitive) == 0 ? QString()
                                                                          : u"#%1 "_s.arg(room);
}

// Why the server said goodbye, in words; the error before it, if any, has said more.
QString bye(const QString &reason)
{
    static const QHash<QString, QString> reasons{
        {u"quit"_s, {}},
        {u"logout"_s, u"logout"_s},
        {u"shutdown"_s, u"the server is shutting down"_s},
        {u"timeout"_s, u"time is up"_s},
        {u"frame_too_large"_s, u"that line was too long"_s},
        {u"frame_timeout"_s, u"a line was never finished"_s},
        {u"flood"_s, u"too many lines too fast"_s},
        {u"session_revoked"_s, u"your password was changed elsewhere: sign in again"_s},
        {u"server_full"_s, u"the server is full"_s},
        {u"too_many_connections"_s, u"too many connections from your address"_s},
        {u"kicked"_s, u"you were kicked"_s},
        {u"banned"_s, u"you are banned"_s},
    };
    const auto known = reasons.constFind(reason);
    const QString words
        = known != reasons.constEnd() ? *known : QString(reason).replace(u'_', u' ');
    return words.isEmpty() ? u"* Bye!"_s : u"* Bye! (%1)"_s.arg(words);
}

// "alice", "alice and bob", "alice, bob and carol"; past five names "a, b, c, d, e and 3
// others": a thousand arrivals are one short line, not a screenful.
QString someNames(const QStringList &names)
{
    constexpr qsizetype Shown = 5;
    if (names.size() <= 1) {
        return names.value(0);
    }
    if (names.size() <= Shown) {
        return u"%1 and %2"_s.arg(names.first(names.size() - 1).join(u", "_s), names.last());
    }
    const qsizetype others = names.size() - Shown;
    return u"%1 and %2 %3"_s.arg(names.first(Shown).join(u", "_s))
        .arg(others)
        .arg(others == 1 ? u"other"_s : u"others"_s);
}

// A big room's presence frame: a line for who came, a line for who went (with the reason, if
// they all went for the same one).
QString presence(const QJsonObject &frame)
{
    const QString room = field(frame, "room"_L1);
    QStringList lines;
    QStringList joined;
    for (const QJsonValue &name : frame.value("joined"_L1).toArray()) {
        joined.append(name.toString());
    }
    if (!joined.isEmpty()) {
        lines.append(u"* %1 joined #%2"_s.arg(someNames(joined), room));
    }
    QStringList left;
    QSet<QString> reasons;
    for (const QJsonValue &value : frame.value("left"_L1).toArray()) {
        left.append(field(value.toObject(), "name"_L1));
        reasons.insert(field(value.toObject(), "reason"_L1));
    }
    if (!left.isEmpty()) {
        const QString why = reasons.size() == 1 ? u" (%1)"_s.arg(*reasons.cbegin()) : QString();
        lines.append(u"* %1 left #%2%3"_s.arg(someNames(left), room, why));
    }
    return lines.join(u'\n');
}

QString renderLines(const QJsonObject &frame, const QString &self, const QString &room);

// "until 15:04 on 2026-11-21" in the server's time zone, or "for good".
QString until(const QJsonObject &entry)
{
    const QDateTime when = QDateTime::fromString(field(entry, "until"_L1), Qt::ISODateWithMs);
    return when.isValid() ? u"until %1"_s.arg(when.toLocalTime().toString(u"HH:mm on yyyy-MM-dd"_s))
                          : u"for good"_s;
}

// The answer to /bans: one indented line per ban or mute.
QString bans(const QJsonObject &frame)
{
    const QJsonArray entries = frame.value("bans"_L1).toArray();
    if (entries.isEmpty()) {
        return u"* Nobody is banned or muted."_s;
    }
    QString text = u"* Bans and mutes:"_s;
    for (const QJsonValue &value : entries) {
        const QJsonObject entry = value.toObject();
        const QString kind = field(entry, "kind"_L1);
        const QString who = kind == "address"_L1 ? field(entry, "address"_L1)
            : kind == "room"_L1
            ? u"%1 from #%2"_s.arg(field(entry, "name"_L1), field(entry, "room"_L1))
            : field(entry, "name"_L1);
        const QString reason = field(entry, "reason"_L1);
        text += u"\n  %1 %2 %3, by %4%5"_s.arg(kind == "mute"_L1 ? u"muted:"_s : u"banned:"_s, who,
            until(entry), field(entry, "by"_L1), reason.isEmpty() ? QString() : u": "_s + reason);
    }
    return text;
}

// A history page, as what was said before the reader came: a heading, then the messages
// indented under it, so that they do not pass for live ones. Nothing at all for an empty page.
QString earlier(const QJsonObject &frame, const QString &self, const QString &room)
{
    const QJsonArray messages = frame.value("messages"_L1).toArray();
    if (messages.isEmpty()) {
        return {};
    }
    const QString where = field(frame, "room"_L1);
    QString text = where.isEmpty() ? u"* Earlier:"_s : u"* Earlier in #%1:"_s.arg(where);
    for (const QJsonValue &message : messages) {
        text += u"\n  "_s + renderLines(message.toObject(), self, room).replace(u'\n', "\n  "_L1);
    }
    return text;
}

QString renderLines(const QJsonObject &frame, const QString &self, const QString &room)
{
    const QString type = field(frame, "type"_L1);
    // No default: a new frame type must be given its lines here (or be shown generically).
    switch (Protocol::frameTypeFromName(type)) {
    case FrameType::Message:
        return u"[%1] %2%3: %4"_s.arg(clock(field(frame, "ts"_L1)), roomMark(frame, room),
            field(frame, "from"_L1), indentContinuations(field(frame, "text"_L1)));
    case FrameType::Dm: {
        const QString from = field(frame, "from"_L1);
        const QString to = field(frame, "to"_L1);
        const QString label = (from == self && to != self) ? u"(dm to %1)"_s.arg(to) : u"(dm)"_s;
        return u"[%1] %2 %3: %4"_s.arg(clock(field(frame, "ts"_L1)), label, from,
            indentContinuations(field(frame, "text"_L1)));
    }
    case FrameType::Joined:
        return u"* %1%2 joined"_s.arg(roomMark(frame, room), field(frame, "name"_L1));
    case FrameType::Left: {
        const QString reason = field(frame, "reason"_L1);
        const QString who = roomMark(frame, room) + field(frame, "name"_L1);
        return reason == "quit"_L1 ? u"* %1 left"_s.arg(who) : u"* %1 left (%2)"_s.arg(who, reason);
    }
    case FrameType::Presence:
        return presence(frame);
    case FrameType::Topic:
        return u"* #%1's topic, from %2: %3"_s.arg(
            field(frame, "room"_L1), field(frame, "by"_L1), field(frame, "topic"_L1));
    case FrameType::Invited:
        return u"* %1 invites you to #%2: /join %2"_s.arg(
            field(frame, "by"_L1), field(frame, "room"_L1));
    case FrameType::Welcome: {
        QString text = u"* Welcome, %1! %2.\n"_s.arg(field(frame, "name"_L1), names(frame));
        if (!field(frame, "motd"_L1).isEmpty()) {
            text += u"* "_s + field(frame, "motd"_L1) + u'\n';
        }
        if (const QString role = field(frame, "role"_L1); !role.isEmpty()) {
            text += u"* You are %1 %2 here: /help lists the moderators' commands.\n"_s.arg(
                role == "moderator"_L1 ? u"a"_s : u"an"_s, role);
        }
        return text + u"* Type to chat; /help lists commands, /quit leaves."_s;
    }
    case FrameType::Users:
        return u"* "_s + names(frame);
    case FrameType::Error: {
        const ErrorCode code = Protocol::errorCodeFromName(field(frame, "code"_L1));
        QString text = u"! "_s + field(frame, "message"_L1);
        // A refused name leaves the person at the name prompt.
        if (code == ErrorCode::BadName || code == ErrorCode::NameTaken
            || code == ErrorCode::AuthFailed || code == ErrorCode::TooManyAttempts
            || code == ErrorCode::GuestsDisabled
            || (code == ErrorCode::Banned && !frame.contains("address"_L1))) {
            // (A banned address is not asked again: its connection closes.)
            text += u"\nWhat is your name?"_s;
        } else if (code == ErrorCode::AuthRequired) {
            text += u"\nPassword:"_s;
        }
        return text;
    }
    case FrameType::Bye:
        return bye(field(frame, "reason"_L1));
    case FrameType::Pong:
        return u"* pong"_s;
    case FrameType::Registered:
        return u"* %1 is now your account: sign in with your password next time."_s.arg(
            field(frame, "name"_L1));
    case FrameType::PasswordChanged:
        return u"* Password changed; your other sessions are signed out."_s;
    case FrameType::Echo:
        return u"* echo: %1"_s.arg(indentContinuations(field(frame, "text"_L1)));
    case FrameType::Time:
        return u"* It is %1 in %2 (UTC%3)"_s.arg(
            field(frame, "value"_L1), field(frame, "zone"_L1), field(frame, "offset"_L1));
    case FrameType::QuizQuestion:
        return u"? Question %1 of %2: %3 = ?"_s.arg(
            number(frame, "n"_L1), number(frame, "total"_L1), field(frame, "question"_L1));
    case FrameType::QuizResult: {
        const QString verdict = frame.value("correct"_L1).toBool()
            ? u"Right!"_s
            : u"Wrong: %1 = %2."_s.arg(field(frame, "question"_L1), number(frame, "expected"_L1));
        return u"* %1 Score: %2"_s.arg(verdict, number(frame, "score"_L1));
    }
    case FrameType::QuizFinished:
        return u"* Quiz %1: score %2 (%3 right, %4 wrong) in %5 s"_s.arg(
            frame.value("completed"_L1).toBool() ? u"over"_s : u"stopped"_s,
            number(frame, "score"_L1), number(frame, "right"_L1), number(frame, "wrong"_L1),
            QString::number(frame.value("seconds"_L1).toDouble(), 'f', 1));
    case FrameType::Leaderboard: {
        const QJsonArray entries = frame.value("entries"_L1).toArray();
        if (entries.isEmpty()) {
            return u"* The leaderboard is empty: /quiz to be first."_s;
        }
        QString text = u"* Leaderboard:"_s;
        for (const QJsonValue &value : entries) {
            const QJsonObject entry = value.toObject();
            text += u"\n  %1. %2  %3 points in %4 s"_s.arg(number(entry, "rank"_L1),
                field(entry, "name"_L1), number(entry, "score"_L1),
                QString::number(entry.value("seconds"_L1).toDouble(), 'f', 1));
        }
        return text;
    }
    case FrameType::History:
        return earlier(frame, self, room);
    case FrameType::Notice:
        if (field(frame, "kind"_L1) == "announce"_L1) {
            return u"*** %1 announces: %2"_s.arg(
                field(frame, "by"_L1), indentContinuations(field(frame, "text"_L1)));
        }
        return u"* %1%2"_s.arg(roomMark(frame, room), field(frame, "text"_L1));
    case FrameType::Bans:
        return bans(frame);
    // Never sent to a text client: the server does not ping a person. Shown by name, should one
    // arrive.
    case FrameType::Ping:
    // Client to server only: not rendered, beyond their name.
    case FrameType::Hello:
    case FrameType::Say:
    case FrameType::Quit:
    case FrameType::QuizStart:
    case FrameType::QuizAnswer:
    case FrameType::QuizStop:
    case FrameType::Register:
    case FrameType::Password:
    case FrameType::Logout:
    case FrameType::Join:
    case FrameType::Part:
    case FrameType::Create:
    case FrameType::Invite:
    case FrameType::Read:
    case FrameType::Kick:
    case FrameType::Ban:
    case FrameType::Unban:
    case FrameType::Mute:
    case FrameType::Unmute:
    case FrameType::Announce:
    case FrameType::Motd:
    case FrameType::Grant:
    case FrameType::Unknown:
        break;
    case FrameType::Rooms: {
        QStringList rooms;
        for (const QJsonValue &value : frame.value("rooms"_L1).toArray()) {
            const QJsonObject room = value.toObject();
            rooms.append(u"#%1 (%2)"_s.arg(field(room, "room"_L1), number(room, "members"_L1)));
        }
        return u"* Rooms: "_s + rooms.join(u", "_s);
    }
    case FrameType::Room: {
        QStringList members;
        for (const QJsonValue &name : frame.value("members"_L1).toArray()) {
            members.append(name.toString());
        }
        return u"* You are in #%1 now: what you type goes there. Here: %2"_s.arg(
            field(frame, "room"_L1), members.join(u", "_s));
    }
    }
    return u"* %1"_s.arg(type);
}

} // namespace

QByteArray TextRenderer::render(const QJsonObject &frame, const QString &self, const QString &room)
{
    const QString lines = renderLines(frame, self, room);
    return lines.isEmpty() ? QByteArray() : (lines + u'\n').toUtf8();
}

#include "textrenderer.h"

#include <QDateTime>
#include <QJsonArray>
#include <QStringList>

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

QString renderLines(const QJsonObject &frame, const QString &self)
{
    const QString type = field(frame, "type"_L1);
    if (type == "message"_L1) {
        return u"[%1] %2: %3"_s.arg(clock(field(frame, "ts"_L1)), field(frame, "from"_L1),
            indentContinuations(field(frame, "text"_L1)));
    }
    if (type == "dm"_L1) {
        const QString from = field(frame, "from"_L1);
        const QString to = field(frame, "to"_L1);
        const QString label = (from == self && to != self) ? u"(dm to %1)"_s.arg(to) : u"(dm)"_s;
        return u"[%1] %2 %3: %4"_s.arg(clock(field(frame, "ts"_L1)), label, from,
            indentContinuations(field(frame, "text"_L1)));
    }
    if (type == "joined"_L1) {
        return u"* %1 joined"_s.arg(field(frame, "name"_L1));
    }
    if (type == "left"_L1) {
        const QString reason = field(frame, "reason"_L1);
        return reason == "quit"_L1 ? u"* %1 left"_s.arg(field(frame, "name"_L1))
                                   : u"* %1 left (%2)"_s.arg(field(frame, "name"_L1), reason);
    }
    if (type == "welcome"_L1) {
        QString text = u"* Welcome, %1! %2.\n"_s.arg(field(frame, "name"_L1), names(frame));
        if (!field(frame, "motd"_L1).isEmpty()) {
            text += u"* "_s + field(frame, "motd"_L1) + u'\n';
        }
        return text + u"* Type to chat; /help lists commands, /quit leaves."_s;
    }
    if (type == "users"_L1) {
        return u"* "_s + names(frame);
    }
    if (type == "error"_L1) {
        const QString code = field(frame, "code"_L1);
        QString text = u"! "_s + field(frame, "message"_L1);
        if (code == "bad_name"_L1 || code == "name_taken"_L1) {
            text += u"\nWhat is your name?"_s;
        }
        return text;
    }
    if (type == "bye"_L1) {
        const QString reason = field(frame, "reason"_L1);
        return reason == "quit"_L1 ? u"* Bye!"_s : u"* Bye! (%1)"_s.arg(reason);
    }
    if (type == "pong"_L1) {
        return u"* pong"_s;
    }
    if (type == "echo"_L1) {
        return u"* echo: %1"_s.arg(indentContinuations(field(frame, "text"_L1)));
    }
    if (type == "time"_L1) {
        return u"* It is %1 in %2 (UTC%3)"_s.arg(
            field(frame, "value"_L1), field(frame, "zone"_L1), field(frame, "offset"_L1));
    }
    if (type == "quiz_question"_L1) {
        return u"? Question %1 of %2: %3 = ?"_s.arg(
            number(frame, "n"_L1), number(frame, "total"_L1), field(frame, "question"_L1));
    }
    if (type == "quiz_result"_L1) {
        const QString verdict = frame.value("correct"_L1).toBool()
            ? u"Right!"_s
            : u"Wrong: %1 = %2."_s.arg(field(frame, "question"_L1), number(frame, "expected"_L1));
        return u"* %1 Score: %2"_s.arg(verdict, number(frame, "score"_L1));
    }
    if (type == "quiz_finished"_L1) {
        return u"* Quiz %1: score %2 (%3 right, %4 wrong) in %5 s"_s.arg(
            frame.value("completed"_L1).toBool() ? u"over"_s : u"stopped"_s,
            number(frame, "score"_L1), number(frame, "right"_L1), number(frame, "wrong"_L1),
            QString::number(frame.value("seconds"_L1).toDouble(), 'f', 1));
    }
    if (type == "leaderboard"_L1) {
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
    return u"* %1"_s.arg(type);
}

} // namespace

QByteArray TextRenderer::render(const QJsonObject &frame, const QString &self)
{
    return (renderLines(frame, self) + u'\n').toUtf8();
}

QByteArray TextRenderer::namePrompt()
{
    return "Welcome to Natter (plain-text mode). What is your name?\n";
}

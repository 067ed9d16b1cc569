#include "moderationtext.h"

#include "frames.h"

#include <QDateTime>

using namespace Qt::StringLiterals;

QString ModerationText::untilText(const std::optional<qint64> &untilMs)
{
    if (!untilMs) {
        return u"for good"_s;
    }
    const QDateTime when = QDateTime::fromMSecsSinceEpoch(*untilMs, Qt::UTC);
    return u"until %1 UTC on %2"_s.arg(when.toString(u"HH:mm"_s), when.toString(u"yyyy-MM-dd"_s));
}

QString ModerationText::because(const QString &reason)
{
    return reason.isEmpty() ? u"."_s : u": "_s + reason;
}

QString ModerationText::withArticle(Protocol::Role role)
{
    switch (role) {
    case Protocol::Role::None:
        break;
    case Protocol::Role::Moderator:
        return u"a moderator"_s;
    case Protocol::Role::Admin:
        return u"an admin"_s;
    case Protocol::Role::Owner:
        return u"an owner"_s;
    }
    return u"without a role"_s;
}

QJsonObject ModerationText::details(const QString &name, const QString &by, const QString &reason,
    const std::optional<qint64> &untilMs)
{
    QJsonObject fields{{"by"_L1, by}};
    if (!name.isEmpty()) {
        fields.insert("name"_L1, name);
    }
    if (!reason.isEmpty()) {
        fields.insert("reason"_L1, reason);
    }
    if (untilMs) {
        fields.insert(
            "until"_L1, Protocol::timestamp(QDateTime::fromMSecsSinceEpoch(*untilMs, Qt::UTC)));
    }
    return fields;
}

QJsonObject ModerationText::refusal(const ModerationStore::Ban &ban)
{
    const bool address = ban.kind == ModerationStore::Ban::Kind::Address;
    QJsonObject error = Frames::error(Protocol::ErrorCode::Banned,
        u"%1 banned %2 by %3%4"_s.arg(
            address ? u"your address (%1) is"_s.arg(ban.name) : u"%1 is"_s.arg(ban.name),
            untilText(ban.untilMs), ban.by, because(ban.reason)));
    const QJsonObject fields = details({}, ban.by, ban.reason, ban.untilMs);
    for (auto field = fields.constBegin(); field != fields.constEnd(); ++field) {
        error.insert(field.key(), field.value());
    }
    if (address) {
        error.insert("address"_L1, ban.name);
    }
    return error;
}

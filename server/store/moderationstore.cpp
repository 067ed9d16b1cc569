#include "moderationstore.h"

#include "storelog.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace {

QSqlDatabase database(const QString &connectionName)
{
    return QSqlDatabase::database(connectionName, false);
}

// The columns readBan() expects, in its order.
constexpr auto BanColumns = "kind, target, room, name, until_ms, by_name, reason, created"_L1;

std::optional<ModerationStore::Ban> readBan(const QSqlQuery &query)
{
    const auto kind = ModerationStore::kindFromName(query.value(0).toString());
    if (!kind) {
        return std::nullopt; // a newer server's kind: not enforced here
    }
    ModerationStore::Ban ban;
    ban.kind = *kind;
    ban.target = query.value(1).toString();
    ban.room = query.value(2).toString();
    ban.name = query.value(3).toString();
    if (!query.value(4).isNull()) {
        ban.untilMs = query.value(4).toLongLong();
    }
    ban.by = query.value(5).toString();
    ban.reason = query.value(6).toString();
    ban.createdMs = query.value(7).toLongLong();
    return ban;
}

std::optional<QList<ModerationStore::Ban>> readBans(QSqlQuery &query, const char *what)
{
    if (!query.exec()) {
        qCWarning(lcStore).noquote()
            << "cannot read" << what << ":" << storeErrorText(query.lastError());
        return std::nullopt;
    }
    QList<ModerationStore::Ban> bans;
    while (query.next()) {
        if (auto ban = readBan(query)) {
            bans.append(*ban);
        }
    }
    return bans;
}

} // namespace

QLatin1StringView ModerationStore::kindName(Ban::Kind kind)
{
    switch (kind) {
    case Ban::Kind::Account:
        break;
    case Ban::Kind::Address:
        return "address"_L1;
    case Ban::Kind::Mute:
        return "mute"_L1;
    case Ban::Kind::Room:
        return "room"_L1;
    }
    return "account"_L1;
}

std::optional<ModerationStore::Ban::Kind> ModerationStore::kindFromName(QStringView name)
{
    for (const Ban::Kind kind :
        {Ban::Kind::Account, Ban::Kind::Address, Ban::Kind::Mute, Ban::Kind::Room}) {
        if (name == kindName(kind)) {
            return kind;
        }
    }
    return std::nullopt;
}

ModerationStore::ModerationStore(QString connectionName)
    : m_connectionName(std::move(connectionName))
{
}

bool ModerationStore::addBan(const Ban &ban)
{
    QSqlQuery query(database(m_connectionName));
    query.prepare(u"INSERT INTO bans (%1) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                  "ON CONFLICT (kind, target, room) DO UPDATE SET name = excluded.name, "
                  "until_ms = excluded.until_ms, by_name = excluded.by_name, "
                  "reason = excluded.reason, created = excluded.created"_s.arg(BanColumns));
    query.addBindValue(QString(kindName(ban.kind)));
    query.addBindValue(ban.target);
    query.addBindValue(ban.room.isNull() ? u""_s : ban.room);
    query.addBindValue(ban.name.isNull() ? u""_s : ban.name);
    query.addBindValue(
        ban.untilMs ? QVariant(*ban.untilMs) : QVariant(QMetaType(QMetaType::LongLong)));
    query.addBindValue(ban.by.isNull() ? u""_s : ban.by);
    query.addBindValue(ban.reason.isNull() ? u""_s : ban.reason);
    query.addBindValue(ban.createdMs);
    if (!query.exec()) {
        qCWarning(lcStore).noquote() << "cannot store a ban:" << storeErrorText(query.lastError());
        return false;
    }
    return true;
}

int ModerationStore::removeBan(
    Ban::Kind kind, const QString &target, const QString &room, qint64 nowMs)
{
    QSqlQuery query(database(m_connectionName));
    // Only one in force counts as lifted; one that had ended goes all the same.
    query.prepare(u"DELETE FROM bans WHERE kind = ? AND target = ? AND room = ? "
                  "AND (until_ms IS NULL OR until_ms > ?)"_s);
    query.addBindValue(QString(kindName(kind)));
    query.addBindValue(target);
    query.addBindValue(room.isNull() ? u""_s : room);
    query.addBindValue(nowMs);
    if (!query.exec()) {
        qCWarning(lcStore).noquote() << "cannot lift a ban:" << storeErrorText(query.lastError());
        return -1;
    }
    const int lifted = query.numRowsAffected();
    query.prepare(u"DELETE FROM bans WHERE kind = ? AND target = ? AND room = ?"_s);
    query.addBindValue(QString(kindName(kind)));
    query.addBindValue(target);
    query.addBindValue(room.isNull() ? u""_s : room);
    query.exec();
    return lifted;
}

std::optional<QList<ModerationStore::Ban>> ModerationStore::bans(qint64 nowMs)
{
    QSqlQuery expired(database(m_connectionName));
    expired.prepare(u"DELETE FROM bans WHERE until_ms IS NOT NULL AND until_ms <= ?"_s);
    expired.addBindValue(nowMs);
    if (!expired.exec()) {
        qCWarning(lcStore).noquote()
            << "cannot delete ended bans:" << storeErrorText(expired.lastError());
    }
    QSqlQuery query(database(m_connectionName));
    query.prepare(u"SELECT %1 FROM bans ORDER BY created, id"_s.arg(BanColumns));
    return readBans(query, "the bans");
}

std::optional<QList<ModerationStore::Ban>> ModerationStore::standing(
    const QString &identity, qint64 nowMs) const
{
    QSqlQuery query(database(m_connectionName));
    query.prepare(u"SELECT %1 FROM bans WHERE (target = ? OR kind = 'address') "
                  "AND (until_ms IS NULL OR until_ms > ?) ORDER BY created, id"_s.arg(BanColumns));
    query.addBindValue(identity);
    query.addBindValue(nowMs);
    return readBans(query, "the bans of a sign-in");
}

std::optional<QString> ModerationStore::motd() const
{
    QSqlQuery query(database(m_connectionName));
    if (!query.exec(u"SELECT value FROM meta WHERE key = 'motd'"_s)) {
        qCWarning(lcStore).noquote()
            << "cannot read the greeting:" << storeErrorText(query.lastError());
        return std::nullopt;
    }
    return query.next() ? std::optional(query.value(0).toString()) : std::nullopt;
}

bool ModerationStore::setMotd(const QString &motd)
{
    QSqlQuery query(database(m_connectionName));
    if (motd.isEmpty()) {
        query.prepare(u"DELETE FROM meta WHERE key = 'motd'"_s);
    } else {
        query.prepare(u"INSERT INTO meta (key, value) VALUES ('motd', ?) "
                      "ON CONFLICT (key) DO UPDATE SET value = excluded.value"_s);
        query.addBindValue(motd);
    }
    if (!query.exec()) {
        qCWarning(lcStore).noquote()
            << "cannot store the greeting:" << storeErrorText(query.lastError());
        return false;
    }
    return true;
}

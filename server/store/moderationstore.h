#pragma once

#include <QLatin1StringView>
#include <QList>
#include <QString>
#include <QStringView>

#include <optional>

// The bans and mutes in force and the greeting moderators set, in the history database (schema
// 7, created by MessageStore's migrations); accounts' roles are the AccountStore's. Used, like
// its MessageStore, only in the thread that opened it. Times are milliseconds since the epoch,
// given by the caller, so that tests can move the clock.
class ModerationStore
{
public:
    struct Ban
    {
        // Account: an account may not sign in. Address: a subnet may not connect. Mute: an
        // identity may not talk. Room: an identity may not join a room.
        enum class Kind { Account, Address, Mute, Room };
        Kind kind = Kind::Account;
        // An identity ("a:12", or a guest session's "g:..."), or for Address a subnet in CIDR
        // form ("203.0.113.0/24").
        QString target;
        QString room; // Room: its key; empty otherwise
        QString name; // who it is, as people know it: the name, or the subnet
        std::optional<qint64> untilMs; // nothing: for good
        QString by; // the name of whoever did it ("natter-server" from the command line)
        QString reason;
        qint64 createdMs = 0;

        bool isActive(qint64 nowMs) const { return !untilMs || *untilMs > nowMs; }
    };
    // "account", "address", "mute", "room": the bans list's kinds, and the column's.
    static QLatin1StringView kindName(Ban::Kind kind);
    static std::optional<Ban::Kind> kindFromName(QStringView name);

    explicit ModerationStore(QString connectionName);

    // Stores ban in place of any of the same kind, target and room (a new ban replaces the
    // last, longer or shorter).
    bool addBan(const Ban &ban);
    // Lifts the ban of that kind, target and room: 1 if one was in force, 0 if none was (or it
    // had ended), -1 if it cannot be written.
    int removeBan(Ban::Kind kind, const QString &target, const QString &room, qint64 nowMs);
    // Every ban in force at nowMs, oldest first (those that have ended are deleted); nothing if
    // they cannot be read.
    std::optional<QList<Ban>> bans(qint64 nowMs);
    // The bans in force against identity (Account, Mute and Room), and every address ban: what
    // a sign-in is checked against.
    std::optional<QList<Ban>> standing(const QString &identity, qint64 nowMs) const;

    // The greeting set with motd, which overrides --motd; nothing if none is set.
    std::optional<QString> motd() const;
    // Empty: removed, so the server's own greeting applies again.
    bool setMotd(const QString &motd);

private:
    const QString m_connectionName;
};

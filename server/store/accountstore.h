#pragma once

#include "protocol.h"

#include <QByteArray>
#include <QString>

#include <optional>

class SqlBackend;

// The accounts, their roles and their sign-in tokens, in the history database (schema 4, roles
// from 7, created by MessageStore's migrations). It keeps no secret: a password only as its
// Argon2id string, a token only as its SHA-256 digest. Used, like its MessageStore, only in the
// thread that opened it.
class AccountStore
{
public:
    AccountStore(QString connectionName, const SqlBackend &backend);

    struct Account
    {
        qint64 id = 0;
        QString name; // as it was first registered
        QByteArray passwordHash; // "$argon2id$..."
        qint64 created = 0; // ms since the epoch
        Protocol::Role role = Protocol::Role::None; // what it may do as a moderator
    };
    std::optional<Account> account(const QString &name) const;
    std::optional<Account> accountById(qint64 accountId) const;
    // Gives the account a role (None takes it away); false if there is no such account, or it
    // cannot be written.
    bool setRole(qint64 accountId, Protocol::Role role);
    // Nothing if the name is an account already, in any case, or if the hash is not an
    // Argon2id string (which is how a plain password would otherwise end up in the file).
    std::optional<Account> createAccount(
        const QString &name, const QByteArray &passwordHash, qint64 nowMs);
    // replacing set: only if the account's hash is still that one, so a change made from a hash
    // read earlier cannot undo a change made meanwhile (false then).
    bool setPasswordHash(
        qint64 accountId, const QByteArray &passwordHash, const QByteArray &replacing = {});

    // An account keeps its newest this many tokens (one per device is the intent; a client that
    // signs in with its password each time makes one per sign-in).
    static constexpr int MaxTokensPerAccount = 100;
    // digest is the 32 bytes of the token's SHA-256; anything else is refused. passwordHash
    // set: only if that is still the account's password, so a sign-in checked against a
    // password changed meanwhile gets no token.
    bool addToken(qint64 accountId, const QByteArray &digest, const QString &peer, qint64 nowMs,
        const QByteArray &passwordHash = {});
    // The token's account if it was last used at most idleExpiryMs before nowMs, which then
    // becomes its last use; a token idle for longer is deleted.
    std::optional<Account> accountForToken(
        const QByteArray &digest, qint64 nowMs, qint64 idleExpiryMs);
    // False as well when there was no such token.
    bool revokeToken(const QByteArray &digest);
    // Revokes every token of the account but keepDigest (an empty one: all of them), as a
    // password change must; how many went, or -1 if it failed.
    int revokeOtherTokens(qint64 accountId, const QByteArray &keepDigest);

private:
    const QString m_connectionName;
    const SqlBackend &m_backend;
};

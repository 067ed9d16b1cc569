#include "accountstore.h"

#include "sqlbackend.h"
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

// The columns readAccount() expects, in its order.
constexpr auto AccountColumns = "accounts.id, accounts.name, accounts.password_hash, "
                                "accounts.created, accounts.role"_L1;

AccountStore::Account readAccount(const QSqlQuery &query)
{
    // A role this server does not know (written by a newer one) grants nothing here.
    return {query.value(0).toLongLong(), query.value(1).toString(),
        query.value(2).toString().toLatin1(), query.value(3).toLongLong(),
        Protocol::roleFromName(query.value(4).toString()).value_or(Protocol::Role::None)};
}

// Hashes are ASCII text in a TEXT column: bound as a QByteArray, SQLite would keep a BLOB.
QString hashText(const QByteArray &passwordHash)
{
    return QString::fromLatin1(passwordHash);
}

// The one check between a caller's mistake and a plain password in the file.
bool isArgon2idHash(const QByteArray &passwordHash)
{
    return passwordHash.startsWith("$argon2id$") && passwordHash.size() > 10;
}

bool isDigest(const QByteArray &digest)
{
    return digest.size() == 32; // SHA-256
}

} // namespace

AccountStore::AccountStore(QString connectionName, const SqlBackend &backend)
    : m_connectionName(std::move(connectionName))
    , m_backend(backend)
{
}

std::optional<AccountStore::Account> AccountStore::account(const QString &name) const
{
    QSqlQuery query(database(m_connectionName));
    query.prepare(u"SELECT %1 FROM accounts WHERE name_key = ?"_s.arg(AccountColumns));
    query.addBindValue(name.toCaseFolded());
    if (!query.exec()) {
        qCWarning(lcStore).noquote()
            << "cannot read an account:" << storeErrorText(query.lastError());
        return std::nullopt;
    }
    if (!query.next()) {
        return std::nullopt;
    }
    return readAccount(query);
}

std::optional<AccountStore::Account> AccountStore::accountById(qint64 accountId) const
{
    QSqlQuery query(database(m_connectionName));
    query.prepare(u"SELECT %1 FROM accounts WHERE id = ?"_s.arg(AccountColumns));
    query.addBindValue(accountId);
    if (!query.exec()) {
        qCWarning(lcStore).noquote()
            << "cannot read an account:" << storeErrorText(query.lastError());
        return std::nullopt;
    }
    if (!query.next()) {
        return std::nullopt;
    }
    return readAccount(query);
}

bool AccountStore::setRole(qint64 accountId, Protocol::Role role)
{
    QSqlQuery query(database(m_connectionName));
    query.prepare(u"UPDATE accounts SET role = ? WHERE id = ?"_s);
    query.addBindValue(
        role == Protocol::Role::None ? QVariant() : QVariant(QString(Protocol::roleName(role))));
    query.addBindValue(accountId);
    if (!query.exec()) {
        qCWarning(lcStore).noquote() << "cannot change the role of account" << accountId
                                     << storeErrorText(query.lastError());
        return false;
    }
    return query.numRowsAffected() == 1;
}

std::optional<AccountStore::Account> AccountStore::createAccount(
    const QString &name, const QByteArray &passwordHash, qint64 nowMs)
{
    if (name.isEmpty() || !isArgon2idHash(passwordHash)) {
        qCWarning(lcStore) << "refused to create an account with an empty name or a password"
                              " hash that is not Argon2id";
        return std::nullopt;
    }
    QSqlQuery query(database(m_connectionName));
    // DO NOTHING: a name taken in any case is an answer, not an error, and the UNIQUE key
    // decides it in the same statement that would insert, so no check can go stale.
    query.prepare(u"INSERT INTO accounts (name_key, name, password_hash, created) "
                  "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id"_s);
    query.addBindValue(name.toCaseFolded());
    query.addBindValue(name);
    query.addBindValue(hashText(passwordHash));
    query.addBindValue(nowMs);
    if (!query.exec()) {
        qCWarning(lcStore).noquote()
            << "cannot create an account:" << storeErrorText(query.lastError());
        return std::nullopt;
    }
    if (!query.next()) {
        qCInfo(lcStore).noquote() << "the name" << name << "is an account already";
        return std::nullopt;
    }
    return Account{query.value(0).toLongLong(), name, passwordHash, nowMs, Protocol::Role::None};
}

bool AccountStore::setPasswordHash(
    qint64 accountId, const QByteArray &passwordHash, const QByteArray &replacing)
{
    if (!isArgon2idHash(passwordHash)) {
        qCWarning(lcStore) << "refused a password hash that is not Argon2id for account"
                           << accountId;
        return false;
    }
    QSqlQuery query(database(m_connectionName));
    query.prepare(replacing.isEmpty()
            ? u"UPDATE accounts SET password_hash = ? WHERE id = ?"_s
            : u"UPDATE accounts SET password_hash = ? WHERE id = ? AND password_hash = ?"_s);
    query.addBindValue(hashText(passwordHash));
    query.addBindValue(accountId);
    if (!replacing.isEmpty()) {
        query.addBindValue(hashText(replacing));
    }
    if (!query.exec()) {
        qCWarning(lcStore).noquote() << "cannot change the password of account" << accountId
                                     << storeErrorText(query.lastError());
        return false;
    }
    if (query.numRowsAffected() != 1) {
        qCInfo(lcStore) << "did not change the password of account" << accountId
                        << "- it does not exist, or its password changed meanwhile";
        return false;
    }
    return true;
}

bool AccountStore::addToken(qint64 accountId, const QByteArray &digest, const QString &peer,
    qint64 nowMs, const QByteArray &passwordHash)
{
    if (!isDigest(digest)) {
        qCWarning(lcStore) << "refused a token digest of" << digest.size()
                           << "bytes instead of 32 for account" << accountId;
        return false;
    }
    QSqlQuery query(database(m_connectionName));
    // The casts: PostgreSQL cannot tell the type of a value bound in a SELECT's columns.
    query.prepare(u"INSERT INTO tokens (digest, account, peer, created, last_used) "
                  "SELECT CAST(? AS %1), id, CAST(? AS TEXT), CAST(? AS BIGINT), "
                  "CAST(? AS BIGINT) FROM accounts WHERE id = ? %2"_s.arg(m_backend.bytesType(),
                      passwordHash.isEmpty() ? QString() : u"AND password_hash = ?"_s));
    query.addBindValue(digest);
    query.addBindValue(peer);
    query.addBindValue(nowMs);
    query.addBindValue(nowMs);
    query.addBindValue(accountId);
    if (!passwordHash.isEmpty()) {
        query.addBindValue(hashText(passwordHash));
    }
    // Fails for a digest stored already; adds nothing for an account that does not exist, or
    // whose password is not the one checked any more.
    if (!query.exec()) {
        qCWarning(lcStore).noquote()
            << "cannot add a token for account" << accountId << storeErrorText(query.lastError());
        return false;
    }
    if (query.numRowsAffected() != 1) {
        return false;
    }
    // Every password sign-in adds one: the account's oldest beyond MaxTokensPerAccount go.
    QSqlQuery trim(database(m_connectionName));
    trim.prepare(u"DELETE FROM tokens WHERE account = ? AND digest NOT IN (SELECT digest FROM "
                 "tokens WHERE account = ? ORDER BY last_used DESC LIMIT ?)"_s);
    trim.addBindValue(accountId);
    trim.addBindValue(accountId);
    trim.addBindValue(MaxTokensPerAccount);
    if (!trim.exec()) {
        qCWarning(lcStore).noquote()
            << "cannot trim the tokens of account" << accountId << storeErrorText(trim.lastError());
    }
    return true;
}

std::optional<AccountStore::Account> AccountStore::accountForToken(
    const QByteArray &digest, qint64 nowMs, qint64 idleExpiryMs)
{
    if (!isDigest(digest)) {
        return std::nullopt;
    }
    QSqlDatabase db = database(m_connectionName);
    QSqlQuery query(db);
    query.prepare(u"SELECT %1, tokens.last_used FROM tokens "
                  "JOIN accounts ON accounts.id = tokens.account WHERE tokens.digest = ?"_s.arg(
                      AccountColumns));
    query.addBindValue(digest);
    if (!query.exec()) {
        qCWarning(lcStore).noquote()
            << "cannot look up a token:" << storeErrorText(query.lastError());
        return std::nullopt;
    }
    if (!query.next()) {
        return std::nullopt;
    }
    const Account found = readAccount(query);
    const qint64 lastUsed = query.value(5).toLongLong();
    query.finish();

    QSqlQuery update(db);
    if (nowMs - lastUsed > idleExpiryMs) {
        update.prepare(u"DELETE FROM tokens WHERE digest = ?"_s);
        update.addBindValue(digest);
        if (!update.exec()) {
            qCWarning(lcStore).noquote() << "cannot delete an expired token of account" << found.id
                                         << storeErrorText(update.lastError());
        }
        return std::nullopt;
    }
    // A clock that steps back must not make a token look older than its last use.
    update.prepare(u"UPDATE tokens SET last_used = ? WHERE digest = ? AND last_used < ?"_s);
    update.addBindValue(nowMs);
    update.addBindValue(digest);
    update.addBindValue(nowMs);
    if (!update.exec()) {
        // Not touched, the token expires from its previous use: refuse rather than sign in
        // with a lifetime the file does not record.
        qCWarning(lcStore).noquote() << "cannot record the use of a token of account" << found.id
                                     << storeErrorText(update.lastError());
        return std::nullopt;
    }
    return found;
}

bool AccountStore::revokeToken(const QByteArray &digest)
{
    QSqlQuery query(database(m_connectionName));
    query.prepare(u"DELETE FROM tokens WHERE digest = ?"_s);
    query.addBindValue(digest);
    if (!query.exec()) {
        qCWarning(lcStore).noquote()
            << "cannot revoke a token:" << storeErrorText(query.lastError());
        return false;
    }
    return query.numRowsAffected() == 1;
}

int AccountStore::revokeOtherTokens(qint64 accountId, const QByteArray &keepDigest)
{
    QSqlQuery query(database(m_connectionName));
    if (keepDigest.isEmpty()) {
        query.prepare(u"DELETE FROM tokens WHERE account = ?"_s);
        query.addBindValue(accountId);
    } else {
        query.prepare(u"DELETE FROM tokens WHERE account = ? AND digest != ?"_s);
        query.addBindValue(accountId);
        query.addBindValue(keepDigest);
    }
    if (!query.exec()) {
        qCWarning(lcStore).noquote() << "cannot revoke the tokens of account" << accountId
                                     << storeErrorText(query.lastError());
        return -1;
    }
    return query.numRowsAffected();
}

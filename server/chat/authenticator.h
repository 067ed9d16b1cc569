#pragma once

#include "protocol.h"

#include <QByteArray>
#include <QJsonObject>
#include <QObject>
#include <QString>

#include <functional>
#include <optional>

struct ServerContext;

// Who a session is, and the account work that decides it: signing in with a password or a
// token, letting a guest in, registering a guest's name, changing a password and logging out.
// Every check runs elsewhere (hashes on the PasswordHasher's pool, account reads and writes on
// the store thread) and answers in the session's thread through a callback, so neither a hash
// nor a read ever blocks a client's thread; the session reads no more input meanwhile.
//
// Failed attempts are counted per account and per address (SignInThrottle) before any hash is
// spent, and a wrong password, an unknown account and a bad token all get the same auth_failed.
// A password is never logged or kept: it is handed to the hasher and dropped.
class Authenticator : public QObject
{
    Q_OBJECT

public:
    struct Identity
    {
        QString name;
        QString id; // "a:<account id>" or "g:<uuid>"
        bool account = false;
        QByteArray tokenDigest; // the token this connection holds, if any
        QString newToken; // a token minted by this step, to give to the client once
    };
    struct Outcome
    {
        Protocol::ErrorCode error = Protocol::ErrorCode::None;
        QString message;
        Identity identity;
    };
    using Done = std::function<void(const Outcome &)>;

    // How many hashes may wait for the pool before sign-ins are refused as too many.
    static constexpr int MaxPendingHashes = 32;

    // address: the client's, which failures are counted against.
    Authenticator(const ServerContext &context, QString address, QObject *parent = nullptr);

    // A hello: name and password, token, or name alone for a guest.
    void signIn(const QJsonObject &hello, Done done);
    // The guest's name becomes an account with this password.
    void registerGuest(const Identity &guest, const QString &password, Done done);
    // Every token of the account but the one in use is revoked.
    void changePassword(
        const Identity &who, const QString &oldPassword, const QString &newPassword, Done done);
    // Revokes the token in use (if any).
    void logout(const Identity &who, Done done);
    // The account called name, if there is one (nothing as well if it cannot be read).
    void findAccount(
        const QString &name, std::function<void(const std::optional<Identity> &)> done);

    static qint64 accountId(const QString &identity);

private:
    void signInWithPassword(const QString &name, const QString &password, Done done);
    void signInWithToken(const QString &token, Done done);
    void admitGuest(const QString &name, Done done);
    // After a password proved right: a new token for this connection.
    void issueToken(Identity identity, Done done);
    bool hasherBusy() const;
    Outcome tooManyAttempts(const QString &account) const;

    const ServerContext &m_context;
    const QString m_address;
};

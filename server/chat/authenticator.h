#pragma once

#include "protocol.h"
#include "signinthrottle.h"

#include <QByteArray>
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

class QHostAddress;
struct ServerContext;

// Who a session is, and the account work that decides it: signing in with a password or a
// token, letting a guest in, registering a guest's name, changing a password and logging out.
// Every check runs elsewhere (hashes on the PasswordHasher's pool, account reads and writes on
// the store thread) and answers in the session's thread through a callback, so neither a hash
// nor a read ever blocks a client's thread; the session reads no more input meanwhile.
//
// Attempts are counted per account and per address (SignInThrottle) before any hash is spent,
// and one still being checked when the session goes is given back. A wrong password, an unknown
// account and a bad token all get the same auth_failed. A password is never logged or kept: it
// is handed to the hasher and dropped.
//
// A password change and a sign-in may cross: the sign-in reads ChatRoom::revocations() before
// it checks anything, and its token is stored only if the password it checked is still the
// account's, so it can neither join nor keep a token once the change has revoked the account.
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
        qint64 checkedAt = 0; // ChatRoom::revocations() before the credentials were checked
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

    // address: what the client's attempts are counted against (throttleAddress()).
    Authenticator(const ServerContext &context, QString address, QObject *parent = nullptr);
    // Gives back the attempts still being checked, as neither failed nor succeeded.
    ~Authenticator() override;

    // A hello: name and password, token, or name alone for a guest. withToken: mint a token
    // for a password sign-in (a person at nc has no use for one).
    void signIn(const QJsonObject &hello, bool withToken, Done done);
    // The guest's name becomes an account with this password.
    void registerGuest(const Identity &guest, const QString &password, bool withToken, Done done);
    // Every other token of the account is revoked, and every other connection (but member's)
    // closed.
    void changePassword(const Identity &who, qint64 member, const QString &oldPassword,
        const QString &newPassword, Done done);
    // Revokes the token in use (if any).
    void logout(const Identity &who, Done done);
    // The account called name, if there is one (nothing as well if it cannot be read).
    void findAccount(
        const QString &name, std::function<void(const std::optional<Identity> &)> done);

    // The account id in an identity ("a:12" -> 12), 0 for a guest's.
    static qint64 accountId(const QString &identity);
    // What a peer's attempts are counted against: an IPv4 address, or an IPv6 address's /64 (a
    // host is given a whole /64, and could otherwise try from a fresh address each time).
    static QString throttleAddress(const QHostAddress &peer);

private:
    void signInWithPassword(
        const QString &name, const QString &password, bool withToken, Done done);
    void signInWithToken(const QString &token, Done done);
    void admitGuest(const QString &name, Done done);
    // After a password proved right: a token for this connection, if the password checked
    // (passwordHash) is still the account's.
    void issueToken(Identity identity, const QByteArray &passwordHash, Done done);

    // An attempt counted against account (empty: a token) and this address: false if the
    // throttle says wait. Each true is ended once, or given back by the destructor.
    bool begin(const QString &account);
    void end(const QString &account, SignInThrottle::Result result);
    // Why a new password may not be hashed now (weak, the hasher's queue full, throttled), or
    // nothing: the attempt has begun.
    std::optional<Outcome> beginSettingPassword(const QString &account, const QString &password);
    bool hasherBusy() const;
    Outcome tooManyAttempts(const QString &account) const;

    const ServerContext &m_context;
    const QString m_address;
    QStringList m_attempts; // begun and not ended
};

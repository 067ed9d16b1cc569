#include "authenticator.h"

#include "chatlog.h"
#include "chatroom.h"
#include "framevalidator.h"
#include "messagestore.h"
#include "metrics.h"
#include "passwordhasher.h"
#include "servercontext.h"
#include "sessionsettings.h"
#include "sessiontoken.h"
#include "storeworker.h"
#include "whenready.h"

#include "peeraddress.h"

#include <QDateTime>
#include <QHostAddress>
#include <QUuid>

using Protocol::ErrorCode;
using Result = SignInThrottle::Result;
using namespace Qt::StringLiterals;

namespace {

using Account = AccountStore::Account;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QString accountIdentity(qint64 id)
{
    return u"a:%1"_s.arg(id);
}

Authenticator::Identity identityOf(const Account &account, qint64 checkedAt)
{
    return {account.name, accountIdentity(account.id), true, {}, {}, checkedAt};
}

Authenticator::Outcome failure(ErrorCode code, const QString &message)
{
    Metrics::instance().signInFailed(code);
    return {code, message, {}};
}

Authenticator::Outcome authFailed()
{
    // One answer for a wrong password, an unknown account and a bad token: which it was would
    // tell a guesser what to try next.
    return failure(ErrorCode::AuthFailed, u"wrong name, password or token"_s);
}

Authenticator::Outcome weakPassword()
{
    return failure(ErrorCode::WeakPassword,
        u"a password needs at least %1 characters (and at most %2 bytes)"_s
            .arg(PasswordHasher::MinCharacters)
            .arg(PasswordHasher::MaxBytes));
}

Authenticator::Outcome busy()
{
    return failure(ErrorCode::TooManyAttempts,
        u"the server is busy signing people in; try again in a few seconds"_s);
}

Authenticator::Outcome storeUnavailable()
{
    return failure(ErrorCode::StorageFailed, u"the server cannot read its accounts right now"_s);
}

Authenticator::Outcome changedMeanwhile()
{
    return failure(ErrorCode::AuthFailed, u"the password was changed meanwhile"_s);
}

} // namespace

Authenticator::Authenticator(const ServerContext &context, QString address, QObject *parent)
    : QObject(parent)
    , m_context(context)
    , m_address(std::move(address))
{
}

Authenticator::~Authenticator()
{
    for (const QString &account : std::as_const(m_attempts)) {
        m_context.throttle.finish(account, m_address, Result::Abandoned);
    }
}

bool Authenticator::begin(const QString &account)
{
    if (!m_context.throttle.tryBegin(account, m_address)) {
        return false;
    }
    m_attempts.append(account);
    return true;
}

void Authenticator::end(const QString &account, Result result)
{
    if (m_attempts.removeOne(account)) {
        m_context.throttle.finish(account, m_address, result);
    }
}

std::optional<Authenticator::Outcome> Authenticator::beginSettingPassword(
    const QString &account, const QString &password)
{
    if (PasswordHasher::checkStrength(password) != PasswordHasher::Strength::Ok) {
        return weakPassword();
    }
    if (hasherBusy()) {
        return busy();
    }
    if (!begin(account)) {
        return tooManyAttempts(account);
    }
    return std::nullopt;
}

bool Authenticator::hasherBusy() const
{
    return m_context.hasher.pending() >= MaxPendingHashes;
}

Authenticator::Outcome Authenticator::tooManyAttempts(const QString &account) const
{
    const auto wait = m_context.throttle.wait(account, m_address);
    const qint64 seconds = std::max<qint64>(1, (wait.count() + 999) / 1000);
    return failure(
        ErrorCode::TooManyAttempts, u"too many sign-in attempts; try again in %1 s"_s.arg(seconds));
}

void Authenticator::signIn(const QJsonObject &hello, bool withToken, Done done)
{
    if (hello.contains("token"_L1)) {
        signInWithToken(hello.value("token"_L1).toString(), std::move(done));
        return;
    }
    const QString name = hello.value("name"_L1).toString();
    const FrameValidator::Verdict verdict = FrameValidator::validateName(name);
    if (!verdict.isValid()) {
        done(failure(verdict.error, verdict.message));
        return;
    }
    if (hello.contains("password"_L1)) {
        signInWithPassword(name, hello.value("password"_L1).toString(), withToken, std::move(done));
    } else {
        admitGuest(name, std::move(done));
    }
}

void Authenticator::signInWithPassword(
    const QString &name, const QString &password, bool withToken, Done done)
{
    if (hasherBusy()) {
        done(busy());
        return;
    }
    if (!begin(name)) {
        qCInfo(lcChat).noquote() << m_address << "throttled signing in as" << name;
        done(tooManyAttempts(name));
        return;
    }
    // A password no one could have set costs no hash.
    if (PasswordHasher::checkStrength(password) == PasswordHasher::Strength::TooLong) {
        end(name, Result::Failed);
        done(authFailed());
        return;
    }
    const auto fail = [this, name, done](Result result, const Outcome &outcome) {
        end(name, result);
        if (result == Result::Failed) {
            qCInfo(lcChat).noquote() << m_address << "failed to sign in as" << name;
        }
        done(outcome);
    };
    const qint64 checkedAt = m_context.room.revocations();
    whenReady(
        m_context.store.run([name](MessageStore &store) { return store.accounts().account(name); }),
        this,
        [this, name, password, withToken, done, fail, checkedAt](
            const std::optional<Account> &account) {
            if (!account) {
                fail(Result::Failed, authFailed());
                return;
            }
            // Checked again here, where the hash is asked for: a burst of sign-ins all pass
            // the first check before any of their account reads comes back.
            if (hasherBusy()) {
                fail(Result::Abandoned, busy());
                return;
            }
            whenReady(m_context.hasher.verify(account->passwordHash, password), this,
                [this, name, account, password, withToken, done, fail, checkedAt](bool matches) {
                    if (!matches) {
                        fail(Result::Failed, authFailed());
                        return;
                    }
                    end(name, Result::Succeeded);
                    if (PasswordHasher::needsRehash(account->passwordHash)) {
                        // Stronger limits since it was set: the password is at hand only now.
                        const qint64 id = account->id;
                        const QByteArray old = account->passwordHash;
                        whenReady(m_context.hasher.hash(password), this,
                            [this, id, old](const QByteArray &hash) {
                                m_context.store.run([id, hash, old](MessageStore &store) {
                                    return store.accounts().setPasswordHash(id, hash, old);
                                });
                            });
                    }
                    const Identity identity = identityOf(*account, checkedAt);
                    if (withToken) {
                        issueToken(identity, account->passwordHash, done);
                    } else {
                        done({ErrorCode::None, {}, identity});
                    }
                });
        },
        [fail] { fail(Result::Abandoned, storeUnavailable()); });
}

void Authenticator::issueToken(Identity identity, const QByteArray &passwordHash, Done done)
{
    const QByteArray token = SessionToken::mint();
    const QByteArray digest = SessionToken::digest(token);
    const qint64 id = accountId(identity.id);
    identity.tokenDigest = digest;
    identity.newToken = QString::fromLatin1(token);
    whenReady(
        m_context.store.run([id, digest, passwordHash, peer = m_address](MessageStore &store) {
            return store.accounts().addToken(id, digest, peer, nowMs(), passwordHash);
        }),
        this,
        [identity, done](bool added) {
            done(added ? Outcome{ErrorCode::None, {}, identity} : changedMeanwhile());
        },
        [done] { done(storeUnavailable()); });
}

void Authenticator::signInWithToken(const QString &token, Done done)
{
    if (!begin({})) {
        done(tooManyAttempts({}));
        return;
    }
    if (token.size() != SessionToken::EncodedLength || !token.isSimpleText()) {
        end({}, Result::Failed);
        done(authFailed());
        return;
    }
    const QByteArray digest = SessionToken::digest(token.toLatin1());
    const qint64 expiry = m_context.settings->tokenIdleExpiryMs;
    const qint64 checkedAt = m_context.room.revocations();
    whenReady(
        m_context.store.run([digest, expiry](MessageStore &store) {
            return store.accounts().accountForToken(digest, nowMs(), expiry);
        }),
        this,
        [this, digest, done, checkedAt](const std::optional<Account> &account) {
            end({}, account ? Result::Succeeded : Result::Failed);
            if (!account) {
                qCInfo(lcChat).noquote() << m_address << "sent an unknown or revoked token";
                done(authFailed());
                return;
            }
            Identity identity = identityOf(*account, checkedAt);
            identity.tokenDigest = digest;
            done({ErrorCode::None, {}, identity});
        },
        [this, done] {
            end({}, Result::Abandoned);
            done(storeUnavailable());
        });
}

void Authenticator::admitGuest(const QString &name, Done done)
{
    whenReady(
        m_context.store.run(
            [name](MessageStore &store) { return store.accounts().account(name).has_value(); }),
        this,
        [this, name, done](bool isAccount) {
            if (isAccount) {
                done(failure(ErrorCode::AuthRequired,
                    u"%1 is an account: sign in with its password"_s.arg(name)));
            } else if (!m_context.settings->guestsAllowed) {
                done(failure(ErrorCode::GuestsDisabled,
                    u"this server has no guests: sign in to an account"_s));
            } else {
                const QString id = u"g:"_s + QUuid::createUuid().toString(QUuid::WithoutBraces);
                done({ErrorCode::None, {}, {name, id, false, {}, {}, 0}});
            }
        },
        [done] { done(storeUnavailable()); });
}

void Authenticator::registerGuest(
    const Identity &guest, const QString &password, bool withToken, Done done)
{
    if (guest.account) {
        done(failure(ErrorCode::AccountExists, u"%1 is an account already"_s.arg(guest.name)));
        return;
    }
    // A registration costs a hash like a sign-in: it is counted against the address too.
    const QString name = guest.name;
    if (const auto refused = beginSettingPassword(name, password)) {
        done(*refused);
        return;
    }
    whenReady(m_context.hasher.hash(password), this,
        [this, name, withToken, done](const QByteArray &hash) {
            if (hash.isEmpty()) {
                end(name, Result::Abandoned);
                done(storeUnavailable());
                return;
            }
            whenReady(
                m_context.store.run([name, hash](MessageStore &store) {
                    return store.accounts().createAccount(name, hash, nowMs());
                }),
                this,
                [this, name, hash, withToken, done](const std::optional<Account> &account) {
                    end(name, Result::Abandoned); // neither a failed guess nor a sign-in
                    if (!account) {
                        done(failure(
                            ErrorCode::AccountExists, u"%1 is an account already"_s.arg(name)));
                        return;
                    }
                    qCInfo(lcChat).noquote() << m_address << "registered" << account->name;
                    const Identity identity = identityOf(*account, m_context.room.revocations());
                    if (withToken) {
                        issueToken(identity, hash, done);
                    } else {
                        done({ErrorCode::None, {}, identity});
                    }
                },
                [this, name, done] {
                    end(name, Result::Abandoned);
                    done(storeUnavailable());
                });
        });
}

void Authenticator::changePassword(const Identity &who, qint64 member, const QString &oldPassword,
    const QString &newPassword, Done done)
{
    if (!who.account) {
        done(failure(ErrorCode::AuthRequired, u"guests have no password: /register first"_s));
        return;
    }
    if (const auto refused = beginSettingPassword(who.name, newPassword)) {
        done(*refused);
        return;
    }
    const auto give = [this, name = who.name, done](Result result, const Outcome &outcome) {
        end(name, result);
        done(outcome);
    };
    const QString name = who.name;
    const qint64 id = accountId(who.id);
    whenReady(
        m_context.store.run([name](MessageStore &store) { return store.accounts().account(name); }),
        this,
        [this, who, member, id, oldPassword, newPassword, done, give](
            const std::optional<Account> &account) {
            if (!account || account->id != id || hasherBusy()) {
                give(Result::Abandoned, account ? busy() : storeUnavailable());
                return;
            }
            const QByteArray oldHash = account->passwordHash;
            whenReady(m_context.hasher.verify(oldHash, oldPassword), this,
                [this, who, member, id, oldHash, newPassword, done, give](bool matches) {
                    if (!matches) {
                        give(Result::Failed, authFailed());
                        return;
                    }
                    end(who.name, Result::Succeeded);
                    whenReady(m_context.hasher.hash(newPassword), this,
                        [this, who, member, id, oldHash, done](const QByteArray &hash) {
                            // In one step on the store thread, whether or not this session
                            // is still there to see it: the new hash (if the old one is still
                            // current), the other tokens revoked, the other connections closed.
                            // Nothing: not stored; false: changed elsewhere meanwhile.
                            ChatRoom &room = m_context.room;
                            const auto change = [id, hash, oldHash, who, member, &room](
                                                    MessageStore &store) -> std::optional<bool> {
                                if (hash.isEmpty()) {
                                    return std::nullopt;
                                }
                                if (!store.accounts().setPasswordHash(id, hash, oldHash)) {
                                    return false;
                                }
                                room.revoke(who.id, member);
                                if (store.accounts().revokeOtherTokens(id, who.tokenDigest) < 0) {
                                    return std::nullopt;
                                }
                                return true;
                            };
                            whenReady(
                                m_context.store.run(change), this,
                                [who, done](const std::optional<bool> &changed) {
                                    if (!changed) {
                                        done(storeUnavailable());
                                    } else if (!*changed) {
                                        done(changedMeanwhile());
                                    } else {
                                        done({ErrorCode::None, {}, who});
                                    }
                                },
                                [done] { done(storeUnavailable()); });
                        });
                });
        },
        [give] { give(Result::Abandoned, storeUnavailable()); });
}

void Authenticator::logout(const Identity &who, Done done)
{
    if (who.tokenDigest.isEmpty()) {
        done({ErrorCode::None, {}, who});
        return;
    }
    whenReady(
        m_context.store.run([digest = who.tokenDigest](MessageStore &store) {
            return store.accounts().revokeToken(digest);
        }),
        this,
        [who, done](bool) {
            done({ErrorCode::None, {}, who});
        },
        [who, done] {
            done({ErrorCode::None, {}, who});
        });
}

void Authenticator::findAccount(
    const QString &name, std::function<void(const std::optional<Identity> &)> done)
{
    if (!FrameValidator::validateName(name).isValid()) {
        done(std::nullopt);
        return;
    }
    whenReady(
        m_context.store.run([name](MessageStore &store) { return store.accounts().account(name); }),
        this,
        [done](const std::optional<Account> &account) {
            done(account ? std::optional<Identity>(identityOf(*account, 0)) : std::nullopt);
        },
        [done] { done(std::nullopt); });
}

qint64 Authenticator::accountId(const QString &identity)
{
    return identity.startsWith(u"a:"_s) ? identity.mid(2).toLongLong() : 0;
}

QString Authenticator::throttleAddress(const QHostAddress &peer)
{
    const QHostAddress address = unmappedAddress(peer);
    if (address.protocol() != QAbstractSocket::IPv6Protocol) {
        return address.toString();
    }
    Q_IPV6ADDR bytes = address.toIPv6Address();
    std::fill(std::begin(bytes.c) + 8, std::end(bytes.c), quint8(0));
    return QHostAddress(bytes).toString() + u"/64"_s;
}

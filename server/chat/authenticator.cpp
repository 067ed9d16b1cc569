#include "authenticator.h"

#include "chatlog.h"
#include "framevalidator.h"
#include "messagestore.h"
#include "passwordhasher.h"
#include "servercontext.h"
#include "sessionsettings.h"
#include "sessiontoken.h"
#include "signinthrottle.h"
#include "storeworker.h"
#include "whenready.h"

#include <QDateTime>
#include <QUuid>

#include <cmath>

using Protocol::ErrorCode;
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

Authenticator::Outcome failure(ErrorCode code, const QString &message)
{
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

} // namespace

Authenticator::Authenticator(const ServerContext &context, QString address, QObject *parent)
    : QObject(parent)
    , m_context(context)
    , m_address(std::move(address))
{
}

qint64 Authenticator::accountId(const QString &identity)
{
    return identity.startsWith(u"a:"_s) ? identity.mid(2).toLongLong() : 0;
}

void Authenticator::signIn(const QJsonObject &hello, Done done)
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
        signInWithPassword(name, hello.value("password"_L1).toString(), std::move(done));
    } else {
        admitGuest(name, std::move(done));
    }
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

void Authenticator::signInWithPassword(const QString &name, const QString &password, Done done)
{
    if (hasherBusy()) {
        done(busy());
        return;
    }
    if (!m_context.throttle.tryBegin(name, m_address)) {
        qCInfo(lcChat).noquote() << m_address << "throttled signing in as" << name;
        done(tooManyAttempts(name));
        return;
    }
    // A password no one could have set costs no hash.
    if (PasswordHasher::checkStrength(password) == PasswordHasher::Strength::TooLong) {
        m_context.throttle.finish(name, m_address, SignInThrottle::Result::Failed);
        done(authFailed());
        return;
    }
    const auto finishWith = [this, name, done](const Outcome &outcome) {
        using Result = SignInThrottle::Result;
        m_context.throttle.finish(name, m_address,
            outcome.error == ErrorCode::None             ? Result::Succeeded
                : outcome.error == ErrorCode::AuthFailed ? Result::Failed
                                                         : Result::Abandoned);
        if (outcome.error == ErrorCode::AuthFailed) {
            qCInfo(lcChat).noquote() << m_address << "failed to sign in as" << name;
        }
        done(outcome);
    };
    whenReady(
        m_context.store.run([name](MessageStore &store) { return store.accounts().account(name); }),
        this,
        [this, password, finishWith](const std::optional<Account> &account) {
            if (!account) {
                finishWith(authFailed());
                return;
            }
            // Checked again here, where the hash is asked for: a burst of sign-ins all pass
            // the first check before any of their account reads comes back.
            if (hasherBusy()) {
                finishWith(busy());
                return;
            }
            whenReady(m_context.hasher.verify(account->passwordHash, password), this,
                [this, account, password, finishWith](bool matches) {
                    if (!matches) {
                        finishWith(authFailed());
                        return;
                    }
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
                    issueToken(
                        {account->name, accountIdentity(account->id), true, {}, {}}, finishWith);
                });
        },
        [finishWith] { finishWith(storeUnavailable()); });
}

void Authenticator::issueToken(Identity identity, Done done)
{
    const QByteArray token = SessionToken::mint();
    const QByteArray digest = SessionToken::digest(token);
    const qint64 id = accountId(identity.id);
    identity.tokenDigest = digest;
    identity.newToken = QString::fromLatin1(token);
    whenReady(
        m_context.store.run([id, digest, peer = m_address](MessageStore &store) {
            return store.accounts().addToken(id, digest, peer, nowMs());
        }),
        this,
        [identity, done](bool added) {
            done(added ? Outcome{ErrorCode::None, {}, identity} : storeUnavailable());
        },
        [done] { done(storeUnavailable()); });
}

void Authenticator::signInWithToken(const QString &token, Done done)
{
    if (!m_context.throttle.tryBegin({}, m_address)) {
        done(tooManyAttempts({}));
        return;
    }
    const QByteArray bytes = token.toLatin1();
    if (token.size() != SessionToken::EncodedLength || !token.isSimpleText()) {
        m_context.throttle.finish({}, m_address, SignInThrottle::Result::Failed);
        done(authFailed());
        return;
    }
    const QByteArray digest = SessionToken::digest(bytes);
    const qint64 expiry = m_context.settings.tokenIdleExpiryMs;
    whenReady(
        m_context.store.run([digest, expiry](MessageStore &store) {
            return store.accounts().accountForToken(digest, nowMs(), expiry);
        }),
        this,
        [this, digest, done](const std::optional<Account> &account) {
            m_context.throttle.finish({}, m_address,
                account ? SignInThrottle::Result::Succeeded : SignInThrottle::Result::Failed);
            if (!account) {
                qCInfo(lcChat).noquote() << m_address << "sent an unknown or revoked token";
                done(authFailed());
                return;
            }
            done({ErrorCode::None, {},
                {account->name, accountIdentity(account->id), true, digest, {}}});
        },
        [this, done] {
            m_context.throttle.finish({}, m_address, SignInThrottle::Result::Abandoned);
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
            } else if (!m_context.settings.guestsAllowed) {
                done(failure(ErrorCode::GuestsDisabled,
                    u"this server has no guests: sign in to an account"_s));
            } else {
                done({ErrorCode::None, {},
                    {name, u"g:"_s + QUuid::createUuid().toString(QUuid::WithoutBraces), false, {},
                        {}}});
            }
        },
        [done] { done(storeUnavailable()); });
}

void Authenticator::registerGuest(const Identity &guest, const QString &password, Done done)
{
    if (guest.account) {
        done(failure(ErrorCode::AccountExists, u"%1 is an account already"_s.arg(guest.name)));
        return;
    }
    if (PasswordHasher::checkStrength(password) != PasswordHasher::Strength::Ok) {
        done(weakPassword());
        return;
    }
    if (hasherBusy()) {
        done(busy());
        return;
    }
    whenReady(m_context.hasher.hash(password), this, [this, guest, done](const QByteArray &hash) {
        if (hash.isEmpty()) {
            done(storeUnavailable());
            return;
        }
        const QString name = guest.name;
        const QString guestId = guest.id;
        whenReady(
            m_context.store.run([name, hash, guestId](MessageStore &store) {
                const auto account = store.accounts().createAccount(name, hash, nowMs());
                if (account) {
                    store.transferIdentity(guestId, accountIdentity(account->id));
                }
                return account;
            }),
            this,
            [this, done, name](const std::optional<Account> &account) {
                if (!account) {
                    done(
                        failure(ErrorCode::AccountExists, u"%1 is an account already"_s.arg(name)));
                    return;
                }
                qCInfo(lcChat).noquote() << m_address << "registered" << account->name;
                issueToken({account->name, accountIdentity(account->id), true, {}, {}}, done);
            },
            [done] { done(storeUnavailable()); });
    });
}

void Authenticator::changePassword(
    const Identity &who, const QString &oldPassword, const QString &newPassword, Done done)
{
    if (!who.account) {
        done(failure(ErrorCode::AuthRequired, u"guests have no password: /register first"_s));
        return;
    }
    if (PasswordHasher::checkStrength(newPassword) != PasswordHasher::Strength::Ok) {
        done(weakPassword());
        return;
    }
    if (hasherBusy()) {
        done(busy());
        return;
    }
    if (!m_context.throttle.tryBegin(who.name, m_address)) {
        done(tooManyAttempts(who.name));
        return;
    }
    const QString name = who.name;
    const qint64 id = accountId(who.id);
    whenReady(
        m_context.store.run([name](MessageStore &store) { return store.accounts().account(name); }),
        this,
        [this, who, id, oldPassword, newPassword, done](const std::optional<Account> &account) {
            using Result = SignInThrottle::Result;
            if (!account || account->id != id || hasherBusy()) {
                m_context.throttle.finish(who.name, m_address, Result::Abandoned);
                done(account ? busy() : storeUnavailable());
                return;
            }
            const QByteArray oldHash = account->passwordHash;
            whenReady(m_context.hasher.verify(oldHash, oldPassword), this,
                [this, who, id, oldHash, newPassword, done](bool matches) {
                    m_context.throttle.finish(
                        who.name, m_address, matches ? Result::Succeeded : Result::Failed);
                    if (!matches) {
                        done(authFailed());
                        return;
                    }
                    whenReady(m_context.hasher.hash(newPassword), this,
                        [this, who, id, oldHash, done](const QByteArray &hash) {
                            // Nothing: not stored; false: changed elsewhere since it was read.
                            const auto change = [id, hash, oldHash, keep = who.tokenDigest](
                                                    MessageStore &store) -> std::optional<bool> {
                                if (hash.isEmpty()) {
                                    return std::nullopt;
                                }
                                if (!store.accounts().setPasswordHash(id, hash, oldHash)) {
                                    return false;
                                }
                                if (store.accounts().revokeOtherTokens(id, keep) < 0) {
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
                                        done(failure(ErrorCode::AuthFailed,
                                            u"the password was changed elsewhere meanwhile"_s));
                                    } else {
                                        done({ErrorCode::None, {}, who});
                                    }
                                },
                                [done] { done(storeUnavailable()); });
                        });
                });
        },
        [this, who, done] {
            m_context.throttle.finish(who.name, m_address, SignInThrottle::Result::Abandoned);
            done(storeUnavailable());
        });
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
            done(account ? std::optional<Identity>(
                     Identity{account->name, accountIdentity(account->id), true, {}, {}})
                         : std::nullopt);
        },
        [done] { done(std::nullopt); });
}

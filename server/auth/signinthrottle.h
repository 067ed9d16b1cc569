#pragma once

#include <QHash>
#include <QString>

#include <chrono>
#include <functional>
#include <list>
#include <mutex>

// Limits failed sign-ins, counted separately per account (case-folded) and per source address,
// so neither guessing one account from many addresses nor many accounts from one address gets
// far. Each key may fail FreeFailures times; after that the next attempt waits 1 s, and the
// wait doubles with each further failure up to MaxBackoff. Callers answer too_many_attempts
// while wait() is not zero, and should check it before spending a hash on the attempt.
//
// A key forgets its failures once it has been quiet for QuietExpiry past its back-off. Memory
// is bounded: at most maxKeys keys are held, and when a new key would exceed that the key
// touched (failed) longest ago is dropped. An attacker who floods the table with fresh keys can
// thus free a throttled key early, but only by making maxKeys failures per key freed, and every
// one of those is itself throttled; the alternative, refusing everyone when full, is worse.
//
// Thread-safe: sessions on any thread may share one throttle. Time comes from a clock the owner
// may inject, so tests can drive it.
class SignInThrottle
{
public:
    using Clock = std::function<qint64()>; // milliseconds, monotonic

    static constexpr int FreeFailures = 5;
    static constexpr std::chrono::milliseconds FirstBackoff{1000};
    static constexpr std::chrono::milliseconds MaxBackoff{15 * 60 * 1000};
    static constexpr std::chrono::milliseconds QuietExpiry{15 * 60 * 1000};
    static constexpr int DefaultMaxKeys = 100'000;

    explicit SignInThrottle(int maxKeys = DefaultMaxKeys, Clock clock = steadyClock());

    // How long until another attempt for this account from this address is allowed: the longer
    // of the two keys' waits; zero means now. An empty account (a token, which names none)
    // counts against the address alone, here and below.
    std::chrono::milliseconds wait(const QString &account, const QString &address) const;
    // Counts a failed attempt against both keys.
    void failed(const QString &account, const QString &address);
    // Forgets both keys' failures: the account's owner got in, and so did the address.
    void succeeded(const QString &account, const QString &address);

    // For attempts whose check takes time (a password hash): an attempt begun and not yet
    // finished counts as a failure until it is, so a hundred attempts sent at once are throttled
    // like a hundred sent one by one, and never cost a hundred hashes. False (and nothing
    // counted): wait first. Each true must be matched by one finish(): a failure counts against
    // both keys, a success forgets the account's failures (not the address's), and an attempt
    // abandoned unchecked (the server was too busy, or could not read the account) counts as
    // neither.
    enum class Result { Succeeded, Failed, Abandoned };
    bool tryBegin(const QString &account, const QString &address);
    void finish(const QString &account, const QString &address, Result result);

    // Keys held (accounts and addresses together), expired ones included until they are swept.
    int keyCount() const;

    static Clock steadyClock();

private:
    struct Record
    {
        QString key;
        int failures = 0;
        int inFlight = 0; // begun attempts, counted as failures until they finish
        qint64 lastFailureMs = 0;
    };
    using Records = std::list<Record>; // most recently touched first

    static QString accountKey(const QString &account);
    static QString addressKey(const QString &address);
    static qint64 backoffMs(int failures);
    static bool expired(const Record &record, qint64 nowMs);
    qint64 waitFor(const QString &key, qint64 nowMs) const;
    void fail(const QString &key, qint64 nowMs);
    void failLocked(const QString &account, const QString &address);
    // The key's record, made the most recently touched (and created if need be).
    Record &touch(const QString &key);
    void forget(const QString &key);
    void sweepExpired(qint64 nowMs);

    const int m_maxKeys;
    Clock m_clock;
    mutable std::mutex m_mutex;
    Records m_records;
    QHash<QString, Records::iterator> m_index;
};

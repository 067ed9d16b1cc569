#include "signinthrottle.h"

#include <algorithm>

SignInThrottle::SignInThrottle(int maxKeys, Clock clock)
    : m_maxKeys(std::max(2, maxKeys)) // one attempt touches two keys
    , m_clock(std::move(clock))
{
}

std::chrono::milliseconds SignInThrottle::wait(const QString &account, const QString &address) const
{
    const std::lock_guard lock(m_mutex);
    const qint64 now = m_clock();
    const qint64 accountWait = account.isEmpty() ? 0 : waitFor(accountKey(account), now);
    return std::chrono::milliseconds(std::max(accountWait, waitFor(addressKey(address), now)));
}

void SignInThrottle::failed(const QString &account, const QString &address)
{
    const std::lock_guard lock(m_mutex);
    failLocked(account, address);
}

void SignInThrottle::succeeded(const QString &account, const QString &address)
{
    const std::lock_guard lock(m_mutex);
    if (!account.isEmpty()) {
        forget(accountKey(account));
    }
    forget(addressKey(address));
}

bool SignInThrottle::tryBegin(const QString &account, const QString &address)
{
    const std::lock_guard lock(m_mutex);
    const qint64 now = m_clock();
    QStringList keys{addressKey(address)};
    if (!account.isEmpty()) {
        keys.append(accountKey(account));
    }
    for (const QString &key : std::as_const(keys)) {
        if (waitFor(key, now) > 0) {
            return false;
        }
        const auto found = m_index.constFind(key);
        if (found != m_index.cend() && found.value()->inFlight > 0
            && found.value()->failures + found.value()->inFlight >= FreeFailures) {
            return false;
        }
    }
    for (const QString &key : std::as_const(keys)) {
        touch(key).inFlight += 1;
    }
    return true;
}

void SignInThrottle::finish(const QString &account, const QString &address, Result result)
{
    const std::lock_guard lock(m_mutex);
    for (const QString &key :
        {account.isEmpty() ? QString() : accountKey(account), addressKey(address)}) {
        const auto found = m_index.find(key);
        if (!key.isEmpty() && found != m_index.end() && found.value()->inFlight > 0) {
            found.value()->inFlight -= 1;
        }
    }
    if (result == Result::Succeeded) {
        // The address keeps its count: signing in to one's own account must not wipe the
        // failures of guesses at others'.
        if (!account.isEmpty()) {
            forget(accountKey(account));
        }
    } else if (result == Result::Failed) {
        failLocked(account, address);
    }
}

void SignInThrottle::failLocked(const QString &account, const QString &address)
{
    const qint64 now = m_clock();
    sweepExpired(now);
    if (!account.isEmpty()) {
        fail(accountKey(account), now);
    }
    fail(addressKey(address), now);
}

int SignInThrottle::keyCount() const
{
    const std::lock_guard lock(m_mutex);
    return int(m_index.size());
}

SignInThrottle::Clock SignInThrottle::steadyClock()
{
    return [] {
        return qint64(std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now().time_since_epoch())
                          .count());
    };
}

// Prefixes keep an account named like an address apart from the address.
QString SignInThrottle::accountKey(const QString &account)
{
    return QLatin1String("u:") + account.toCaseFolded();
}

QString SignInThrottle::addressKey(const QString &address)
{
    return QLatin1String("a:") + address;
}

qint64 SignInThrottle::backoffMs(int failures)
{
    if (failures < FreeFailures) {
        return 0;
    }
    // 2^10 s already passes the cap; stopping the shift there keeps it from overflowing.
    const int doublings = std::min(failures - FreeFailures, 10);
    return std::min(qint64(FirstBackoff.count()) << doublings, qint64(MaxBackoff.count()));
}

bool SignInThrottle::expired(const Record &record, qint64 nowMs)
{
    return record.inFlight == 0
        && nowMs >= record.lastFailureMs + backoffMs(record.failures) + QuietExpiry.count();
}

qint64 SignInThrottle::waitFor(const QString &key, qint64 nowMs) const
{
    const auto found = m_index.constFind(key);
    if (found == m_index.cend()) {
        return 0;
    }
    const Record &record = *found.value();
    return std::max<qint64>(0, record.lastFailureMs + backoffMs(record.failures) - nowMs);
}

void SignInThrottle::fail(const QString &key, qint64 nowMs)
{
    Record &record = touch(key);
    if (expired(record, nowMs)) {
        record.failures = 0; // not swept yet: a fresh start all the same
    }
    ++record.failures;
    record.lastFailureMs = nowMs;
}

SignInThrottle::Record &SignInThrottle::touch(const QString &key)
{
    auto found = m_index.find(key);
    if (found != m_index.end()) {
        m_records.splice(m_records.begin(), m_records, found.value());
    } else {
        if (int(m_index.size()) >= m_maxKeys) {
            m_index.remove(m_records.back().key);
            m_records.pop_back();
        }
        m_records.push_front(Record{key});
        m_index.insert(key, m_records.begin());
    }
    return m_records.front();
}

void SignInThrottle::forget(const QString &key)
{
    const auto found = m_index.find(key);
    if (found == m_index.end()) {
        return;
    }
    m_records.erase(found.value());
    m_index.erase(found);
}

// The least recently touched records are at the back; those that have expired go. One that has
// not stops the sweep (a longer back-off may keep it alive past newer ones): the bound on keys,
// not this sweep, is what limits memory, so it only needs to be cheap.
void SignInThrottle::sweepExpired(qint64 nowMs)
{
    while (!m_records.empty() && expired(m_records.back(), nowMs)) {
        m_index.remove(m_records.back().key);
        m_records.pop_back();
    }
}

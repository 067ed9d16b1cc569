#pragma once

#include "tokenbucket.h"

#include <QHash>
#include <QString>

#include <list>

// Token buckets by key (an address, a network, an account), for limits that must outlive any one
// connection: a client that reconnects finds its bucket as it left it. A bucket that is full
// again owes nothing, and a new one would be the same, so it is forgotten: the table holds only
// keys that used their allowance lately.
//
// Memory is bounded all the same: at most maxEntries buckets. Past that, the least recently
// used bucket is forgotten even though it is not full yet (and the first time, and then once a
// minute, the log says so). That hands its owner a fresh bucket, but a key that keeps
// flooding is always the most recently used; pushing it out takes maxEntries other keys
// between two of its uses, which an attacker holding that many addresses or accounts has
// anyway. Refusing every new key instead would let the same attacker shut everyone else out.
//
// Not thread-safe: the owner locks, or uses it from one thread.
class BucketTable
{
public:
    // what: the table's name in the log ("connection rate per address").
    BucketTable(QString what, int maxEntries);

    // The key's bucket, now the most recently used; a new one is full. Its limits become rate
    // and burst (the configuration may have been reloaded). Full buckets are forgotten first.
    TokenBucket &touch(const QString &key, double rate, double burst, qint64 nowMs);
    // The key's bucket, if it has one.
    const TokenBucket *find(const QString &key) const;

    int size() const { return int(m_index.size()); }
    // Buckets forgotten before they were full, to stay within maxEntries.
    qint64 evictions() const { return m_evictions; }

private:
    struct Entry
    {
        QString key;
        TokenBucket bucket;
    };
    using Entries = std::list<Entry>; // most recently used first

    void sweep(qint64 nowMs);
    void evictOldest(qint64 nowMs);

    const QString m_what;
    const int m_maxEntries;
    Entries m_entries;
    QHash<QString, Entries::iterator> m_index;
    qint64 m_evictions = 0;
    qint64 m_lastWarningMs = -1;
};

#pragma once

#include <QHash>
#include <QString>

#include <deque>
#include <functional>
#include <optional>

// The cids each sender used lately, by identity, so a retried send is recognised and not posted
// twice. Each sender has a window of its own, so one cannot push another's cids out. Memory is
// bounded: PerSender cids while a sender is online; once it has gone, a guest's window goes (a
// guest session never comes back) and an account keeps its newest OfflinePerSender (a client
// retries what it sent last), for the OfflineSenders accounts that left last.
//
// Not thread-safe: the ChatRoom calls it under its lock.
class SentCids
{
public:
    static constexpr int PerSender = 1000;
    static constexpr int OfflinePerSender = 100;
    static constexpr int OfflineSenders = 1000;

    // The message id the sender's cid was given, if it is remembered.
    std::optional<qint64> find(const QString &identity, const QString &cid) const;
    // An empty cid or identity is not remembered.
    void remember(const QString &identity, const QString &cid, qint64 id);
    // A guest who registered: its window is the account's now.
    void rename(const QString &from, const QString &to);
    // The sender has no connection left; isOnline says whether another sender is online again
    // (its window is then kept whatever its turn).
    void senderLeft(const QString &identity, const std::function<bool(const QString &)> &isOnline);

private:
    struct Window
    {
        QHash<QString, qint64> ids;
        std::deque<QString> order; // oldest first
    };
    static void trim(Window &window, int size);

    QHash<QString, Window> m_windows;
    std::deque<QString> m_offline; // accounts whose windows outlast them, oldest first, once each
};

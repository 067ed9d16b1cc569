#pragma once

#include "messagestore.h"
#include "storepipeline.h"

#include <QFuture>
#include <QObject>
#include <QPromise>
#include <QTimer>

#include <atomic>
#include <memory>
#include <mutex>
#include <type_traits>

// The server's store thread. It takes what the room has queued in batches, commits the messages
// among them in one transaction, answers the batch's reads (welcome replays, history pages) and
// only then lets the room deliver the batch: a burst of chat costs one commit, not one per
// message, nothing reaches a client before it is stored, and no client's thread ever waits for a
// read. It also saves quiz scores.
//
// If a write fails (a full disk), chat goes on: the batch is delivered anyway, the failure is
// logged and announced to everyone, and the unsaved messages are retried until they are stored.
//
// In cluster mode (a Redis URL, and a PostgreSQL database shared by every server) messages take
// their ids as they are committed (MessageStore::writeSequenced), and are delivered only then.
// After each commit it publishes the newest id on Redis; on hearing another server's, it reads
// what it has not delivered from the database, in id order, and hands it to the room
// (deliverStored). Redis only says "there is more": while it is gone the worker asks the
// database every PollInterval instead, and when it is back it catches up at once, so nothing is
// lost or reordered.
class RedisLink;

class StoreWorker : public QObject
{
    Q_OBJECT

public:
    // cluster: empty, or the redis:// URL of the cluster's Redis.
    StoreWorker(StorePipeline &pipeline, Leaderboard &leaderboard, MessageStore::Options options,
        QString cluster = {});
    ~StoreWorker() override;

    // In the store's thread, at start-up and after the last client (ChatServer invokes them
    // blocking; no client is being served then). open() returns an error or nothing; it loads the
    // id sequence, recent cids and the leaderboard, and attaches itself to the pipeline. close()
    // stores what is waiting and closes the database.
    QString open();
    void close();

    // From any thread: saved with the next batch.
    void saveScore(const Leaderboard::Entry &entry);

    // From any thread: runs job(store) on the store thread, where the one SQLite connection
    // lives, and returns its result as a future, for reads and writes that are not chat (the
    // accounts). Take the answer with whenReady(future, context, handler), not with Qt 6.4's
    // QFuture::then(context, ...), which would still call a context that is gone. If the store
    // is closed, or the worker goes first, the future is cancelled instead.
    template<typename Job> auto run(Job job) -> QFuture<std::invoke_result_t<Job, MessageStore &>>;

    // How many messages are waiting to be retried after a failed write.
    static constexpr int MaxUnsaved = 100000;
    // Cluster mode: how often the database is asked for other servers' messages without Redis
    // (or after a failed read), and with it, in case a server died between its commit and
    // telling the others.
    static constexpr std::chrono::milliseconds PollInterval{500};
    static constexpr std::chrono::milliseconds SafetyPollInterval{2000};
    // The Redis channels: the newest id after each commit, each server's people, and the room
    // changes each commit stored.
    static constexpr auto CommittedChannel = "natter:committed";
    static constexpr auto PresenceChannel = "natter:presence";
    static constexpr auto RoomsChannel = "natter:rooms";
    // Cluster mode: a change of who is online is told within this; everyone is told again
    // every PresenceRepeatTicks of it, so a server that starts, or missed one, learns it.
    static constexpr std::chrono::milliseconds PresenceTick{100};
    static constexpr int PresenceRepeatTicks = 10;

private:
    void drain();
    void commit(QList<StoredMessage> messages, QList<Leaderboard::Entry> scores,
        QList<MessageStore::Transfer> transfers, QList<MessageStore::RoomChange> roomChanges);
    void wake();
    // Cluster mode: hands the room every message stored after the last one it was given.
    void catchUp();
    void onClusterMessage(const QString &channel, const QByteArray &payload);
    void pollEvery(std::chrono::milliseconds interval);
    // Tells the room which of a commit's rooms it made, and which another server made first.
    void settleCreations(const QList<MessageStore::RoomChange> &changes);
    // The rooms as the changes that would make them, for a server that missed some.
    static QList<MessageStore::RoomChange> roomsAsChanges(const QList<MessageStore::Room> &rooms);
    void presenceTick();

    StorePipeline &m_pipeline;
    Leaderboard &m_leaderboard;
    const MessageStore::Options m_options;
    std::unique_ptr<MessageStore> m_store;
    std::atomic<bool> m_open = false;
    std::mutex m_scoresMutex;
    QList<Leaderboard::Entry> m_scores; // waiting for the next batch
    QList<StoredMessage> m_unsaved; // a failed write's messages, oldest first
    QList<Leaderboard::Entry> m_unsavedScores;
    QList<MessageStore::Transfer> m_unsavedTransfers;
    QList<MessageStore::RoomChange> m_unsavedRoomChanges;
    QTimer m_retryTimer;
    bool m_failing = false;
    const QString m_cluster;
    std::unique_ptr<RedisLink> m_link; // cluster mode, in the store's thread
    QTimer m_pollTimer; // cluster mode, while Redis is gone
    qint64 m_lastDelivered = 0; // cluster mode: the newest id the room was given
    const QString m_node; // cluster mode: this server's name in presence snapshots
    QTimer m_presenceTimer;
    int m_presenceTicks = 0;
};

template<typename Job>
auto StoreWorker::run(Job job) -> QFuture<std::invoke_result_t<Job, MessageStore &>>
{
    using Result = std::invoke_result_t<Job, MessageStore &>;
    // Shared, because a queued functor must be copyable; a promise dropped unfinished (the
    // worker deleted with the call still queued) cancels its future.
    auto promise = std::make_shared<QPromise<Result>>();
    QFuture<Result> future = promise->future();
    promise->start();
    QMetaObject::invokeMethod(
        this,
        [this, promise, job = std::move(job)]() mutable {
            if (m_store) {
                promise->addResult(job(*m_store));
            } else {
                promise->future().cancel();
            }
            promise->finish();
        },
        Qt::QueuedConnection);
    return future;
}

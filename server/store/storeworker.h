#pragma once

#include "messagestore.h"
#include "retentionsweeper.h"
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
// their ids as they are committed (MessageStore::writeSequenced) and are delivered only then, by
// its ClusterSync, with the other servers' in id order. In cluster mode a failed write holds the
// messages back until they are stored.
class ClusterSync;

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
    // From any thread: the retention policy from now on (at start and on a reload); old
    // messages are deleted in the background, in the store's thread.
    void setRetention(const RetentionSweeper::Policy &policy);

    // From any thread: runs job(store) on the store thread, where the one SQLite connection
    // lives, and returns its result as a future, for reads and writes that are not chat (the
    // accounts). Take the answer with whenReady(future, context, handler), not with Qt 6.4's
    // QFuture::then(context, ...), which would still call a context that is gone. If the store
    // is closed, or the worker goes first, the future is cancelled instead.
    template<typename Job> auto run(Job job) -> QFuture<std::invoke_result_t<Job, MessageStore &>>;

    // How many messages are waiting to be retried after a failed write.
    static constexpr int MaxUnsaved = 100000;

private:
    void drain();
    void commit(QList<StoredMessage> messages, QList<Leaderboard::Entry> scores,
        QList<MessageStore::Transfer> transfers, QList<MessageStore::RoomChange> roomChanges);
    void wake();
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
    std::unique_ptr<ClusterSync> m_sync; // cluster mode, in the store's thread
    RetentionSweeper::Policy m_retention; // store thread
    std::unique_ptr<RetentionSweeper> m_sweeper; // while the store is open, in its thread
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

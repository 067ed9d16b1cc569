#pragma once

#include "messagestore.h"
#include "storepipeline.h"

#include <QObject>
#include <QTimer>

#include <atomic>
#include <memory>
#include <mutex>

// The server's store thread. It takes what the room has queued in batches, commits the messages
// among them in one transaction, answers the batch's reads (welcome replays, history pages) and
// only then lets the room deliver the batch: a burst of chat costs one commit, not one per
// message, nothing reaches a client before it is stored, and no client's thread ever waits for a
// read. It also saves quiz scores.
//
// If a write fails (a full disk), chat goes on: the batch is delivered anyway, the failure is
// logged and announced to everyone, and the unsaved messages are retried until they are stored.
class StoreWorker : public QObject
{
    Q_OBJECT

public:
    StoreWorker(StorePipeline &pipeline, Leaderboard &leaderboard, MessageStore::Options options);
    ~StoreWorker() override;

    // In the store's thread, at start-up and after the last client (ChatServer invokes them
    // blocking; no client is being served then). open() returns an error or nothing; it loads the
    // id sequence, recent cids and the leaderboard, and attaches itself to the pipeline. close()
    // stores what is waiting and closes the database.
    QString open();
    void close();

    // From any thread: saved with the next batch.
    void saveScore(const Leaderboard::Entry &entry);

    // How many messages are waiting to be retried after a failed write.
    static constexpr int MaxUnsaved = 100000;

private:
    void drain();
    void commit(QList<StoredMessage> messages, QList<Leaderboard::Entry> scores);
    void wake();

    StorePipeline &m_pipeline;
    Leaderboard &m_leaderboard;
    const MessageStore::Options m_options;
    std::unique_ptr<MessageStore> m_store;
    std::atomic<bool> m_open = false;
    std::mutex m_scoresMutex;
    QList<Leaderboard::Entry> m_scores; // waiting for the next batch
    QList<StoredMessage> m_unsaved; // a failed write's messages, oldest first
    QList<Leaderboard::Entry> m_unsavedScores;
    QTimer m_retryTimer;
    bool m_failing = false;
};

#pragma once

#include "messagestore.h"
#include "storedmessage.h"

#include <QList>

#include <functional>
#include <optional>

// What the store thread works through: events that must be stored before anyone sees them, and
// reads that must see everything sequenced before them. The room implements it; StoreWorker
// drives it, one batch at a time: take a batch, commit its messages, answer its reads, then
// let the batch be delivered.
class StorePipeline
{
public:
    using Transfer = MessageStore::Transfer;
    using RoomChange = MessageStore::RoomChange;
    struct Batch
    {
        QList<StoredMessage> messages; // to commit, in id order
        QList<Transfer> transfers; // to commit with them, after them
        QList<RoomChange> roomChanges; // likewise
        QList<MessageStore::Query> reads; // to answer after the commit, in order
        // Cluster mode: messages that take their ids as they are stored; they come back through
        // deliverStored(), with everyone else's, in id order.
        QList<StoredMessage> unsequenced;
        qsizetype events = 0; // everything in the batch, stored or not
    };

    // How many recent cids are remembered to recognise a retried send, across restarts too.
    static constexpr int CidWindow = 10000;

    // Continues the id sequence after the store's last id, recognises the cids of recent
    // messages (oldest first) and knows the rooms and their accounts.
    virtual void restore(
        qint64 lastId, const QList<StoredMessage> &withCid, const QList<MessageStore::Room> &rooms)
        = 0;
    // From now on events wait for the store; wake is called (from any thread) each time the
    // queue of waiting events stops being empty. An empty function detaches: events are
    // delivered at once again.
    virtual void attach(std::function<void()> wake) = 0;
    // Moves what is waiting into the batch in flight.
    virtual Batch takeBatch() = 0;
    // Delivers the batch in flight; pages answer its reads, in order (fewer: empty pages).
    virtual void deliverBatch(const QList<MessageStore::Page> &pages) = 0;
    // Cluster mode: messages stored (by this server or another on the same database), in id
    // order, each newer than the last one delivered. They reach their readers after every event
    // queued so far. Returns the private messages among them that waited for an account
    // (undelivered) and reached it here: they wait no more.
    virtual QList<qint64> deliverStored(const QList<StoredMessage> &messages) = 0;
    // Cluster mode, presence: who is online here, as a snapshot for the other servers (nothing
    // if that has not changed since the last one, unless forced); another server's snapshot
    // (this server's own, node, is ignored); and forgetting servers not heard from for a while.
    virtual std::optional<QByteArray> presenceSnapshot(const QString &node, bool force) = 0;
    virtual void applyPresence(const QByteArray &snapshot, const QString &ownNode, qint64 nowMs)
        = 0;
    virtual void expirePresence(qint64 nowMs) = 0;
    // Cluster mode: rooms made, joined, parted, invited to or given a topic on another server.
    virtual void applyRoomChanges(const QList<RoomChange> &changes) = 0;
    // Cluster mode, after a commit: the rooms (keys) its Create changes made, and, as the
    // database has them, those another server had made first under the same name.
    virtual void settleCreations(
        const QStringList &made, const QList<MessageStore::Room> &madeElsewhere)
        = 0;
    // Tells every member something went wrong with storing.
    virtual void announce(const QByteArray &frame) = 0;

protected:
    ~StorePipeline() = default;
};

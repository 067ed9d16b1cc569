#pragma once

#include "messagestore.h"

#include <QObject>
#include <QTimer>

#include <chrono>
#include <memory>

class RedisLink;
class StorePipeline;

// What one of a cluster's servers does, on its store thread, to stay in step with the others.
// The PostgreSQL database they share holds everything and the order of it; Redis only says
// "there is more". After each of this server's commits it publishes the room changes and the
// newest id; on hearing another server's it reads what it has not delivered, in id order, and
// hands it to the room. It publishes who is online here and hears who is online elsewhere.
// While Redis is gone it asks the database every PollInterval instead, and when Redis is back it
// merges the rooms and catches up, so nothing is lost or reordered.
class ClusterSync : public QObject
{
    Q_OBJECT

public:
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
    // A change of who is online is told within this; everyone is told again every
    // PresenceRepeatTicks of it, so a server that starts, or missed one, learns it.
    static constexpr std::chrono::milliseconds PresenceTick{100};
    static constexpr int PresenceRepeatTicks = 10;

    // In the store's thread, with its store; lastDelivered: the newest id the room has.
    ClusterSync(StorePipeline &pipeline, MessageStore &store, const QString &redisHost,
        quint16 redisPort, qint64 lastDelivered);
    ~ClusterSync() override;

    // The newest id the room was given: no id is taken below it.
    qint64 lastDelivered() const { return m_lastDelivered; }
    // After a commit of this server's: numbered are its messages with their ids.
    void committed(const QList<StoredMessage> &numbered, QList<MessageStore::RoomChange> changes);
    // Before the server stops: the others need not wait for it to fall silent.
    void leave();

private:
    // Hands the room every message stored after the last one it was given.
    void catchUp();
    void onMessage(const QString &channel, const QByteArray &payload);
    void presenceTick();
    void pollEvery(std::chrono::milliseconds interval);
    // Tells the room which of a commit's rooms it made, and which another server made first.
    void settleCreations(const QList<MessageStore::RoomChange> &changes);
    // The rooms as the changes that would make them, for a server that missed some.
    static QList<MessageStore::RoomChange> roomsAsChanges(const QList<MessageStore::Room> &rooms);

    StorePipeline &m_pipeline;
    MessageStore &m_store;
    const QString m_node; // this server's name in presence snapshots
    std::unique_ptr<RedisLink> m_link;
    QTimer m_pollTimer;
    QTimer m_presenceTimer;
    int m_presenceTicks = 0;
    qint64 m_lastDelivered = 0;
};

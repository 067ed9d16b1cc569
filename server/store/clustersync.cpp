#include "clustersync.h"

#include "redislink.h"
#include "roomchangecodec.h"
#include "storelog.h"
#include "storepipeline.h"

#include <QDateTime>
#include <QUuid>

using namespace Qt::StringLiterals;

ClusterSync::ClusterSync(StorePipeline &pipeline, MessageStore &store, const QString &redisHost,
    quint16 redisPort, qint64 lastDelivered)
    : m_pipeline(pipeline)
    , m_store(store)
    , m_node(QUuid::createUuid().toString(QUuid::WithoutBraces))
    , m_link(std::make_unique<RedisLink>(redisHost, redisPort,
          QStringList{QString::fromLatin1(CommittedChannel), QString::fromLatin1(PresenceChannel),
              QString::fromLatin1(RoomsChannel)}))
    , m_pollTimer(this)
    , m_presenceTimer(this)
    , m_lastDelivered(lastDelivered)
{
    // Until Redis answers, the database is asked often; then now and again.
    m_pollTimer.setInterval(PollInterval);
    connect(&m_pollTimer, &QTimer::timeout, this, &ClusterSync::catchUp);
    m_pollTimer.start();
    m_presenceTimer.setInterval(PresenceTick);
    connect(&m_presenceTimer, &QTimer::timeout, this, &ClusterSync::presenceTick);
    m_presenceTimer.start();
    connect(m_link.get(), &RedisLink::message, this, &ClusterSync::onMessage);
    connect(m_link.get(), &RedisLink::connected, this, [this] {
        // What changed in the rooms while Redis was gone, then whatever was committed. (Not
        // parts, which a merge cannot tell from a join here not yet stored.)
        m_pipeline.applyRoomChanges(roomsAsChanges(m_store.rooms()));
        catchUp();
        // And the others hear of what this server committed meanwhile.
        m_link->publish(QString::fromLatin1(CommittedChannel), QByteArray::number(m_lastDelivered));
    });
    connect(m_link.get(), &RedisLink::disconnected, this, [this] { pollEvery(PollInterval); });
    m_link->start();
    qCInfo(lcStore).noquote() << u"in a cluster through Redis at %1:%2"_s.arg(redisHost).arg(
        redisPort);
}

ClusterSync::~ClusterSync() = default;

void ClusterSync::committed(
    const QList<StoredMessage> &numbered, QList<MessageStore::RoomChange> changes)
{
    // Room changes before the messages that may need them (one connection keeps Redis's order).
    changes.removeIf([](const MessageStore::RoomChange &change) {
        return change.kind == MessageStore::RoomChange::Kind::Read;
    });
    if (!changes.isEmpty()) {
        m_link->publish(
            QString::fromLatin1(RoomsChannel), RoomChangeCodec::encode(m_node, changes));
    }
    settleCreations(changes);
    if (numbered.isEmpty()) {
        return;
    }
    // Ours first, with whatever came before them (read back only if other servers committed in
    // between); then the others hear of them.
    if (numbered.constFirst().id == m_lastDelivered + 1) {
        m_lastDelivered = numbered.constLast().id;
        if (const QList<qint64> arrived = m_pipeline.deliverStored(numbered); !arrived.isEmpty()) {
            m_store.markDelivered(arrived);
        }
    } else {
        catchUp();
    }
    m_link->publish(QString::fromLatin1(CommittedChannel), QByteArray::number(m_lastDelivered));
}

void ClusterSync::leave()
{
    m_pollTimer.stop();
    m_presenceTimer.stop();
    if (m_link->isConnected()) {
        // Nobody is here any more.
        if (const auto snapshot = m_pipeline.presenceSnapshot(m_node, true)) {
            m_link->publish(QString::fromLatin1(PresenceChannel), *snapshot);
            m_link->flush();
        }
    }
}

void ClusterSync::onMessage(const QString &channel, const QByteArray &payload)
{
    if (channel == QLatin1StringView(PresenceChannel)) {
        m_pipeline.applyPresence(payload, m_node, QDateTime::currentMSecsSinceEpoch());
    } else if (channel == QLatin1StringView(RoomsChannel)) {
        QString node;
        QList<MessageStore::RoomChange> changes;
        if (RoomChangeCodec::decode(payload, &node, &changes) && node != m_node) {
            m_pipeline.applyRoomChanges(changes);
        }
    } else {
        catchUp();
    }
}

void ClusterSync::presenceTick()
{
    const bool repeat = ++m_presenceTicks % PresenceRepeatTicks == 0;
    if (repeat) {
        m_pipeline.expirePresence(QDateTime::currentMSecsSinceEpoch());
    }
    if (m_link->isConnected()) {
        if (const auto snapshot = m_pipeline.presenceSnapshot(m_node, repeat)) {
            m_link->publish(QString::fromLatin1(PresenceChannel), *snapshot);
        }
    }
}

void ClusterSync::settleCreations(const QList<MessageStore::RoomChange> &changes)
{
    QStringList made;
    for (const MessageStore::RoomChange &change : changes) {
        if (change.kind == MessageStore::RoomChange::Kind::Create) {
            made.append(change.room);
        }
    }
    if (made.isEmpty()) {
        return;
    }
    const QStringList lost = m_store.lostCreations();
    QList<MessageStore::Room> madeElsewhere;
    if (!lost.isEmpty()) {
        for (const MessageStore::Room &room : m_store.rooms()) {
            if (lost.contains(room.name.toLower())) {
                madeElsewhere.append(room);
            }
        }
        qCInfo(lcStore) << "rooms made by another server first:" << lost;
    }
    m_pipeline.settleCreations(made, madeElsewhere);
}

QList<MessageStore::RoomChange> ClusterSync::roomsAsChanges(const QList<MessageStore::Room> &rooms)
{
    using RoomChange = MessageStore::RoomChange;
    QList<RoomChange> changes;
    for (const MessageStore::Room &room : rooms) {
        const QString key = room.name.toLower(); // RoomDirectory's key
        changes.append(RoomChange::created(key, room.name, room.topic, room.isPrivate, room.owner));
        changes.append(RoomChange::newTopic(key, room.topic, {}));
        for (const QString &identity : room.members) {
            changes.append(RoomChange::of(RoomChange::Kind::Join, key, identity));
        }
        for (const QString &identity : room.invited) {
            changes.append(RoomChange::of(RoomChange::Kind::Invite, key, identity));
        }
    }
    return changes;
}

void ClusterSync::pollEvery(std::chrono::milliseconds interval)
{
    if (m_pollTimer.intervalAsDuration() != interval) {
        m_pollTimer.setInterval(interval);
    }
}

void ClusterSync::catchUp()
{
    constexpr int Page = 1000;
    for (;;) {
        const auto messages = m_store.ensureConnected()
            ? m_store.messagesAfter(m_lastDelivered, Page)
            : std::nullopt;
        if (!messages) {
            pollEvery(PollInterval); // soon again
            return;
        }
        pollEvery(m_link->isConnected() ? SafetyPollInterval : PollInterval);
        if (messages->isEmpty()) {
            return;
        }
        m_lastDelivered = messages->constLast().id;
        const QList<qint64> arrived = m_pipeline.deliverStored(*messages);
        if (!arrived.isEmpty() && !m_store.markDelivered(arrived)) {
            qCWarning(lcStore).noquote() << "cannot mark" << arrived.size()
                                         << "private messages delivered:" << m_store.lastError();
        }
        if (messages->size() < Page) {
            return;
        }
    }
}

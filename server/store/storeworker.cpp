#include "storeworker.h"

#include "framecodec.h"
#include "frames.h"
#include "redislink.h"
#include "roomchangecodec.h"
#include "sqlbackend.h"
#include "storelog.h"

#include <QDateTime>
#include <QUrl>
#include <QUuid>

using namespace Qt::StringLiterals;

namespace {

constexpr std::chrono::seconds RetryInterval{5};

} // namespace

StoreWorker::StoreWorker(StorePipeline &pipeline, Leaderboard &leaderboard,
    MessageStore::Options options, QString cluster)
    : m_pipeline(pipeline)
    , m_leaderboard(leaderboard)
    , m_options(std::move(options))
    , m_retryTimer(this)
    , m_cluster(std::move(cluster))
    , m_pollTimer(this)
    , m_node(QUuid::createUuid().toString(QUuid::WithoutBraces))
    , m_presenceTimer(this)
{
    m_retryTimer.setSingleShot(true);
    m_retryTimer.setInterval(RetryInterval);
    connect(&m_retryTimer, &QTimer::timeout, this, &StoreWorker::drain);
    m_pollTimer.setInterval(PollInterval);
    connect(&m_pollTimer, &QTimer::timeout, this, &StoreWorker::catchUp);
    m_presenceTimer.setInterval(PresenceTick);
    connect(&m_presenceTimer, &QTimer::timeout, this, &StoreWorker::presenceTick);
}

StoreWorker::~StoreWorker() = default;

QString StoreWorker::open()
{
    auto opened = MessageStore::open(m_options);
    if (auto *error = std::get_if<QString>(&opened)) {
        return *error;
    }
    m_store = std::move(std::get<std::unique_ptr<MessageStore>>(opened));
    QString redisHost;
    quint16 redisPort = 0;
    if (!m_cluster.isEmpty()) {
        if (!m_store->isPostgres()) {
            m_store.reset();
            return u"--cluster needs the PostgreSQL database every server of the cluster shares "
                   "(--db postgresql://...), not an SQLite file"_s;
        }
        if (!RedisLink::parseUrl(m_cluster, &redisHost, &redisPort)) {
            m_store.reset();
            return u"--cluster needs a Redis URL like redis://host:6379 (without a password), "
                   "not %1"_s.arg(QUrl(m_cluster).toString(QUrl::RemoveUserInfo));
        }
    }
    const qint64 lastId = m_store->lastId();
    m_lastDelivered = lastId;
    m_pipeline.restore(lastId, m_store->recentWithCid(StorePipeline::CidWindow), m_store->rooms());
    const QList<Leaderboard::Entry> scores = m_store->scores();
    for (const Leaderboard::Entry &entry : scores) {
        m_leaderboard.record(entry);
    }
    m_pipeline.attach([this] { wake(); });
    m_open = true;
    qCInfo(lcStore).noquote() << "history in" << SqlBackend::displayName(m_options.location)
                              << "- last id" << lastId << "-" << scores.size()
                              << "leaderboard entries";
    if (!m_cluster.isEmpty()) {
        // Until Redis answers, the database is asked often; then now and again.
        m_pollTimer.setInterval(PollInterval);
        m_pollTimer.start();
        m_link = std::make_unique<RedisLink>(redisHost, redisPort,
            QStringList{QString::fromLatin1(CommittedChannel), QString::fromLatin1(PresenceChannel),
                QString::fromLatin1(RoomsChannel)});
        connect(m_link.get(), &RedisLink::message, this, &StoreWorker::onClusterMessage);
        m_presenceTimer.start();
        connect(m_link.get(), &RedisLink::connected, this, [this] {
            // What changed in the rooms while Redis was gone, then whatever was committed. (Not
            // parts, which a merge cannot tell from a join here not yet stored.)
            m_pipeline.applyRoomChanges(roomsAsChanges(m_store->rooms()));
            catchUp();
            // And the others hear of what this server committed meanwhile.
            m_link->publish(
                QString::fromLatin1(CommittedChannel), QByteArray::number(m_lastDelivered));
        });
        connect(m_link.get(), &RedisLink::disconnected, this, [this] { pollEvery(PollInterval); });
        m_link->start();
        qCInfo(lcStore).noquote() << u"in a cluster through Redis at %1:%2"_s.arg(redisHost).arg(
            redisPort);
    }
    return {};
}

void StoreWorker::onClusterMessage(const QString &channel, const QByteArray &payload)
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

void StoreWorker::presenceTick()
{
    const bool repeat = ++m_presenceTicks % PresenceRepeatTicks == 0;
    if (repeat) {
        m_pipeline.expirePresence(QDateTime::currentMSecsSinceEpoch());
    }
    if (m_link && m_link->isConnected()) {
        if (const auto snapshot = m_pipeline.presenceSnapshot(m_node, repeat)) {
            m_link->publish(QString::fromLatin1(PresenceChannel), *snapshot);
        }
    }
}

void StoreWorker::settleCreations(const QList<MessageStore::RoomChange> &changes)
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
    const QStringList lost = m_store->lostCreations();
    QList<MessageStore::Room> madeElsewhere;
    if (!lost.isEmpty()) {
        for (const MessageStore::Room &room : m_store->rooms()) {
            if (lost.contains(room.name.toLower())) {
                madeElsewhere.append(room);
            }
        }
        qCInfo(lcStore) << "rooms made by another server first:" << lost;
    }
    m_pipeline.settleCreations(made, madeElsewhere);
}

QList<MessageStore::RoomChange> StoreWorker::roomsAsChanges(const QList<MessageStore::Room> &rooms)
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

void StoreWorker::pollEvery(std::chrono::milliseconds interval)
{
    if (m_pollTimer.intervalAsDuration() != interval) {
        m_pollTimer.setInterval(interval);
    }
}

void StoreWorker::catchUp()
{
    if (!m_store || !m_link) {
        return;
    }
    constexpr int Page = 1000;
    for (;;) {
        const auto messages = m_store->ensureConnected()
            ? m_store->messagesAfter(m_lastDelivered, Page)
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
        if (!arrived.isEmpty() && !m_store->markDelivered(arrived)) {
            qCWarning(lcStore).noquote() << "cannot mark" << arrived.size()
                                         << "private messages delivered:" << m_store->lastError();
        }
        if (messages->size() < Page) {
            return;
        }
    }
}

void StoreWorker::close()
{
    drain();
    m_retryTimer.stop(); // a failed last write restarts it; the timer must not outlive the thread
    m_pollTimer.stop();
    m_presenceTimer.stop();
    if (m_link && m_link->isConnected()) {
        // Nobody is here any more: the others need not wait for this server to fall silent.
        if (const auto snapshot = m_pipeline.presenceSnapshot(m_node, true)) {
            m_link->publish(QString::fromLatin1(PresenceChannel), *snapshot);
            m_link->flush();
        }
    }
    m_link.reset();
    m_open = false;
    m_pipeline.attach({});
    m_pipeline.takeBatch();
    m_pipeline.deliverBatch({});
    if (!m_unsaved.isEmpty()) {
        qCCritical(lcStore) << m_unsaved.size()
                            << "messages could not be stored:" << m_store->lastError();
    }
    m_store.reset();
}

void StoreWorker::wake()
{
    QMetaObject::invokeMethod(this, &StoreWorker::drain, Qt::QueuedConnection);
}

void StoreWorker::saveScore(const Leaderboard::Entry &entry)
{
    std::unique_lock locker(m_scoresMutex);
    m_scores.append(entry);
    if (m_scores.size() == 1) {
        wake();
    }
}

void StoreWorker::drain()
{
    for (;;) {
        const StorePipeline::Batch batch = m_pipeline.takeBatch();
        QList<Leaderboard::Entry> scores;
        {
            std::unique_lock locker(m_scoresMutex);
            scores = std::exchange(m_scores, {});
        }
        const bool retry = (!m_unsaved.isEmpty() || !m_unsavedScores.isEmpty()
                               || !m_unsavedTransfers.isEmpty() || !m_unsavedRoomChanges.isEmpty())
            && !m_retryTimer.isActive();
        if (batch.events == 0 && scores.isEmpty() && !retry) {
            return;
        }
        commit(std::exchange(m_unsaved, {}) + batch.messages + batch.unsequenced,
            std::exchange(m_unsavedScores, {}) + scores,
            std::exchange(m_unsavedTransfers, {}) + batch.transfers,
            std::exchange(m_unsavedRoomChanges, {}) + batch.roomChanges);
        // After the commit, so each read sees every message sequenced before it.
        QList<MessageStore::Page> pages;
        pages.reserve(batch.reads.size());
        for (const MessageStore::Query &query : batch.reads) {
            pages.append(m_store ? m_store->read(query) : MessageStore::Page{});
        }
        m_pipeline.deliverBatch(pages);
    }
}

void StoreWorker::commit(QList<StoredMessage> messages, QList<Leaderboard::Entry> scores,
    QList<MessageStore::Transfer> transfers, QList<MessageStore::RoomChange> roomChanges)
{
    if (!m_store
        || (messages.isEmpty() && scores.isEmpty() && transfers.isEmpty()
            && roomChanges.isEmpty())) {
        return;
    }
    const bool sequenced = !m_cluster.isEmpty();
    std::optional<QList<StoredMessage>> numbered;
    bool written = false;
    if (m_store->ensureConnected()) {
        if (sequenced) {
            numbered = m_store->writeSequenced(
                messages, scores, transfers, roomChanges, m_lastDelivered);
            written = numbered.has_value();
        } else {
            written = m_store->write(messages, scores, transfers, roomChanges);
        }
    }
    if (written) {
        if (m_link) {
            // Before the messages that may need them (one connection keeps Redis's order).
            roomChanges.removeIf([](const MessageStore::RoomChange &change) {
                return change.kind == MessageStore::RoomChange::Kind::Read;
            });
            if (!roomChanges.isEmpty()) {
                m_link->publish(QString::fromLatin1(RoomsChannel),
                    RoomChangeCodec::encode(m_node, roomChanges));
            }
        }
        if (sequenced) {
            settleCreations(roomChanges);
        }
        if (sequenced && !messages.isEmpty()) {
            // Ours first, with whatever came before them (read back only if other servers
            // committed in between); then the others hear of them.
            if (numbered->constFirst().id == m_lastDelivered + 1) {
                m_lastDelivered = numbered->constLast().id;
                if (const QList<qint64> arrived = m_pipeline.deliverStored(*numbered);
                    !arrived.isEmpty()) {
                    m_store->markDelivered(arrived);
                }
            } else {
                catchUp();
            }
            if (m_link) {
                m_link->publish(
                    QString::fromLatin1(CommittedChannel), QByteArray::number(m_lastDelivered));
            }
        }
        if (m_failing) {
            m_failing = false;
            qCWarning(lcStore) << "storing messages again; the" << messages.size()
                               << "that were waiting are stored";
        }
        return;
    }
    if (!m_failing) {
        m_failing = true;
        qCCritical(lcStore).noquote()
            << "cannot store messages in" << SqlBackend::displayName(m_options.location) << ":"
            << m_store->lastError()
            << (sequenced ? "- messages wait, and storing is retried every"
                          : "- chat goes on, and storing is retried every")
            << RetryInterval.count() << "s";
        // In a cluster a message has no id until it is stored, so it waits.
        m_pipeline.announce(FrameCodec::encode(Frames::error(Protocol::ErrorCode::StorageFailed,
            (sequenced ? u"the server cannot save messages right now (%1); they are sent once "
                         "it can"_s
                       : u"the server cannot save messages right now (%1); chat goes on, but "
                         "history will miss them until it can"_s)
                .arg(m_store->lastError()))));
    }
    if (messages.size() > MaxUnsaved) {
        qCCritical(lcStore) << "dropping" << messages.size() - MaxUnsaved
                            << "unsaved messages to bound memory";
        messages.remove(0, messages.size() - MaxUnsaved);
    }
    m_unsaved = std::move(messages);
    m_unsavedScores = std::move(scores);
    m_unsavedTransfers = std::move(transfers);
    if (roomChanges.size() > MaxUnsaved) {
        qCCritical(lcStore) << "dropping" << roomChanges.size() - MaxUnsaved
                            << "unsaved room changes to bound memory";
        roomChanges.remove(0, roomChanges.size() - MaxUnsaved);
    }
    m_unsavedRoomChanges = std::move(roomChanges);
    m_retryTimer.start();
}

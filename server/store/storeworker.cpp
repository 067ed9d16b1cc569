#include "storeworker.h"

#include "clustersync.h"
#include "framecodec.h"
#include "frames.h"
#include "metrics.h"
#include "redislink.h"
#include "sqlbackend.h"
#include "storelog.h"

#include <QElapsedTimer>
#include <QScopeGuard>
#include <QUrl>

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
{
    m_retryTimer.setSingleShot(true);
    m_retryTimer.setInterval(RetryInterval);
    connect(&m_retryTimer, &QTimer::timeout, this, &StoreWorker::drain);
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
    // Ids continue from here: one read as 0 from a damaged file would hand them out again.
    const std::optional<qint64> last = m_store->lastId();
    if (!last) {
        const QString error = u"cannot read the last message id from %1: %2"_s.arg(
            SqlBackend::displayName(m_options.location), m_store->lastError());
        m_store.reset();
        return error;
    }
    const qint64 issued = m_store->issuedIdFloor();
    if (issued > *last) {
        qCCritical(lcStore).noquote()
            << u"the database %1 ends at message %2, but messages up to %3 were stored and "
               "handed out: they are lost (a damaged -wal file after a crash?). New messages "
               "begin at %4, so that no id is given twice. %5"_s
                   .arg(SqlBackend::displayName(m_options.location))
                   .arg(*last)
                   .arg(issued)
                   .arg(issued + 1)
                   .arg(u"To get them back, restore a backup made with natter-server --backup."_s);
    }
    const qint64 lastId = std::max(*last, issued);
    m_pipeline.restore(lastId, m_store->recentWithCid(StorePipeline::CidWindow), m_store->rooms());
    const QList<Leaderboard::Entry> scores = m_store->scores();
    for (const Leaderboard::Entry &entry : scores) {
        m_leaderboard.record(entry);
    }
    m_pipeline.attach([this] { wake(); });
    m_open = true;
    m_sweeper = std::make_unique<RetentionSweeper>(*m_store);
    m_sweeper->setPolicy(m_retention);
    qCInfo(lcStore).noquote() << "history in" << SqlBackend::displayName(m_options.location)
                              << "- last id" << lastId << "-" << scores.size()
                              << "leaderboard entries";
    if (!m_cluster.isEmpty()) {
        m_sync = std::make_unique<ClusterSync>(m_pipeline, *m_store, redisHost, redisPort, lastId);
    }
    return {};
}

void StoreWorker::close()
{
    drain();
    m_retryTimer.stop(); // a failed last write restarts it; the timer must not outlive the thread
    m_sweeper.reset();
    if (m_sync) {
        m_sync->leave();
        m_sync.reset();
    }
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

void StoreWorker::setRetention(const RetentionSweeper::Policy &policy)
{
    QMetaObject::invokeMethod(
        this,
        [this, policy] {
            m_retention = policy;
            if (m_sweeper) {
                m_sweeper->setPolicy(policy);
            }
        },
        Qt::QueuedConnection);
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
            QElapsedTimer timer;
            timer.start();
            pages.append(m_store ? m_store->read(query) : MessageStore::Page{});
            Metrics::instance().historyQuery().observe(timer.nsecsElapsed() / 1e9);
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
    const bool sequenced = m_sync != nullptr;
    std::optional<QList<StoredMessage>> numbered;
    bool written = false;
    QElapsedTimer timer;
    timer.start();
    const auto observe = qScopeGuard(
        [&timer] { Metrics::instance().storeCommit().observe(timer.nsecsElapsed() / 1e9); });
    if (m_store->ensureConnected()) {
        if (sequenced) {
            numbered = m_store->writeSequenced(
                messages, scores, transfers, roomChanges, m_sync->lastDelivered());
            written = numbered.has_value();
        } else {
            written = m_store->write(messages, scores, transfers, roomChanges);
        }
    }
    if (written) {
        if (sequenced) {
            m_sync->committed(*numbered, roomChanges);
        }
        if (m_sweeper) {
            m_sweeper->stored(messages.size());
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

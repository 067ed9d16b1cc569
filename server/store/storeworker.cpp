#include "storeworker.h"

#include "chatroom.h"
#include "framecodec.h"
#include "frames.h"
#include "serverlog.h"

using namespace Qt::StringLiterals;

namespace {

constexpr std::chrono::seconds RetryInterval{5};

} // namespace

StoreWorker::StoreWorker(ChatRoom &room, Leaderboard &leaderboard, MessageStore::Options options)
    : m_room(room)
    , m_leaderboard(leaderboard)
    , m_options(std::move(options))
    , m_retryTimer(this)
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
    const qint64 lastId = m_store->lastId();
    m_room.restore(lastId, m_store->recentWithCid(ChatRoom::CidWindow));
    const QList<Leaderboard::Entry> scores = m_store->scores();
    for (const Leaderboard::Entry &entry : scores) {
        m_leaderboard.record(entry);
    }
    m_room.setPipeline([this] { wake(); });
    m_open = true;
    qCInfo(lcServer).noquote() << "history in" << m_options.path << "- last id" << lastId << "-"
                               << scores.size() << "leaderboard entries";
    return {};
}

void StoreWorker::close()
{
    drain();
    m_retryTimer.stop(); // a failed last write restarts it; the timer must not outlive the thread
    m_open = false;
    m_room.setPipeline({});
    m_room.deliver(m_room.takePending());
    if (!m_unsaved.isEmpty()) {
        qCCritical(lcServer) << m_unsaved.size()
                             << "messages could not be stored:" << m_store->lastError();
    }
    m_store.reset();
}

void StoreWorker::wake()
{
    QMetaObject::invokeMethod(this, &StoreWorker::drain, Qt::QueuedConnection);
}

MessageStore::Page StoreWorker::history(const MessageStore::Query &query)
{
    MessageStore::Page page;
    if (!m_open) {
        return page;
    }
    // Draining first makes the read see every id handed out before the call.
    QMetaObject::invokeMethod(
        this,
        [this, &query] {
            drain();
            return m_store ? m_store->history(query) : MessageStore::Page{};
        },
        Qt::BlockingQueuedConnection, &page);
    return page;
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
        const QList<RoomEvent> events = m_room.takePending();
        QList<Leaderboard::Entry> scores;
        {
            std::unique_lock locker(m_scoresMutex);
            scores = std::exchange(m_scores, {});
        }
        const bool retry
            = (!m_unsaved.isEmpty() || !m_unsavedScores.isEmpty()) && !m_retryTimer.isActive();
        if (events.isEmpty() && scores.isEmpty() && !retry) {
            return;
        }
        QList<StoredMessage> messages = std::exchange(m_unsaved, {});
        scores = std::exchange(m_unsavedScores, {}) + scores;
        for (const RoomEvent &event : events) {
            if (event.message) {
                messages.append(*event.message);
            }
        }
        commit(std::move(messages), std::move(scores));
        m_room.deliver(events);
    }
}

void StoreWorker::commit(QList<StoredMessage> messages, QList<Leaderboard::Entry> scores)
{
    if (!m_store || (messages.isEmpty() && scores.isEmpty())) {
        return;
    }
    if (m_store->write(messages, scores)) {
        if (m_failing) {
            m_failing = false;
            qCWarning(lcServer) << "storing messages again; the" << messages.size()
                                << "that were waiting are stored";
        }
        return;
    }
    if (!m_failing) {
        m_failing = true;
        qCCritical(lcServer).noquote()
            << "cannot store messages in" << m_options.path << ":" << m_store->lastError()
            << "- chat goes on, and storing is retried every" << RetryInterval.count() << "s";
        m_room.announce(FrameCodec::encode(Frames::error(Protocol::ErrorCode::StorageFailed,
            u"the server cannot save messages right now (%1); chat goes on, but history "
            "will miss them until it can"_s.arg(m_store->lastError()))));
    }
    if (messages.size() > MaxUnsaved) {
        qCCritical(lcServer) << "dropping" << messages.size() - MaxUnsaved
                             << "unsaved messages to bound memory";
        messages.remove(0, messages.size() - MaxUnsaved);
    }
    m_unsaved = std::move(messages);
    m_unsavedScores = std::move(scores);
    m_retryTimer.start();
}

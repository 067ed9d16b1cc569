#include "chatroom.h"

#include "framecodec.h"
#include "frames.h"
#include "outbox.h"

#include <QJsonArray>

#include <algorithm>

using Protocol::ErrorCode;
using namespace Qt::StringLiterals;

namespace {

QString cidKey(const QString &from, const QString &cid)
{
    return from.toCaseFolded() + u'\n' + cid; // a newline is in neither a name nor a cid
}

} // namespace

ChatRoom::ChatRoom(QString motd, int presenceLimit)
    : m_motd(std::move(motd))
    , m_presenceLimit(presenceLimit)
{
}

ChatRoom::Joined ChatRoom::join(const QString &name, Outbox *outbox, std::optional<qint64> since)
{
    std::unique_lock locker(m_mutex);
    if (m_closed) {
        return {ErrorCode::ShuttingDown, {}, 0, 0, {}};
    }
    const QString k = key(name);
    if (m_members.contains(k)) {
        return {ErrorCode::NameTaken, {}, 0, 0, {}};
    }
    // The newcomer's own joined is the last event it does not receive.
    if (m_members.size() < m_presenceLimit) {
        queueLocked({0, {FrameCodec::encode(Frames::joined(name, Protocol::timestampNow()))}, 0, {},
            {}, {}, {}});
    }
    const Member member{name, outbox, ++m_lastMember, m_lastSeq};
    m_members.insert(k, member);
    m_memberKeys.insert(member.id, k);
    QString motd = m_motd;
    motd.replace("{name}"_L1, name);
    const Joined joined{ErrorCode::None, usersLocked(), int(m_members.size()), m_lastId, motd};

    Read welcome{Read::Kind::Welcome, {},
        Frames::welcome(name, joined.users, joined.userCount, motd, joined.lastId), since};
    if (since && *since < m_lastId) {
        welcome.query = MessageStore::Query{name, *since, m_lastId + 1, Protocol::MaxReplay, true};
    }
    queueLocked({0, {}, member.id, {}, {}, {}, welcome});
    return joined;
}

void ChatRoom::leave(const QString &name, const QString &reason)
{
    std::unique_lock locker(m_mutex);
    const auto member = m_members.constFind(key(name));
    if (member == m_members.constEnd()) {
        return;
    }
    m_memberKeys.remove(member->id);
    m_members.erase(member);
    if (m_closed || m_members.size() >= m_presenceLimit) {
        return;
    }
    queueLocked({0, {FrameCodec::encode(Frames::left(name, reason, Protocol::timestampNow()))}, 0,
        {}, {}, {}, {}});
}

ChatRoom::Posted ChatRoom::say(const QString &from, const QString &text, const QString &cid)
{
    std::unique_lock locker(m_mutex);
    return postLocked({m_lastId + 1, from, {}, text, QDateTime::currentMSecsSinceEpoch(), cid}, {});
}

ChatRoom::Posted ChatRoom::sendPrivate(
    const QString &from, const QString &to, const QString &text, const QString &cid)
{
    std::unique_lock locker(m_mutex);
    return postLocked({m_lastId + 1, from, {}, text, QDateTime::currentMSecsSinceEpoch(), cid}, to);
}

ChatRoom::Posted ChatRoom::postLocked(StoredMessage message, const QString &to)
{
    if (m_closed) {
        return {ErrorCode::ShuttingDown, 0, false};
    }
    if (!m_members.contains(key(message.from))) {
        return {ErrorCode::NotRegistered, 0, false}; // it has left: nothing more in its name
    }
    if (const auto id = findCidLocked(message.from, message.cid)) {
        // A retry of something already posted: the sender gets the stored copy again (clients
        // drop an id they already have), and nobody else hears of it.
        queueForLocked(message.from,
            {0, {}, 0, {}, {}, {},
                Read{Read::Kind::Resend,
                    MessageStore::Query{message.from, *id - 1, *id + 1, 1, false}, {}, {}}});
        return {ErrorCode::None, *id, true};
    }
    Event event;
    if (!to.isEmpty()) {
        const auto recipient = m_members.constFind(key(to));
        if (recipient == m_members.constEnd()) {
            return {ErrorCode::NoSuchUser, 0, false};
        }
        message.to = recipient->name;
        event.to = key(to);
        event.alsoTo = key(message.from);
    }
    m_lastId = message.id;
    rememberCidLocked(message.from, message.cid, message.id);
    event.frames = {FrameCodec::encode(message.toFrame())};
    event.message = message;
    queueLocked(std::move(event));
    return {ErrorCode::None, message.id, false};
}

void ChatRoom::sendUsers(const QString &name)
{
    std::unique_lock locker(m_mutex);
    queueForLocked(name,
        {0, {FrameCodec::encode(Frames::users(usersLocked(), m_members.size()))}, 0, {}, {}, {},
            {}});
}

void ChatRoom::sendHistory(const QString &name, const MessageStore::Query &query)
{
    std::unique_lock locker(m_mutex);
    // The store answers after committing the whole batch, later messages included; the page
    // must hold only what came before the request, as the live traffic brings the rest.
    MessageStore::Query bounded = query;
    bounded.before = std::min(bounded.before, m_lastId + 1);
    queueForLocked(name, {0, {}, 0, {}, {}, {}, Read{Read::Kind::History, bounded, {}, {}}});
}

void ChatRoom::sendAfterQueued(const QString &name, const QByteArray &frame)
{
    std::unique_lock locker(m_mutex);
    queueForLocked(name, {0, {frame}, 0, {}, {}, {}, {}});
}

void ChatRoom::queueForLocked(const QString &name, Event event)
{
    const auto member = m_members.constFind(key(name));
    if (member == m_members.constEnd()) {
        return;
    }
    event.toMember = member->id;
    queueLocked(std::move(event));
}

void ChatRoom::announce(const QByteArray &frame)
{
    std::unique_lock locker(m_mutex);
    queueLocked({0, {frame}, 0, {}, {}, {}, {}});
}

QStringList ChatRoom::users() const
{
    std::unique_lock locker(m_mutex);
    return usersLocked();
}

int ChatRoom::userCount() const
{
    std::unique_lock locker(m_mutex);
    return int(m_members.size());
}

qint64 ChatRoom::lastId() const
{
    std::unique_lock locker(m_mutex);
    return m_lastId;
}

void ChatRoom::close()
{
    std::unique_lock locker(m_mutex);
    m_closed = true;
}

void ChatRoom::restore(qint64 lastId, const QList<StoredMessage> &withCid)
{
    std::unique_lock locker(m_mutex);
    m_lastId = std::max(m_lastId, lastId);
    for (const StoredMessage &message : withCid) {
        rememberCidLocked(message.from, message.cid, message.id);
    }
}

void ChatRoom::attach(std::function<void()> wake)
{
    std::unique_lock locker(m_mutex);
    m_wake = std::move(wake);
}

StorePipeline::Batch ChatRoom::takeBatch()
{
    {
        std::unique_lock locker(m_mutex);
        m_inFlight += std::exchange(m_pending, {});
    }
    // Only the store thread touches the batch in flight.
    Batch batch;
    batch.events = m_inFlight.size();
    for (const Event &event : std::as_const(m_inFlight)) {
        if (event.message) {
            batch.messages.append(*event.message);
        }
        if (event.read && event.read->query) {
            batch.reads.append(*event.read->query);
        }
    }
    return batch;
}

void ChatRoom::deliverBatch(const QList<MessageStore::Page> &pages)
{
    // Replies are encoded before taking the lock: a page can be large.
    QList<Event> events = std::exchange(m_inFlight, {});
    qsizetype nextPage = 0;
    for (Event &event : events) {
        if (event.read) {
            const bool hasPage = event.read->query.has_value();
            const MessageStore::Page page
                = hasPage && nextPage < pages.size() ? pages.at(nextPage) : MessageStore::Page{};
            nextPage += hasPage ? 1 : 0;
            event.frames = answer(*event.read, page);
        }
    }
    std::unique_lock locker(m_mutex);
    for (const Event &event : std::as_const(events)) {
        deliverLocked(event);
    }
}

QList<QByteArray> ChatRoom::answer(const Read &read, const MessageStore::Page &page)
{
    QList<QByteArray> frames;
    switch (read.kind) {
    case Read::Kind::Welcome: {
        QJsonObject welcome = read.welcome;
        if (read.since && page.more) {
            // Too much to replay: the newest part follows, and the client can page the rest.
            welcome = Frames::withReplay(
                welcome, page.messages.size(), *read.since, page.messages.first().id);
        } else if (read.since) {
            welcome = Frames::withReplay(welcome, page.messages.size());
        }
        frames.append(FrameCodec::encode(welcome));
        for (const StoredMessage &message : page.messages) {
            frames.append(FrameCodec::encode(message.toFrame()));
        }
        break;
    }
    case Read::Kind::History: {
        QJsonArray messages;
        for (const StoredMessage &message : page.messages) {
            messages.append(message.toFrame());
        }
        frames.append(FrameCodec::encode(Frames::history(messages, page.more)));
        break;
    }
    case Read::Kind::Resend:
        for (const StoredMessage &message : page.messages) {
            frames.append(FrameCodec::encode(message.toFrame()));
        }
        break;
    }
    return frames;
}

QStringList ChatRoom::usersLocked() const
{
    QStringList names;
    names.reserve(std::min<qsizetype>(m_members.size(), m_presenceLimit));
    for (const Member &member : m_members) {
        if (names.size() == m_presenceLimit) {
            break;
        }
        names.append(member.name);
    }
    return names;
}

std::optional<qint64> ChatRoom::findCidLocked(const QString &from, const QString &cid) const
{
    if (cid.isEmpty()) {
        return std::nullopt;
    }
    const auto found = m_cids.constFind(cidKey(from, cid));
    return found == m_cids.constEnd() ? std::nullopt : std::optional(*found);
}

void ChatRoom::rememberCidLocked(const QString &from, const QString &cid, qint64 id)
{
    if (cid.isEmpty()) {
        return;
    }
    const QString k = cidKey(from, cid);
    m_cids.insert(k, id);
    m_cidOrder.push_back(k);
    if (m_cidOrder.size() > std::size_t(CidWindow)) {
        m_cids.remove(m_cidOrder.front());
        m_cidOrder.pop_front();
    }
}

void ChatRoom::queueLocked(Event event)
{
    event.seq = ++m_lastSeq;
    if (!m_wake) {
        if (event.read) {
            event.frames = answer(*event.read, {});
        }
        deliverLocked(event);
        return;
    }
    m_pending.append(std::move(event));
    if (m_pending.size() == 1) {
        m_wake();
    }
}

void ChatRoom::deliverLocked(const Event &event)
{
    const auto push = [&event](const Member &member) {
        if (member.joinSeq < event.seq) {
            for (const QByteArray &frame : event.frames) {
                member.outbox->push(frame);
            }
        }
    };
    if (event.toMember != 0) {
        const auto k = m_memberKeys.constFind(event.toMember);
        if (k != m_memberKeys.constEnd()) {
            push(m_members.value(*k));
        }
        return;
    }
    if (event.to.isEmpty()) {
        for (const Member &member : std::as_const(m_members)) {
            push(member);
        }
        return;
    }
    const auto pushTo = [&](const QString &k) {
        const auto member = m_members.constFind(k);
        if (member != m_members.constEnd()) {
            push(*member);
        }
    };
    pushTo(event.to);
    if (!event.alsoTo.isEmpty() && event.alsoTo != event.to) {
        pushTo(event.alsoTo);
    }
}

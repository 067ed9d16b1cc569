#include "chatroom.h"

#include "framecodec.h"
#include "frames.h"
#include "outbox.h"

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

void ChatRoom::setPipeline(std::function<void()> wake)
{
    std::unique_lock locker(m_mutex);
    m_wake = std::move(wake);
}

void ChatRoom::restore(qint64 lastId, const QList<StoredMessage> &withCid)
{
    std::unique_lock locker(m_mutex);
    m_lastId = std::max(m_lastId, lastId);
    for (const StoredMessage &message : withCid) {
        rememberCidLocked(message.from, message.cid, message.id);
    }
}

ChatRoom::Joined ChatRoom::join(const QString &name, Outbox *outbox)
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
    const qint64 seq = m_members.size() < m_presenceLimit
        ? queueLocked(
            {0, FrameCodec::encode(Frames::joined(name, Protocol::timestampNow())), {}, {}, {}})
        : m_lastSeq;
    m_members.insert(k, {name, outbox, seq});
    QString motd = m_motd;
    motd.replace("{name}"_L1, name);
    return {ErrorCode::None, usersLocked(), int(m_members.size()), m_lastId, motd};
}

void ChatRoom::leave(const QString &name, const QString &reason)
{
    std::unique_lock locker(m_mutex);
    if (m_members.remove(key(name)) == 0 || m_closed || m_members.size() >= m_presenceLimit) {
        return;
    }
    queueLocked(
        {0, FrameCodec::encode(Frames::left(name, reason, Protocol::timestampNow())), {}, {}, {}});
}

ChatRoom::Posted ChatRoom::say(const QString &from, const QString &text, const QString &cid)
{
    std::unique_lock locker(m_mutex);
    if (m_closed) {
        return {ErrorCode::ShuttingDown, 0, false};
    }
    if (const auto id = findCidLocked(from, cid)) {
        return {ErrorCode::None, *id, true};
    }
    StoredMessage message{++m_lastId, from, {}, text, QDateTime::currentMSecsSinceEpoch(), cid};
    rememberCidLocked(from, cid, message.id);
    queueLocked({0, FrameCodec::encode(message.toFrame()), {}, {}, message});
    return {ErrorCode::None, message.id, false};
}

ChatRoom::Posted ChatRoom::sendPrivate(
    const QString &from, const QString &to, const QString &text, const QString &cid)
{
    std::unique_lock locker(m_mutex);
    if (m_closed) {
        return {ErrorCode::ShuttingDown, 0, false};
    }
    if (const auto id = findCidLocked(from, cid)) {
        return {ErrorCode::None, *id, true};
    }
    const auto recipient = m_members.constFind(key(to));
    if (recipient == m_members.constEnd()) {
        return {ErrorCode::NoSuchUser, 0, false};
    }
    StoredMessage message{
        ++m_lastId, from, recipient->name, text, QDateTime::currentMSecsSinceEpoch(), cid};
    rememberCidLocked(from, cid, message.id);
    queueLocked({0, FrameCodec::encode(message.toFrame()), key(to), key(from), message});
    return {ErrorCode::None, message.id, false};
}

void ChatRoom::sendUsers(const QString &name)
{
    std::unique_lock locker(m_mutex);
    queueLocked(
        {0, FrameCodec::encode(Frames::users(usersLocked(), m_members.size())), key(name), {}, {}});
}

void ChatRoom::announce(const QByteArray &frame)
{
    std::unique_lock locker(m_mutex);
    queueLocked({0, frame, {}, {}, {}});
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

QList<RoomEvent> ChatRoom::takePending()
{
    std::unique_lock locker(m_mutex);
    return std::exchange(m_pending, {});
}

void ChatRoom::deliver(const QList<RoomEvent> &events)
{
    std::unique_lock locker(m_mutex);
    for (const RoomEvent &event : events) {
        deliverLocked(event);
    }
}

void ChatRoom::close()
{
    std::unique_lock locker(m_mutex);
    m_closed = true;
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

qint64 ChatRoom::queueLocked(RoomEvent event)
{
    event.seq = ++m_lastSeq;
    if (!m_wake) {
        deliverLocked(event);
        return event.seq;
    }
    m_pending.append(std::move(event));
    if (m_pending.size() == 1) {
        m_wake();
    }
    return m_lastSeq;
}

void ChatRoom::deliverLocked(const RoomEvent &event)
{
    const auto push = [&event](const Member &member) {
        if (member.joinSeq < event.seq) {
            member.outbox->push(event.frame);
        }
    };
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

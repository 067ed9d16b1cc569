#include "chatroom.h"

#include "framecodec.h"
#include "frames.h"
#include "outbox.h"

#include <algorithm>

using Protocol::ErrorCode;
using namespace Qt::StringLiterals;

ChatRoom::ChatRoom(QString motd)
    : m_motd(std::move(motd))
{
}

ErrorCode ChatRoom::join(const QString &name, Outbox *outbox)
{
    std::unique_lock locker(m_mutex);
    if (m_closed) {
        return ErrorCode::ShuttingDown;
    }
    const QString k = key(name);
    if (m_members.contains(k)) {
        return ErrorCode::NameTaken;
    }
    m_members.insert(k, {name, outbox});
    QString motd = m_motd;
    motd.replace("{name}"_L1, name);
    outbox->push(FrameCodec::encode(Frames::welcome(name, usersLocked(), motd)));
    broadcastLocked(FrameCodec::encode(Frames::joined(name, Protocol::timestampNow())), k);
    return ErrorCode::None;
}

void ChatRoom::leave(const QString &name, const QString &reason)
{
    std::unique_lock locker(m_mutex);
    const QString k = key(name);
    if (m_members.remove(k) == 0 || m_closed) {
        return;
    }
    broadcastLocked(FrameCodec::encode(Frames::left(name, reason, Protocol::timestampNow())));
}

ErrorCode ChatRoom::say(const QString &from, const QString &text)
{
    std::unique_lock locker(m_mutex);
    if (m_closed) {
        return ErrorCode::ShuttingDown;
    }
    broadcastLocked(
        FrameCodec::encode(Frames::message(++m_lastId, from, text, Protocol::timestampNow())));
    return ErrorCode::None;
}

void ChatRoom::sendUsers(Outbox *outbox) const
{
    std::unique_lock locker(m_mutex);
    outbox->push(FrameCodec::encode(Frames::users(usersLocked())));
}

ErrorCode ChatRoom::sendPrivate(const QString &from, const QString &to, const QString &text)
{
    std::unique_lock locker(m_mutex);
    if (m_closed) {
        return ErrorCode::ShuttingDown;
    }
    const auto recipient = m_members.constFind(key(to));
    const auto sender = m_members.constFind(key(from));
    if (recipient == m_members.constEnd()) {
        return ErrorCode::NoSuchUser;
    }
    const QByteArray frame = FrameCodec::encode(
        Frames::privateMessage(++m_lastId, from, recipient->name, text, Protocol::timestampNow()));
    recipient->outbox->push(frame);
    if (sender != m_members.constEnd() && sender != recipient) {
        sender->outbox->push(frame);
    }
    return ErrorCode::None;
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

QStringList ChatRoom::usersLocked() const
{
    QStringList names;
    names.reserve(m_members.size());
    for (const Member &member : m_members) {
        names.append(member.name);
    }
    std::sort(names.begin(), names.end(),
        [](const QString &a, const QString &b) { return a.compare(b, Qt::CaseInsensitive) < 0; });
    return names;
}

void ChatRoom::broadcastLocked(const QByteArray &frame, const QString &exceptKey)
{
    for (auto it = m_members.cbegin(); it != m_members.cend(); ++it) {
        if (it.key() != exceptKey) {
            it->outbox->push(frame);
        }
    }
}

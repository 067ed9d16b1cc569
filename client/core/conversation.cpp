#include "conversation.h"

Conversation::Conversation(Kind kind, const QString &name, QObject *parent)
    : QObject(parent)
    , m_kind(kind)
    , m_name(name)
    , m_key(keyOf(name))
    , m_messages(this)
    , m_members(this)
{
}

void Conversation::setTopic(const QString &topic)
{
    if (topic != m_topic) {
        m_topic = topic;
        emit changed();
    }
}

void Conversation::setPrivate(bool isPrivate)
{
    if (isPrivate != m_private) {
        m_private = isPrivate;
        emit changed();
    }
}

void Conversation::setUnread(int count)
{
    count = std::max(count, 0);
    if (count != m_unread || (count == 0 && m_mention)) {
        m_unread = count;
        m_mention = m_mention && count > 0;
        emit changed();
    }
}

void Conversation::addUnread(int count, bool mention)
{
    if (count <= 0) {
        return;
    }
    m_unread += count;
    m_mention = m_mention || mention;
    emit changed();
}

void Conversation::markRead()
{
    m_readUpTo = std::max(m_readUpTo, m_messages.maxId());
    setUnread(0);
}

void Conversation::placeUnreadMarker()
{
    qint64 first = 0;
    int left = m_unread;
    for (int row = m_messages.rowCount() - 1; row >= 0 && left > 0; --row) {
        const ChatEntry &entry = m_messages.entry(row);
        const bool message
            = entry.kind == ChatEntry::Kind::Message || entry.kind == ChatEntry::Kind::Private;
        if (!message || entry.id <= 0 || entry.own) {
            continue;
        }
        if (m_readUpTo > 0 && entry.id <= m_readUpTo) {
            break; // read here before: what came since is what is new
        }
        first = entry.id;
        left -= m_readUpTo > 0 ? 0 : 1;
    }
    m_messages.setUnreadMarker(first);
    if (first != 0) {
        emit unreadMarkerPlaced();
    }
}

void Conversation::forgetRequests()
{
    for (Fetch *fetch : {&m_history, &m_details}) {
        if (*fetch == Fetch::Asked) {
            *fetch = Fetch::NotAsked;
        }
    }
    m_fetchingOlder = false;
}

void Conversation::setMuted(bool muted)
{
    if (muted != m_muted) {
        m_muted = muted;
        emit changed();
        emit preferencesChanged();
    }
}

void Conversation::setShowsPresence(bool shows)
{
    if (shows != m_showsPresence) {
        m_showsPresence = shows;
        emit changed();
        emit preferencesChanged();
    }
}

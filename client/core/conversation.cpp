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
    setUnread(0);
}

void Conversation::placeUnreadMarker()
{
    // The oldest of the newest `unread` messages from someone else that are shown.
    qint64 first = 0;
    int left = m_unread;
    for (int row = m_messages.rowCount() - 1; row >= 0 && left > 0; --row) {
        const ChatEntry &entry = m_messages.entry(row);
        const bool message
            = entry.kind == ChatEntry::Kind::Message || entry.kind == ChatEntry::Kind::Private;
        if (message && entry.id > 0 && !entry.own) {
            first = entry.id;
            --left;
        }
    }
    m_messages.setUnreadMarker(first);
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

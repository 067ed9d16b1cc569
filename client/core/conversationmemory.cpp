#include "conversationmemory.h"

#include "conversation.h"

#include <QSettings>

using namespace Qt::StringLiterals;

namespace {

const QString Directs = u"direct"_s;
const QString Muted = u"muted"_s;
const QString NoPresence = u"nopresence"_s;

} // namespace

ConversationMemory::ConversationMemory(const QString &account)
{
    if (!account.isEmpty()) {
        // Server and name can hold anything; a settings key cannot.
        m_group = u"conversations/%1/"_s.arg(QString::fromLatin1(account.toUtf8().toBase64(
            QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals)));
    }
}

QString ConversationMemory::idOf(const Conversation *conversation)
{
    // Rooms and people share no namespace: "@" cannot start a room's name.
    return conversation->isRoom() ? conversation->key() : u"@"_s + conversation->key();
}

QStringList ConversationMemory::directs() const
{
    return m_group.isEmpty() ? QStringList() : QSettings().value(m_group + Directs).toStringList();
}

void ConversationMemory::setDirects(const QStringList &people) const
{
    if (!m_group.isEmpty()) {
        QSettings().setValue(m_group + Directs, people);
    }
}

void ConversationMemory::apply(Conversation *conversation) const
{
    if (m_group.isEmpty()) {
        return;
    }
    const QSettings settings;
    const QString id = idOf(conversation);
    conversation->setMuted(settings.value(m_group + Muted).toStringList().contains(id));
    conversation->setShowsPresence(
        !settings.value(m_group + NoPresence).toStringList().contains(id));
}

void ConversationMemory::save(const Conversation *conversation) const
{
    if (m_group.isEmpty()) {
        return;
    }
    setListed(Muted, idOf(conversation), conversation->isMuted());
    setListed(NoPresence, idOf(conversation), !conversation->showsPresence());
}

void ConversationMemory::setListed(const QString &list, const QString &id, bool listed) const
{
    QSettings settings;
    QStringList ids = settings.value(m_group + list).toStringList();
    ids.removeAll(id);
    if (listed) {
        ids.append(id);
    }
    settings.setValue(m_group + list, ids);
}

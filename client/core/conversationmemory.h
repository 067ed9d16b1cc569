#pragma once

#include <QString>
#include <QStringList>

class Conversation;

// What the desktop client keeps of an account's conversations on this computer, in QSettings:
// the people it has private conversations with (so the sidebar lists them at the next start)
// and the rooms and conversations it muted or hid joins and leaves in. A guest has no past
// here: for it (an empty key) nothing is read or kept.
class ConversationMemory
{
public:
    // account: the sign-in's credential key (server and name); empty for a guest.
    explicit ConversationMemory(const QString &account);

    QStringList directs() const;
    void setDirects(const QStringList &people) const;
    // Sets the conversation's muting and joins-and-leaves to what was kept for it.
    void apply(Conversation *conversation) const;
    // Keeps the conversation's choices; those of other conversations stay as they were.
    void save(const Conversation *conversation) const;

private:
    static QString idOf(const Conversation *conversation);
    void setListed(const QString &list, const QString &id, bool listed) const;

    QString m_group; // empty: a guest
};

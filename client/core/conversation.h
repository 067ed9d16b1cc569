#pragma once

#include "messagemodel.h"
#include "userlistmodel.h"

#include <QObject>

// One room or private conversation as the client shows it: its messages, the people in it,
// its topic, and what the person has not read yet. ChatClient routes each frame to its
// conversation; the window shows one conversation at a time, the sidebar all of them.
//
// Unread counts only what someone else said (not joins, departures or notices). A room's count
// starts from the server's (welcome, room), so it is the same on every device; a private
// conversation's is counted here.
class Conversation : public QObject
{
    Q_OBJECT

public:
    enum class Kind { Room, Direct };
    Q_ENUM(Kind)

    Conversation(Kind kind, const QString &name, QObject *parent = nullptr);

    Kind kind() const { return m_kind; }
    bool isRoom() const { return m_kind == Kind::Room; }
    // A room's name as the server spells it, or the other person's name.
    QString name() const { return m_name; }
    // The name in lower case: rooms and names are compared ignoring case.
    QString key() const { return m_key; }
    static QString keyOf(const QString &name) { return name.toLower(); }

    MessageModel *messages() { return &m_messages; }
    const MessageModel *messages() const { return &m_messages; }
    // The people in it who are online (a room), or the two people (a private conversation).
    UserListModel *members() { return &m_members; }

    QString topic() const { return m_topic; }
    void setTopic(const QString &topic);
    bool isPrivate() const { return m_private; }
    void setPrivate(bool isPrivate);

    int unread() const { return m_unread; }
    // Unread and addressed to the person: a mention, or any private message.
    bool hasMention() const { return m_mention; }
    void setUnread(int count);
    void addUnread(int count, bool mention);
    // Everything shown is read: the "new messages" line stays where it is until
    // placeUnreadMarker() moves it.
    void markRead();
    // Puts the "new messages" line above the first unread message shown: the first from
    // someone else after what was last read here, or, in a conversation not read here before,
    // the oldest of the newest unread() ones (none if nothing is unread).
    void placeUnreadMarker();
    // The newest id the server was told is read (read frames), so none is sent twice.
    qint64 reportedRead() const { return m_reportedRead; }
    void setReportedRead(qint64 id) { m_reportedRead = std::max(m_reportedRead, id); }

    // No unread count in the window title, no notifications; the sidebar still shows it.
    bool isMuted() const { return m_muted; }
    void setMuted(bool muted);
    // Join and leave notices as rows in the view (members are kept either way).
    bool showsPresence() const { return m_showsPresence; }
    void setShowsPresence(bool shows);

    // What was asked of the server when the conversation was first shown: its first page of
    // history, and (a room) who is in it. Asked again after a refusal or a lost connection.
    enum class Fetch { NotAsked, Asked, Loaded };
    Fetch history() const { return m_history; }
    void setHistory(Fetch history) { m_history = history; }
    Fetch details() const { return m_details; }
    void setDetails(Fetch details) { m_details = details; }
    // Whether the person is in this room (a room left is kept on the list only if it is
    // general, whose history stays readable).
    bool isMember() const { return m_member; }
    void setMember(bool member) { m_member = member; }
    bool hasOlder() const { return m_hasOlder; }
    void setHasOlder(bool hasOlder) { m_hasOlder = hasOlder; }
    bool isFetchingOlder() const { return m_fetchingOlder; }
    void setFetchingOlder(bool fetching) { m_fetchingOlder = fetching; }
    // What was asked and not answered (refused, or the connection went) is asked again when
    // next shown.
    void forgetRequests();

signals:
    // Something the sidebar or the window shows changed: unread, topic, muted, ...
    void changed();
    // Muted, or joins and leaves shown or hidden: the person's choices, which are kept.
    void preferencesChanged();
    // The "new messages" line was put above a message: the view scrolls to it.
    void unreadMarkerPlaced();

private:
    Kind m_kind = Kind::Room;
    QString m_name;
    QString m_key;
    MessageModel m_messages;
    UserListModel m_members;
    QString m_topic;
    bool m_private = false;
    int m_unread = 0;
    bool m_mention = false;
    qint64 m_reportedRead = 0;
    bool m_muted = false;
    bool m_showsPresence = true;
    qint64 m_readUpTo = 0; // the newest id shown while this conversation was read
    Fetch m_history = Fetch::NotAsked;
    Fetch m_details = Fetch::NotAsked;
    bool m_member = true;
    bool m_hasOlder = false;
    bool m_fetchingOlder = false;
};

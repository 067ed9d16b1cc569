#pragma once

#include "chatconnection.h"
#include "chatentry.h"
#include "conversationlist.h"
#include "conversationmemory.h"

#include <QJsonArray>
#include <QObject>
#include <QRegularExpression>
#include <QTimer>

#include <vector>

// The client's conversations and what the person has seen of them. It hands every chat frame
// to its Conversation (the room it names, general without one; the other person of a dm; the
// room or person a history answer or an error names), counts what the person has not seen,
// places the "new messages" line and tells the server what was read (read frames, paced: they
// count against the chat allowance). A conversation's first page of history and, for a room,
// who is in it (a join of a room one is in, which the server answers as a read) are asked for
// when it is first shown, and asked again, quietly, when an allowance or a lost connection
// swallowed the request. It also makes and leaves rooms for the person, and keeps muting and
// private conversations per account (ConversationMemory).
class ConversationRouter : public QObject
{
    Q_OBJECT

public:
    ConversationRouter(ChatConnection &connection, QObject *parent = nullptr);

    ConversationList *conversations() { return &m_conversations; }
    // Where typed messages go and notices appear; general after a sign-in.
    Conversation *current() const { return m_current; }
    void setCurrent(Conversation *conversation);
    // Kept even after parting it: its history stays readable, and /join general comes back.
    Conversation *general() const;
    // The private conversation with name (made, and remembered, if there is none).
    Conversation *openDirect(const QString &name);
    void closeDirect(Conversation *conversation);
    void setViewing(bool viewing);
    bool isViewing() const { return m_viewing; }
    // Makes a fresh list with general in it: a new sign-in shows nothing of the last one.
    void reset();

    // Where a frame belongs: its room (general without one), or the other person of a dm.
    Conversation *conversationFor(const QJsonObject &frame);
    ChatEntry entryFor(const QJsonObject &message) const;
    // Rows that arrived for a conversation: shown, counted as unread unless the person sees
    // them; a mention or a private message raises attention.
    void deliver(Conversation *conversation, std::vector<ChatEntry> rows);
    void addNotice(const QString &text, ChatEntry::Kind kind = ChatEntry::Kind::Notice);
    void addNotice(Conversation *conversation, const QString &text,
        ChatEntry::Kind kind = ChatEntry::Kind::Notice);
    // Sends, or says in the current conversation that it could not.
    bool send(const QJsonObject &frame);

    // welcome: the rooms the account is in, with unread counts; resumed: after a dropped
    // connection of the same session (a guest's rooms are joined again).
    void onWelcome(const QJsonObject &welcome, bool resumed);
    // The connection went: what was asked and not answered is asked again when next shown.
    void onConnectionLost();
    void onRoom(const QJsonObject &frame);
    void onHistory(const QJsonObject &frame);
    // A joined or left frame.
    void onJoinedOrLeft(const QJsonObject &frame, bool joined);
    // A big room's presence frame: every name changes the room's members; one summary row, if
    // the conversation shows joins and leaves.
    void onPresence(const QJsonObject &frame);
    void onTopic(const QJsonObject &frame);
    void onInvited(const QJsonObject &frame);
    void onRooms(const QJsonObject &frame);
    // An error frame about a room, a conversation or a join the person asked for: what it
    // means for them. Returns where to show it; null when it is not for the person (an
    // automatic request refused for flooding is asked again shortly).
    Conversation *onRefusal(const QJsonObject &frame);

    bool fetchOlder(Conversation *conversation);
    // Joins (or makes) a room; once the server answers, it becomes the current one.
    bool joinRoom(const QString &room);
    bool createRoom(const QString &room, const QString &topic, bool isPrivate);
    bool partRoom(const QString &room);
    bool setTopic(const QString &room, const QString &topic);
    bool invite(const QString &room, const QString &name);
    // typed: /rooms in the chat, answered there too (and in roomListReceived).
    bool requestRoomList(bool typed = false);

signals:
    void currentChanged(Conversation *conversation);
    void roomListReceived(const QJsonArray &rooms);
    void roomRequestFailed(const QString &room, const QString &code, const QString &message);
    void joinFailed(const QString &room, const QString &code, const QString &message);
    void invited(const QString &room, const QString &by);
    void roomOpened(Conversation *conversation);
    void attention(const QString &title, const QString &text);

private:
    bool online() const { return m_connection.state() == ChatConnection::State::Online; }
    // Asks for what a conversation shown for the first time needs: history, members, topic.
    void load(Conversation *conversation);
    // The person sees this conversation now: what was unread is marked (the "new messages"
    // line) and read, and the server is told.
    void seen(Conversation *conversation);
    // Sends read for the rooms read further than the server was told, a few at a time.
    void reportRead();
    void rememberDirects() const;
    // What is kept on this computer for the account signed in (nothing for a guest).
    ConversationMemory memory() const;
    void applyPreferences(Conversation *conversation);
    // person came into (joined) or left room (empty: general), for reason: the room's members,
    // and for the person's own arrival or part, the conversation itself. Returns the room's
    // conversation, or null if there is none (any more).
    Conversation *applyPresence(
        const QString &room, const QString &person, bool joined, const QString &reason);
    bool mentionsMe(const QString &text);
    static QString roomListText(const QJsonArray &rooms);
    // "alice, bob and carol"; past five, "a, b, c, d, e and 3 others".
    static QString someNames(const QStringList &names);

    ChatConnection &m_connection;
    ConversationList m_conversations;
    Conversation *m_current = nullptr;
    bool m_viewing = true;
    QString m_joining; // the room key the person asked to join or create: shown once it is
    QTimer m_readTimer; // read markers go at most every two seconds
    QTimer m_retryTimer; // asks again what an allowance refused
    QStringList m_unreported; // keys of the rooms read further than the server was told
    qint64 m_replayedUpTo = 0; // a resumed account's welcome counted these as unread already
    bool m_applyingPreferences = false;
    bool m_roomsTyped = false; // /rooms was typed: its answer is shown in the chat
    QString m_mentionFor;
    QRegularExpression m_mention; // the name m_mentionFor as a word
};

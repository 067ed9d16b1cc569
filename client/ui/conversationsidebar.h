#pragma once

#include "conversation.h"

#include <QPointer>
#include <QWidget>

class ConversationDelegate;
class ConversationList;
class QListView;
class QMenu;
class QModelIndex;
class QToolButton;

// The chat window's left column: every room and private conversation (a ConversationList)
// under their two headings, with unread badges, and below them "Join a room…" and "Message
// someone…". The selection is the conversation shown: the window sets it (setCurrent) and the
// sidebar keeps it on that conversation while rows come and go around it. A click, or Enter or
// Space on the row the keyboard is on, asks for another (conversationActivated); the arrow keys
// only move the focus. A right click (or the menu key) offers leaving, muting, hiding joins and
// leaves, or closing a private conversation. It sends nothing itself: the window forwards the
// requests to ChatClient.
class ConversationSidebar : public QWidget
{
    Q_OBJECT

public:
    explicit ConversationSidebar(QWidget *parent = nullptr);
    explicit ConversationSidebar(ConversationList *list, QWidget *parent = nullptr);

    ConversationList *model() const { return m_list; }
    void setModel(ConversationList *list);

    // The conversation selected; null for none.
    Conversation *current() const { return m_current; }
    // Selects its row (null: nothing) and scrolls to it; emits nothing.
    void setCurrent(Conversation *conversation);

    // The context menu for a conversation (null for none): a new child of the sidebar that the
    // caller deletes when done. Its actions are named leave, mute, showPresence and close.
    QMenu *contextMenuFor(Conversation *conversation);

    QListView *view() const { return m_view; }
    ConversationDelegate *delegate() const { return m_delegate; }
    QToolButton *joinRoomButton() const { return m_joinRoom; }
    QToolButton *newConversationButton() const { return m_newConversation; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    // Clicked, or Enter or Space on it: the window shows it (and calls setCurrent).
    void conversationActivated(Conversation *conversation);
    void joinRoomRequested();
    void newConversationRequested();
    // Leave room in the context menu: the window parts the room.
    void leaveRequested(Conversation *conversation);
    // Close conversation in a private conversation's menu: the window removes it.
    void closeRequested(Conversation *conversation);

private:
    void activate(const QModelIndex &index);
    void showContextMenu(const QModelIndex &index, const QPoint &globalPos);
    // Puts the selection back on m_current (rows were added or removed).
    void syncSelection();

    QPointer<ConversationList> m_list;
    QPointer<Conversation> m_current;
    QListView *m_view = nullptr;
    ConversationDelegate *m_delegate = nullptr;
    QToolButton *m_joinRoom = nullptr;
    QToolButton *m_newConversation = nullptr;
};

#pragma once

#include <QHash>
#include <QWidget>

class ChatClient;
class Conversation;
class ConversationSidebar;
class MessageView;
class QLabel;
class QLineEdit;
class QListView;
class QPushButton;
class QStackedWidget;

// The Chat tab: the sidebar of rooms and private conversations, the current conversation (its
// topic, its messages, its people) and the entry field with the Send, Smile, Frown and Leave
// buttons. Each conversation keeps its own view, so its scroll position and its paging stay
// as they were when the person comes back to it. It only forwards what the person does to
// ChatClient.
class ChatPage : public QWidget
{
    Q_OBJECT

public:
    explicit ChatPage(ChatClient &client, QWidget *parent = nullptr);

    QLineEdit *entry() const { return m_entry; }
    // The view of the current conversation.
    MessageView *messageView() const;
    MessageView *viewOf(Conversation *conversation) const { return m_views.value(conversation); }
    QListView *userView() const { return m_users; }
    QLabel *usersTitle() const { return m_usersTitle; }
    QLabel *header() const { return m_header; }
    ConversationSidebar *sidebar() const { return m_sidebar; }
    QPushButton *sendButton() const { return m_send; }
    QPushButton *smileButton() const { return m_smile; }
    QPushButton *frownButton() const { return m_frown; }
    QPushButton *leaveButton() const { return m_leave; }

signals:
    void leaveRequested();
    void joinRoomRequested();

private:
    void send();
    void sendQuick(const QString &text);
    void updateEnabled();
    // Shows the client's current conversation: its view (made the first time), its people and
    // its topic.
    void showCurrent();
    void updateHeader();
    void updateUsersTitle();
    void askWhoToMessage();
    void forget(Conversation *conversation);

    ChatClient &m_client;
    ConversationSidebar *m_sidebar = nullptr;
    QLabel *m_header = nullptr;
    QStackedWidget *m_stack = nullptr;
    QHash<Conversation *, MessageView *> m_views;
    QListView *m_users = nullptr;
    QLabel *m_usersTitle = nullptr;
    QLineEdit *m_entry = nullptr;
    QPushButton *m_send = nullptr;
    QPushButton *m_smile = nullptr;
    QPushButton *m_frown = nullptr;
    QPushButton *m_leave = nullptr;
};

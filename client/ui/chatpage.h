#pragma once

#include <QWidget>

class ChatClient;
class MessageView;
class QLabel;
class QLineEdit;
class QListView;
class QPushButton;

// The Chat tab: the history, the people online, the entry field, and the
// Send, Smile, Frown and Leave buttons. It only forwards what the person does to ChatClient.
class ChatPage : public QWidget
{
    Q_OBJECT

public:
    explicit ChatPage(ChatClient &client, QWidget *parent = nullptr);

    QLineEdit *entry() const { return m_entry; }
    MessageView *messageView() const { return m_messages; }
    QListView *userView() const { return m_users; }
    QPushButton *sendButton() const { return m_send; }
    QPushButton *smileButton() const { return m_smile; }
    QPushButton *frownButton() const { return m_frown; }
    QPushButton *leaveButton() const { return m_leave; }

signals:
    void leaveRequested();

private:
    void send();
    void sendQuick(const QString &text);
    void updateEnabled();

    ChatClient &m_client;
    MessageView *m_messages = nullptr;
    QListView *m_users = nullptr;
    QLabel *m_usersTitle = nullptr;
    QLineEdit *m_entry = nullptr;
    QPushButton *m_send = nullptr;
    QPushButton *m_smile = nullptr;
    QPushButton *m_frown = nullptr;
    QPushButton *m_leave = nullptr;
};

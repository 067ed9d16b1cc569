#pragma once

#include <QHash>
#include <QWidget>

class ChatClient;
class Conversation;
class ConversationSidebar;
class MessageEntry;
class MessageView;
class QGridLayout;
class QHBoxLayout;
class QLabel;
class QListView;
class QPushButton;
class QSpacerItem;
class QStackedWidget;

// The Chat tab: the sidebar of rooms and private conversations, the current conversation (its
// topic, its messages, its people) and the entry field with the Send, Smile, Frown and Leave
// buttons. Each conversation keeps its own view, so its scroll position and its paging stay
// as they were when the person comes back to it. It only forwards what the person does to
// ChatClient.
//
// The entry (MessageEntry) takes several lines: Enter sends, Shift+Enter starts a new line.
// Near the longest message the server takes, a count says how many characters are left; past
// it the count turns red and nothing is sent, and what was typed stays to be shortened.
// In a narrow chat column the buttons make room for the entry, which keeps at least 45 % of the
// column: first Smile and Frown show only their faces (Composer::Compact), then the buttons go
// on a row of their own under the entry (Composer::Stacked). The faces are emoji where a font
// can draw them, and ":-)" and ":-(" where none can, never empty boxes.
class ChatPage : public QWidget
{
    Q_OBJECT

public:
    // The longest message, in UTF-16 code units as the server counts them: the server's default
    // (--max-text); a server configured lower refuses longer ones itself.
    static constexpr int MaxMessageLength = 4000;
    // The count of characters left appears from this many on.
    static constexpr int CountFrom = MaxMessageLength / 10;

    enum class Composer { Wide, Compact, Stacked };
    Q_ENUM(Composer)

    explicit ChatPage(ChatClient &client, QWidget *parent = nullptr);

    MessageEntry *entry() const { return m_entry; }
    // What the length limit applies to: the text of the message typed, without "/msg NAME ",
    // "%NAME%" or "/say " in front.
    static int messageLength(const QString &input);
    // Whether every character of text has a glyph in font or in a font Qt falls back to.
    static bool canDraw(const QString &text, const QFont &font);
    // The count of characters left (hidden while far from the limit).
    QLabel *lengthLabel() const { return m_count; }
    // What Send would send: the entry without blank lines before or after.
    QString typed() const;
    bool isTooLong() const;
    Composer composer() const { return m_composer; }
    // The column with the topic, the messages and the entry.
    QWidget *chatColumn() const { return m_chatColumn; }
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

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void send();
    void sendQuick(const QString &text);
    void updateEnabled();
    void updateCount();
    // The faces on Smile and Frown: emoji, or text where no font draws them.
    void chooseFaces();
    // Picks the composer for the chat column's width.
    void updateComposer();
    // Labels the buttons and places them beside the entry or under it.
    void setComposer(Composer composer);
    // Every conversation shown knows the person's name, to find mentions of it.
    void updateSelfName();
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
    QWidget *m_chatColumn = nullptr;
    QGridLayout *m_composerLayout = nullptr;
    QWidget *m_buttonBox = nullptr;
    QHBoxLayout *m_buttonLayout = nullptr;
    MessageEntry *m_entry = nullptr;
    QLabel *m_count = nullptr;
    QPushButton *m_send = nullptr;
    QPushButton *m_smile = nullptr;
    QPushButton *m_frown = nullptr;
    QPushButton *m_leave = nullptr;
    QSpacerItem *m_leaveGap = nullptr; // sets Leave apart from the buttons that send
    QString m_smileFace;
    QString m_frownFace;
    Composer m_composer = Composer::Wide;
    bool m_layingOut = false;
};

#include "chatpage.h"

#include "chatclient.h"
#include "conversationsidebar.h"
#include "messageview.h"

#include <QDesktopServices>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QUrl>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

ChatPage::ChatPage(ChatClient &client, QWidget *parent)
    : QWidget(parent)
    , m_client(client)
    , m_sidebar(new ConversationSidebar(client.conversations(), this))
    , m_header(new QLabel(this))
    , m_stack(new QStackedWidget(this))
    , m_users(new QListView(this))
    , m_usersTitle(new QLabel(this))
    , m_entry(new QLineEdit(this))
    , m_send(new QPushButton(tr("&Send"), this))
    , m_smile(new QPushButton(tr("🙂 S&mile"), this))
    , m_frown(new QPushButton(tr("🙁 &Frown"), this))
    , m_leave(new QPushButton(tr("&Leave"), this))
{
    m_header->setTextFormat(Qt::RichText);
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_header->setAccessibleName(tr("Topic"));
    m_header->setContentsMargins(2, 0, 2, 4);
    m_users->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_users->setAccessibleName(tr("People here"));
    m_entry->setAccessibleName(tr("Message"));
    m_entry->setClearButtonEnabled(true);
    m_send->setDefault(true);
    m_smile->setToolTip(tr("Send 🙂"));
    m_frown->setToolTip(tr("Send 🙁"));
    m_leave->setToolTip(tr("Leave the chat and go back to the connect dialog"));

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_entry, 1);
    buttons->addWidget(m_send);
    buttons->addWidget(m_smile);
    buttons->addWidget(m_frown);
    buttons->addSpacing(12);
    buttons->addWidget(m_leave);

    auto *chatColumn = new QWidget(this);
    auto *chatLayout = new QVBoxLayout(chatColumn);
    chatLayout->setContentsMargins(0, 0, 0, 0);
    chatLayout->addWidget(m_header);
    chatLayout->addWidget(m_stack, 1);
    chatLayout->addLayout(buttons);

    auto *usersColumn = new QWidget(this);
    auto *usersLayout = new QVBoxLayout(usersColumn);
    usersLayout->setContentsMargins(0, 0, 0, 0);
    usersLayout->addWidget(m_usersTitle);
    usersLayout->addWidget(m_users, 1);

    auto *splitter = new QSplitter(this);
    splitter->addWidget(m_sidebar);
    splitter->addWidget(chatColumn);
    splitter->addWidget(usersColumn);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 4);
    splitter->setStretchFactor(2, 1);
    splitter->setChildrenCollapsible(false);
    splitter->setSizes({170, 560, 150});

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter);
    setTabOrder(m_entry, m_send);
    setTabOrder(m_send, m_smile);
    setTabOrder(m_smile, m_frown);
    setTabOrder(m_frown, m_leave);
    setTabOrder(m_leave, m_stack);
    setTabOrder(m_stack, m_users);
    setTabOrder(m_users, m_sidebar);

    connect(m_entry, &QLineEdit::returnPressed, this, &ChatPage::send);
    connect(m_entry, &QLineEdit::textChanged, this, &ChatPage::updateEnabled);
    connect(m_send, &QPushButton::clicked, this, &ChatPage::send);
    connect(m_smile, &QPushButton::clicked, this, [this] { sendQuick(u"🙂"_s); });
    connect(m_frown, &QPushButton::clicked, this, [this] { sendQuick(u"🙁"_s); });
    connect(m_leave, &QPushButton::clicked, this, &ChatPage::leaveRequested);
    connect(m_users, &QListView::doubleClicked, this, [this](const QModelIndex &index) {
        const QString name = index.data(Qt::EditRole).toString();
        if (name.compare(m_client.name(), Qt::CaseInsensitive) != 0) {
            m_client.setCurrent(m_client.openDirect(name));
            m_entry->setFocus();
        }
    });
    connect(m_sidebar, &ConversationSidebar::conversationActivated, this,
        [this](Conversation *conversation) {
            m_client.setCurrent(conversation);
            m_entry->setFocus();
        });
    connect(m_sidebar, &ConversationSidebar::joinRoomRequested, this, &ChatPage::joinRoomRequested);
    connect(m_sidebar, &ConversationSidebar::newConversationRequested, this,
        &ChatPage::askWhoToMessage);
    connect(m_sidebar, &ConversationSidebar::leaveRequested, this,
        [this](Conversation *conversation) { m_client.partRoom(conversation->name()); });
    connect(m_sidebar, &ConversationSidebar::closeRequested, &m_client, &ChatClient::closeDirect);
    connect(client.conversations(), &ConversationList::removing, this, &ChatPage::forget);
    connect(&m_client, &ChatClient::currentChanged, this, &ChatPage::showCurrent);
    connect(&m_client, &ChatClient::stateChanged, this, &ChatPage::updateEnabled);
    showCurrent();
    updateEnabled();
    setFocusProxy(m_entry);
}

MessageView *ChatPage::messageView() const
{
    return m_views.value(m_client.current());
}

void ChatPage::showCurrent()
{
    Conversation *conversation = m_client.current();
    MessageView *view = m_views.value(conversation);
    if (!view) {
        view = new MessageView(m_stack);
        view->setModel(conversation->messages());
        connect(view, &MessageView::linkActivated, this,
            [](const QString &url) { QDesktopServices::openUrl(QUrl(url)); });
        connect(view, &MessageView::reachedTop, this,
            [this, conversation] { m_client.fetchOlder(conversation); });
        // The line goes in when the conversation is opened, or when its first page arrives.
        connect(conversation, &Conversation::unreadMarkerPlaced, view,
            &MessageView::scrollToUnreadMarker);
        connect(conversation, &Conversation::changed, this, [this, conversation] {
            if (conversation == m_client.current()) {
                updateHeader();
            }
        });
        m_stack->addWidget(view);
        m_views.insert(conversation, view);
    }
    m_stack->setCurrentWidget(view);
    view->scrollToUnreadMarker();
    m_sidebar->setCurrent(conversation);
    if (m_users->model()) {
        m_users->model()->disconnect(this);
    }
    QItemSelectionModel *selection = m_users->selectionModel();
    m_users->setModel(conversation->members());
    if (selection) {
        selection->deleteLater(); // setModel makes a new one and leaves the old to the view
    }
    UserListModel *members = conversation->members();
    connect(members, &QAbstractItemModel::modelReset, this, &ChatPage::updateUsersTitle);
    connect(members, &QAbstractItemModel::rowsInserted, this, &ChatPage::updateUsersTitle);
    connect(members, &QAbstractItemModel::rowsRemoved, this, &ChatPage::updateUsersTitle);
    updateUsersTitle();
    updateHeader();
    updateEnabled();
}

void ChatPage::forget(Conversation *conversation)
{
    if (MessageView *view = m_views.take(conversation)) {
        view->deleteLater();
    }
}

void ChatPage::updateHeader()
{
    const Conversation *conversation = m_client.current();
    const QString name = conversation->name().toHtmlEscaped();
    if (!conversation->isRoom()) {
        m_header->setText(
            tr("<b>%1</b> &nbsp;<span style='color:gray'>private conversation</span>").arg(name));
        m_header->setToolTip(
            tr("Only you and %1 see what is said here.").arg(conversation->name()));
        return;
    }
    const QString mark = conversation->isPrivate() ? u"🔒 "_s : u"# "_s;
    QString topic = conversation->topic();
    m_header->setToolTip(topic);
    if (topic.size() > 160) {
        topic = topic.left(159) + u'…';
    }
    m_header->setText(topic.isEmpty()
            ? u"<b>%1%2</b>"_s.arg(mark, name)
            : u"<b>%1%2</b> &nbsp;<span style='color:gray'>%3</span>"_s.arg(
                mark, name, topic.toHtmlEscaped()));
}

void ChatPage::updateUsersTitle()
{
    Conversation *conversation = m_client.current();
    const int count = conversation->members()->rowCount();
    m_usersTitle->setText(
        conversation->isRoom() ? tr("<b>Here now</b> (%1)").arg(count) : tr("<b>People</b>"));
}

void ChatPage::askWhoToMessage()
{
    auto *dialog = new QInputDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Message someone"));
    dialog->setLabelText(tr("Send a private message to (name):"));
    connect(dialog, &QInputDialog::textValueSelected, this, [this](const QString &name) {
        if (!name.trimmed().isEmpty()) {
            m_client.setCurrent(m_client.openDirect(name.trimmed()));
            m_entry->setFocus();
        }
    });
    dialog->open();
}

void ChatPage::send()
{
    const QString text = m_entry->text();
    if (text.trimmed().isEmpty() || m_client.state() == ChatClient::State::Disconnected) {
        return;
    }
    m_client.submit(text);
    m_entry->clear();
}

void ChatPage::sendQuick(const QString &text)
{
    m_client.say(text);
    m_entry->setFocus();
}

void ChatPage::updateEnabled()
{
    // While the connection is coming back, what is typed waits (shown as "sending…") and goes
    // out once it is back.
    const bool online = m_client.isOnline();
    const bool canType = m_client.state() != ChatClient::State::Disconnected;
    m_entry->setEnabled(canType);
    m_send->setEnabled(canType && !m_entry->text().trimmed().isEmpty());
    m_smile->setEnabled(canType);
    m_frown->setEnabled(canType);
    m_leave->setEnabled(canType);
    const Conversation *conversation = m_client.current();
    const QString where
        = conversation->isRoom() ? u"#"_s + conversation->name() : conversation->name();
    m_entry->setPlaceholderText(online ? tr("Message %1 (/help for commands)").arg(where)
            : canType                  ? tr("Offline — messages wait until the server is back")
                                       : tr("Not connected"));
    m_entry->setToolTip(tr("Enter sends. /msg NAME opens a private conversation; /join ROOM "
                           "goes to a room. Double-click a name on the right to message them."));
}

#include "chatpage.h"

#include "chatclient.h"
#include "messageview.h"

#include <QDesktopServices>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QSplitter>
#include <QUrl>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

ChatPage::ChatPage(ChatClient &client, QWidget *parent)
    : QWidget(parent)
    , m_client(client)
    , m_messages(new MessageView(this))
    , m_users(new QListView(this))
    , m_usersTitle(new QLabel(this))
    , m_entry(new QLineEdit(this))
    , m_send(new QPushButton(tr("&Send"), this))
    , m_smile(new QPushButton(tr("🙂 S&mile"), this))
    , m_frown(new QPushButton(tr("🙁 &Frown"), this))
    , m_leave(new QPushButton(tr("&Leave"), this))
{
    m_messages->setModel(client.messages());
    m_users->setModel(client.users());
    m_users->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_users->setAccessibleName(tr("People online"));
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
    chatLayout->addWidget(m_messages, 1);
    chatLayout->addLayout(buttons);

    auto *usersColumn = new QWidget(this);
    auto *usersLayout = new QVBoxLayout(usersColumn);
    usersLayout->setContentsMargins(0, 0, 0, 0);
    usersLayout->addWidget(m_usersTitle);
    usersLayout->addWidget(m_users, 1);

    auto *splitter = new QSplitter(this);
    splitter->addWidget(chatColumn);
    splitter->addWidget(usersColumn);
    splitter->setStretchFactor(0, 4);
    splitter->setStretchFactor(1, 1);
    splitter->setChildrenCollapsible(false);
    splitter->setSizes({600, 170});

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter);
    setTabOrder(m_entry, m_send);
    setTabOrder(m_send, m_smile);
    setTabOrder(m_smile, m_frown);
    setTabOrder(m_frown, m_leave);
    setTabOrder(m_leave, m_messages);
    setTabOrder(m_messages, m_users);

    connect(m_entry, &QLineEdit::returnPressed, this, &ChatPage::send);
    connect(m_entry, &QLineEdit::textChanged, this, &ChatPage::updateEnabled);
    connect(m_send, &QPushButton::clicked, this, &ChatPage::send);
    connect(m_smile, &QPushButton::clicked, this, [this] { sendQuick(u"🙂"_s); });
    connect(m_frown, &QPushButton::clicked, this, [this] { sendQuick(u"🙁"_s); });
    connect(m_leave, &QPushButton::clicked, this, &ChatPage::leaveRequested);
    connect(m_messages, &MessageView::linkActivated, this,
        [](const QString &url) { QDesktopServices::openUrl(QUrl(url)); });
    connect(m_messages, &MessageView::reachedTop, &m_client, [this] { m_client.fetchOlder(); });
    connect(m_users, &QListView::doubleClicked, this, [this](const QModelIndex &index) {
        m_entry->setText(u"/msg %1 "_s.arg(index.data(Qt::EditRole).toString()));
        m_entry->setFocus();
    });
    connect(&m_client, &ChatClient::stateChanged, this, &ChatPage::updateEnabled);
    connect(&m_client, &ChatClient::currentChanged, this, [this](Conversation *conversation) {
        m_messages->setModel(conversation->messages());
        m_users->setModel(conversation->members());
    });
    const auto updateTitle = [this] {
        m_usersTitle->setText(tr("<b>Online</b> (%1)").arg(m_client.users()->rowCount()));
    };
    connect(client.users(), &QAbstractItemModel::modelReset, this, updateTitle);
    connect(client.users(), &QAbstractItemModel::rowsInserted, this, updateTitle);
    connect(client.users(), &QAbstractItemModel::rowsRemoved, this, updateTitle);
    updateTitle();
    updateEnabled();
    setFocusProxy(m_entry);
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
    m_entry->setPlaceholderText(online ? tr("Message everyone (/help for commands)")
            : canType                  ? tr("Offline — messages wait until the server is back")
                                       : tr("Not connected"));
    m_entry->setToolTip(tr("Enter sends. %NAME%text or /msg NAME text sends a private message; "
                           "double-click a name on the right to start one."));
}

#include "chatpage.h"

#include "chatclient.h"
#include "conversationsidebar.h"
#include "messageentry.h"
#include "messageview.h"

#include <QDesktopServices>
#include <QEvent>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLabel>
#include <QListView>
#include <QPushButton>
#include <QRegularExpression>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyleOptionButton>
#include <QTextLayout>
#include <QUrl>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace {

constexpr double EntryShare = 0.45; // of the chat column, at least, beside the buttons
constexpr int LeaveGap = 12; // sets Leave apart from the buttons that send
constexpr int CompactLeaveGap = 6;

// The width a push button takes with this text, as its size hint would say.
int buttonWidth(const QPushButton *button, const QString &text)
{
    QStyleOptionButton option;
    option.initFrom(button);
    option.text = text;
    if (button->isDefault()) {
        option.features |= QStyleOptionButton::DefaultButton;
    }
    const QSize contents = button->fontMetrics().size(Qt::TextShowMnemonic, text);
    return button->style()
        ->sizeFromContents(QStyle::CT_PushButton, &option, contents, button)
        .width();
}

// The width of a compact button: its text and a little room either side (the style would make
// any button with text 80 px or more).
int compactWidth(const QPushButton *button, const QString &text)
{
    const QFontMetrics metrics = button->fontMetrics();
    return metrics.size(Qt::TextShowMnemonic, text).width() + 4 * metrics.averageCharWidth();
}

} // namespace

ChatPage::ChatPage(ChatClient &client, QWidget *parent)
    : QWidget(parent)
    , m_client(client)
    , m_sidebar(new ConversationSidebar(client.conversations(), this))
    , m_header(new QLabel(this))
    , m_stack(new QStackedWidget(this))
    , m_users(new QListView(this))
    , m_usersTitle(new QLabel(this))
    , m_chatColumn(new QWidget(this))
    , m_buttonBox(new QWidget(m_chatColumn))
    , m_entry(new MessageEntry(m_chatColumn))
    , m_count(new QLabel(m_buttonBox))
    , m_send(new QPushButton(tr("&Send"), m_buttonBox))
    , m_smile(new QPushButton(m_buttonBox))
    , m_frown(new QPushButton(m_buttonBox))
    , m_leave(new QPushButton(tr("&Leave"), m_buttonBox))
    , m_leaveGap(new QSpacerItem(LeaveGap, 0))
{
    m_header->setTextFormat(Qt::RichText);
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_header->setAccessibleName(tr("Topic"));
    m_header->setContentsMargins(2, 0, 2, 4);
    m_users->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_users->setAccessibleName(tr("People here"));
    m_entry->setAccessibleName(tr("Message"));
    m_count->setAccessibleName(tr("Characters left"));
    m_count->setToolTip(tr("A message holds at most %L1 characters.").arg(MaxMessageLength));
    m_count->hide();
    m_send->setDefault(true);
    m_leave->setToolTip(tr("Leave the chat and go back to the connect dialog"));

    m_buttonLayout = new QHBoxLayout(m_buttonBox);
    m_buttonLayout->setContentsMargins(0, 0, 0, 0);
    m_buttonLayout->addWidget(m_count);
    m_buttonLayout->addStretch(1); // stacked under the entry: the buttons to the right
    m_buttonLayout->addWidget(m_send);
    m_buttonLayout->addWidget(m_smile);
    m_buttonLayout->addWidget(m_frown);
    m_buttonLayout->addSpacerItem(m_leaveGap);
    m_buttonLayout->addWidget(m_leave);
    m_buttonBox->setSizePolicy(QSizePolicy::Maximum, QSizePolicy::Fixed);

    m_composerLayout = new QGridLayout;
    m_composerLayout->setColumnStretch(0, 1);
    m_composerLayout->addWidget(m_entry, 0, 0);
    m_composerLayout->addWidget(m_buttonBox, 0, 1, Qt::AlignBottom);
    chooseFaces();

    auto *chatLayout = new QVBoxLayout(m_chatColumn);
    chatLayout->setContentsMargins(0, 0, 0, 0);
    chatLayout->addWidget(m_header);
    chatLayout->addWidget(m_stack, 1);
    chatLayout->addLayout(m_composerLayout);
    m_chatColumn->installEventFilter(this);

    auto *usersColumn = new QWidget(this);
    auto *usersLayout = new QVBoxLayout(usersColumn);
    usersLayout->setContentsMargins(0, 0, 0, 0);
    usersLayout->addWidget(m_usersTitle);
    usersLayout->addWidget(m_users, 1);

    auto *splitter = new QSplitter(this);
    splitter->addWidget(m_sidebar);
    splitter->addWidget(m_chatColumn);
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

    connect(m_entry, &MessageEntry::submitted, this, &ChatPage::send);
    connect(m_entry, &MessageEntry::textChanged, this, &ChatPage::updateEnabled);
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
    connect(&m_client, &ChatClient::stateChanged, this, &ChatPage::updateSelfName);
    showCurrent();
    updateEnabled();
    updateComposer();
    setFocusProxy(m_entry);
}

bool ChatPage::canDraw(const QString &text, const QFont &font)
{
    // Laid out as a label would be: a character no font has comes out as glyph 0, the box.
    QTextLayout layout(text, font);
    layout.beginLayout();
    layout.createLine();
    layout.endLayout();
    const QList<QGlyphRun> runs = layout.glyphRuns();
    if (runs.isEmpty()) {
        return text.isEmpty();
    }
    for (const QGlyphRun &run : runs) {
        const QList<quint32> glyphs = run.glyphIndexes();
        if (std::find(glyphs.cbegin(), glyphs.cend(), 0u) != glyphs.cend()) {
            return false;
        }
    }
    return true;
}

void ChatPage::chooseFaces()
{
    const bool emoji = canDraw(u"🙂🙁"_s, m_smile->font());
    m_smileFace = emoji ? u"🙂"_s : u":-)"_s;
    m_frownFace = emoji ? u"🙁"_s : u":-("_s;
    m_smile->setToolTip(emoji ? tr("Send 🙂") : tr("Send a smiling face"));
    m_frown->setToolTip(emoji ? tr("Send 🙁") : tr("Send a frowning face"));
    m_smile->setAccessibleName(tr("Smile"));
    m_frown->setAccessibleName(tr("Frown"));
    setComposer(m_composer);
}

void ChatPage::setComposer(Composer composer)
{
    const bool wide = composer == Composer::Wide;
    const bool stacked = composer == Composer::Stacked;
    const QList<QPushButton *> all{m_send, m_smile, m_frown, m_leave};
    if (wide) {
        m_smile->setText(tr("%1 S&mile").arg(m_smileFace));
        m_frown->setText(tr("%1 &Frown").arg(m_frownFace));
        for (QPushButton *button : all) {
            button->setMinimumWidth(0);
            button->setMaximumWidth(QWIDGETSIZE_MAX);
        }
    } else {
        // Faces only; the shortcuts stay (setText takes them from the "&" it no longer has).
        m_smile->setText(m_smileFace);
        m_smile->setShortcut(QKeySequence(Qt::ALT | Qt::Key_M));
        m_frown->setText(m_frownFace);
        m_frown->setShortcut(QKeySequence(Qt::ALT | Qt::Key_F));
        for (QPushButton *button : all) {
            button->setFixedWidth(compactWidth(button, button->text()));
        }
    }
    m_leaveGap->changeSize(wide ? LeaveGap : CompactLeaveGap, 0);
    m_buttonLayout->invalidate();
    if (composer != m_composer || m_composerLayout->indexOf(m_buttonBox) < 0) {
        m_composerLayout->removeWidget(m_buttonBox);
        if (stacked) {
            m_composerLayout->addWidget(m_buttonBox, 1, 0);
        } else {
            m_composerLayout->addWidget(m_buttonBox, 0, 1, Qt::AlignBottom);
        }
        m_buttonBox->setSizePolicy(
            stacked ? QSizePolicy::Preferred : QSizePolicy::Maximum, QSizePolicy::Fixed);
    }
    m_composer = composer;
}

void ChatPage::updateComposer()
{
    if (m_layingOut) {
        return;
    }
    m_layingOut = true;
    const int width = m_chatColumn->width();
    const int spacing = std::max(0, m_buttonLayout->spacing());
    const int gaps = 3 * spacing + m_composerLayout->horizontalSpacing();
    const int wide = buttonWidth(m_send, tr("&Send"))
        + buttonWidth(m_smile, tr("%1 S&mile").arg(m_smileFace))
        + buttonWidth(m_frown, tr("%1 &Frown").arg(m_frownFace))
        + buttonWidth(m_leave, tr("&Leave")) + LeaveGap + gaps;
    const int compact = compactWidth(m_send, tr("&Send")) + compactWidth(m_smile, m_smileFace)
        + compactWidth(m_frown, m_frownFace) + compactWidth(m_leave, tr("&Leave")) + CompactLeaveGap
        + gaps;
    const int room = int(width * (1 - EntryShare));
    const Composer composer = wide <= room ? Composer::Wide
        : compact <= room                  ? Composer::Compact
                                           : Composer::Stacked;
    if (composer != m_composer) {
        setComposer(composer);
    }
    m_layingOut = false;
}

bool ChatPage::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_chatColumn && event->type() == QEvent::Resize) {
        updateComposer();
    }
    return QWidget::eventFilter(watched, event);
}

void ChatPage::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange || event->type() == QEvent::StyleChange) {
        chooseFaces();
        updateComposer();
    }
}

void ChatPage::updateSelfName()
{
    for (auto it = m_views.cbegin(); it != m_views.cend(); ++it) {
        it.key()->messages()->setSelfName(m_client.name());
    }
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
        conversation->messages()->setSelfName(m_client.name());
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

QString ChatPage::typed() const
{
    // Blank lines before or after the message are not part of it. (No regular expression: one
    // with nested repeats took seconds over a paste with many blank lines.)
    const QString text = m_entry->text();
    qsizetype first = 0;
    qsizetype end = text.size();
    for (qsizetype i = 0; i < text.size() && text.at(i).isSpace(); ++i) {
        if (text.at(i) == u'\n') {
            first = i + 1;
        }
    }
    for (qsizetype i = text.size() - 1; i >= first && text.at(i).isSpace(); --i) {
        if (text.at(i) == u'\n') {
            end = i;
        }
    }
    return text.mid(first, end - first);
}

void ChatPage::send()
{
    const QString text = typed();
    if (text.trimmed().isEmpty() || m_client.state() == ChatClient::State::Disconnected
        || isTooLong()) {
        return; // too long: it stays, with the count in red, to be shortened
    }
    m_client.submit(text);
    m_entry->clear();
}

void ChatPage::sendQuick(const QString &text)
{
    m_client.say(text);
    m_entry->setFocus();
}

int ChatPage::messageLength(const QString &input)
{
    // What the command parser takes off before the text it sends.
    static const QRegularExpression prefix(uR"(^\s*(?:/msg\s+\S+\s+|/say\s+|%[^%\s]+%|/(?=/)))"_s,
        QRegularExpression::CaseInsensitiveOption);
    const QRegularExpressionMatch match = prefix.match(input);
    return int(input.size() - (match.hasMatch() ? match.capturedLength() : 0));
}

bool ChatPage::isTooLong() const
{
    return messageLength(typed()) > MaxMessageLength;
}

void ChatPage::updateCount()
{
    const int left = MaxMessageLength - messageLength(typed());
    m_count->setVisible(left <= CountFrom);
    if (left > CountFrom) {
        return;
    }
    QPalette palette = this->palette();
    if (left < 0) {
        const bool dark = palette.color(QPalette::Window).lightness() < 128;
        palette.setColor(QPalette::WindowText, dark ? QColor(255, 120, 110) : QColor(190, 30, 30));
        m_count->setText(tr("<b>%Ln too many</b>", "", -left));
    } else {
        m_count->setText(tr("%Ln left", "", left));
    }
    m_count->setPalette(palette);
}

void ChatPage::updateEnabled()
{
    // While the connection is coming back, what is typed waits (shown as "sending…") and goes
    // out once it is back.
    const bool online = m_client.isOnline();
    const bool canType = m_client.state() != ChatClient::State::Disconnected;
    m_entry->setEnabled(canType);
    m_send->setEnabled(canType && !m_entry->text().trimmed().isEmpty() && !isTooLong());
    m_smile->setEnabled(canType);
    m_frown->setEnabled(canType);
    m_leave->setEnabled(canType);
    updateCount();
    const Conversation *conversation = m_client.current();
    const QString where
        = conversation->isRoom() ? u"#"_s + conversation->name() : conversation->name();
    m_entry->setPlaceholderText(online ? tr("Message %1 (/help for commands)").arg(where)
            : canType                  ? tr("Offline — messages wait until the server is back")
                                       : tr("Not connected"));
    m_entry->setToolTip(tr("Enter sends; Shift+Enter starts a new line. /msg NAME opens a "
                           "private conversation; /join ROOM goes to a room. Double-click a name "
                           "on the right to message them."));
}

#include "conversationsidebar.h"

#include "conversation.h"
#include "conversationdelegate.h"
#include "conversationlist.h"

#include <QContextMenuEvent>
#include <QItemSelectionModel>
#include <QKeyEvent>
#include <QListView>
#include <QMenu>
#include <QToolButton>
#include <QVBoxLayout>

#include <functional>

using namespace Qt::StringLiterals;

namespace {

// The list itself. Its selection is the conversation shown and moves only when the sidebar
// moves it: a click or the arrow keys move the focus, and the sidebar decides what a click or
// Enter means. Space activates like Enter; the context menu goes to the sidebar.
class SidebarView : public QListView
{
public:
    using QListView::QListView;

    std::function<void(const QModelIndex &, const QPoint &)> onContextMenu;

protected:
    QItemSelectionModel::SelectionFlags selectionCommand(
        const QModelIndex &, const QEvent *) const override
    {
        return QItemSelectionModel::NoUpdate;
    }

    // The arrow keys pass over the headings already (they are not enabled); Home, End and the
    // page keys would stop on one and so not move at all: the nearest conversation instead.
    QModelIndex moveCursor(CursorAction action, Qt::KeyboardModifiers modifiers) override
    {
        const QModelIndex index = QListView::moveCursor(action, modifiers);
        if (!index.isValid() || (index.flags() & Qt::ItemIsEnabled)) {
            return index;
        }
        const bool upwards = action == MoveUp || action == MovePageUp || action == MoveEnd
            || action == MovePrevious;
        for (const int step : {upwards ? -1 : 1, upwards ? 1 : -1}) {
            for (int row = index.row() + step; row >= 0 && row < model()->rowCount(); row += step) {
                const QModelIndex candidate = index.siblingAtRow(row);
                if (candidate.flags() & Qt::ItemIsEnabled) {
                    return candidate;
                }
            }
        }
        return currentIndex();
    }

    void keyPressEvent(QKeyEvent *event) override
    {
        if (event->key() == Qt::Key_Space && event->modifiers() == Qt::NoModifier
            && currentIndex().isValid()) {
            emit activated(currentIndex());
            event->accept();
            return;
        }
        QListView::keyPressEvent(event);
    }

    void contextMenuEvent(QContextMenuEvent *event) override
    {
        // From the keyboard, the menu is for the row with the focus, shown over it.
        const bool keyboard = event->reason() == QContextMenuEvent::Keyboard;
        const QModelIndex index = keyboard ? currentIndex() : indexAt(event->pos());
        const QPoint where
            = keyboard ? viewport()->mapToGlobal(visualRect(index).center()) : event->globalPos();
        if (onContextMenu && index.isValid()) {
            onContextMenu(index, where);
        }
        event->accept();
    }
};

} // namespace

ConversationSidebar::ConversationSidebar(QWidget *parent)
    : ConversationSidebar(nullptr, parent)
{
}

ConversationSidebar::ConversationSidebar(ConversationList *list, QWidget *parent)
    : QWidget(parent)
    , m_delegate(new ConversationDelegate(this))
    , m_joinRoom(new QToolButton(this))
    , m_newConversation(new QToolButton(this))
{
    auto *view = new SidebarView(this);
    view->onContextMenu = [this](const QModelIndex &index, const QPoint &where) {
        showContextMenu(index, where);
    };
    m_view = view;
    setAccessibleName(tr("Conversations"));
    m_view->setAccessibleName(tr("Conversations"));
    m_view->setItemDelegate(m_delegate);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_view->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_view->setFrameShape(QFrame::NoFrame);
    m_view->setMouseTracking(true);
    m_view->viewport()->setAttribute(Qt::WA_Hover);

    const auto setUp = [](QToolButton *button, const QString &text, const QString &tip) {
        button->setText(text);
        button->setToolTip(tip);
        button->setAutoRaise(true);
        button->setToolButtonStyle(Qt::ToolButtonTextOnly);
    };
    setUp(m_joinRoom, tr("+ Join a room…"), tr("Join or create a room"));
    setUp(m_newConversation, tr("+ Message someone…"),
        tr("Start a private conversation with someone"));

    // One colour for the whole column, set apart from the chat (which is on Base).
    m_view->viewport()->setBackgroundRole(QPalette::Window);
    auto *buttons = new QVBoxLayout;
    buttons->setContentsMargins(6, 4, 6, 6);
    buttons->setSpacing(0);
    buttons->addWidget(m_joinRoom, 0, Qt::AlignLeft);
    buttons->addWidget(m_newConversation, 0, Qt::AlignLeft);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_view, 1);
    layout->addLayout(buttons);
    setTabOrder(m_view, m_joinRoom);
    setTabOrder(m_joinRoom, m_newConversation);
    setFocusProxy(m_view);

    connect(m_view, &QListView::clicked, this, &ConversationSidebar::activate);
    connect(m_view, &QListView::activated, this, &ConversationSidebar::activate);
    connect(m_joinRoom, &QToolButton::clicked, this, &ConversationSidebar::joinRoomRequested);
    connect(m_newConversation, &QToolButton::clicked, this,
        &ConversationSidebar::newConversationRequested);
    setModel(list);
}

void ConversationSidebar::setModel(ConversationList *list)
{
    if (list == m_list) {
        return;
    }
    if (m_list) {
        m_list->disconnect(this);
    }
    m_current = nullptr;
    m_list = list;
    QItemSelectionModel *old = m_view->selectionModel();
    m_view->setModel(list);
    delete old; // setModel made a new one
    if (!list) {
        return;
    }
    connect(list, &ConversationList::removing, this, [this](Conversation *conversation) {
        if (conversation == m_current) {
            m_current = nullptr;
        }
    });
    // The selection model keeps the selected row through inserts and removals above it; this
    // puts it right after anything else (the conversation shown was removed, a reset).
    connect(list, &QAbstractItemModel::rowsInserted, this, &ConversationSidebar::syncSelection);
    connect(list, &QAbstractItemModel::rowsRemoved, this, &ConversationSidebar::syncSelection);
    connect(list, &QAbstractItemModel::modelReset, this, &ConversationSidebar::syncSelection);
    connect(list, &QAbstractItemModel::layoutChanged, this, &ConversationSidebar::syncSelection);
}

void ConversationSidebar::setCurrent(Conversation *conversation)
{
    const QModelIndex index = m_list ? m_list->indexOf(conversation) : QModelIndex();
    m_current = index.isValid() ? conversation : nullptr;
    QItemSelectionModel *selection = m_view->selectionModel();
    if (!selection) {
        return;
    }
    if (!index.isValid()) {
        selection->clearSelection();
        return;
    }
    selection->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect);
    m_view->scrollTo(index);
}

void ConversationSidebar::syncSelection()
{
    QItemSelectionModel *selection = m_view->selectionModel();
    if (!selection) {
        return;
    }
    const QModelIndex index = m_list ? m_list->indexOf(m_current) : QModelIndex();
    if (!index.isValid()) {
        selection->clearSelection();
    } else if (selection->selectedIndexes() != QModelIndexList{index}) {
        selection->select(index, QItemSelectionModel::ClearAndSelect);
    }
}

void ConversationSidebar::activate(const QModelIndex &index)
{
    Conversation *conversation = m_list ? m_list->at(index) : nullptr;
    // A heading is no conversation; the one shown is shown already (a click on it may also
    // come as an activation, depending on the style).
    if (!conversation || conversation == m_current) {
        return;
    }
    setCurrent(conversation);
    emit conversationActivated(conversation);
}

QMenu *ConversationSidebar::contextMenuFor(Conversation *conversation)
{
    if (!conversation) {
        return nullptr;
    }
    auto *menu = new QMenu(this);
    const QPointer<Conversation> guarded(conversation);

    // Mute and Show joins and leaves act at once; their connections end with the conversation.
    QAction *mute = menu->addAction(tr("&Mute"));
    mute->setObjectName(u"mute"_s);
    mute->setCheckable(true);
    mute->setChecked(conversation->isMuted());
    mute->setToolTip(tr("No unread count in the window title and no notifications"));
    connect(mute, &QAction::toggled, conversation,
        [conversation](bool muted) { conversation->setMuted(muted); });

    if (conversation->isRoom()) {
        QAction *presence = menu->addAction(tr("Show &joins and leaves"));
        presence->setObjectName(u"showPresence"_s);
        presence->setCheckable(true);
        presence->setChecked(conversation->showsPresence());
        connect(presence, &QAction::toggled, conversation,
            [conversation](bool shows) { conversation->setShowsPresence(shows); });
        menu->addSeparator();
        QAction *leave = menu->addAction(tr("&Leave room"));
        leave->setObjectName(u"leave"_s);
        connect(leave, &QAction::triggered, this, [this, guarded] {
            if (guarded) {
                emit leaveRequested(guarded);
            }
        });
    } else {
        menu->addSeparator();
        QAction *close = menu->addAction(tr("&Close conversation"));
        close->setObjectName(u"close"_s);
        connect(close, &QAction::triggered, this, [this, guarded] {
            if (guarded) {
                emit closeRequested(guarded);
            }
        });
    }
    return menu;
}

void ConversationSidebar::showContextMenu(const QModelIndex &index, const QPoint &globalPos)
{
    QMenu *menu = contextMenuFor(m_list ? m_list->at(index) : nullptr);
    if (!menu) {
        return; // a heading
    }
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->popup(globalPos);
}

QSize ConversationSidebar::sizeHint() const
{
    return {180, QWidget::sizeHint().height()};
}

QSize ConversationSidebar::minimumSizeHint() const
{
    return {120, QWidget::minimumSizeHint().height()};
}

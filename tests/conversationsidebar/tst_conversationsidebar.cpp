#include "conversation.h"
#include "conversationdelegate.h"
#include "conversationlist.h"
#include "conversationsidebar.h"

#include <QAction>
#include <QContextMenuEvent>
#include <QImage>
#include <QItemSelectionModel>
#include <QListView>
#include <QMenu>
#include <QPainter>
#include <QSignalSpy>
#include <QTest>
#include <QToolButton>

#include <memory>

using namespace Qt::StringLiterals;

// The chat window's sidebar on its own, over a real ConversationList (no server: the window
// wires it to ChatClient): the rows as drawn (headings, "#" and the lock, badges in the accent
// colour, red for mentions, grey when muted), activation by click, Enter and Space but not by
// the arrow keys or a right click, headings that take no selection, the selection staying on
// the conversation shown while rows come and go, and the context menus.
class tst_ConversationSidebar : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void rowsInOrderWithTheirRoles();
    void labels();
    void badgeTextStopsAt99();
    void badgeColours();
    void paintsEveryRowInEveryState();
    void badgesAreDrawnInTheirColour();
    void headingsAreShorterThanConversations();
    void clickActivates();
    void clickOnTheCurrentRowDoesNotActivateAgain();
    void rightClickDoesNotActivate();
    void arrowKeysMoveTheFocusOnlyAndEnterActivates();
    void spaceActivates();
    void headingsCannotBeSelected();
    void arrowKeysSkipHeadings();
    void setCurrentSelectsWithoutActivating();
    void setCurrentNullClearsTheSelection();
    void selectionStaysWhenARoomIsAddedAbove();
    void selectionStaysWhenARowAboveIsRemoved();
    void removingTheCurrentConversation();
    void clearingTheList();
    void roomMenu();
    void roomMenuMuteToggles();
    void roomMenuShowJoinsAndLeavesToggles();
    void roomMenuLeaveEmits();
    void directMenu();
    void directMenuCloseEmits();
    void noMenuForAHeading();
    void rightClickOpensTheMenu();
    void menuOutlivesItsConversation();
    void buttonsAskToJoinAndToMessage();
    void accessibleNameAndWidth();
    void settingAnotherModel();

private:
    QModelIndex rowOf(const Conversation *conversation) const
    {
        return m_list->indexOf(conversation);
    }
    QRect rectOf(const QModelIndex &index) const { return m_sidebar->view()->visualRect(index); }
    Conversation *selected() const;
    QImage render(const QModelIndex &index, QStyle::State state = {}) const;
    static QStringList actionNames(const QMenu *menu);
    static QAction *action(const QMenu *menu, const QString &name);

    std::unique_ptr<ConversationList> m_list;
    std::unique_ptr<ConversationSidebar> m_sidebar;
    Conversation *m_general = nullptr;
    Conversation *m_dev = nullptr;
    Conversation *m_ops = nullptr;
    Conversation *m_random = nullptr;
    Conversation *m_alice = nullptr;
    Conversation *m_bob = nullptr;
};

void tst_ConversationSidebar::init()
{
    m_list = std::make_unique<ConversationList>();
    // Added out of order: the list sorts them.
    m_random = m_list->addRoom(u"random"_s);
    m_general = m_list->addRoom(u"general"_s);
    m_ops = m_list->addRoom(u"ops"_s);
    m_dev = m_list->addRoom(u"dev"_s);
    m_bob = m_list->addDirect(u"bob"_s);
    m_alice = m_list->addDirect(u"alice"_s);
    m_general->setUnread(3);
    m_dev->addUnread(12, true);
    m_ops->setPrivate(true);
    m_random->setUnread(5);
    m_random->setMuted(true);
    m_alice->addUnread(2, true);

    m_sidebar = std::make_unique<ConversationSidebar>(m_list.get());
    m_sidebar->resize(200, 400);
    m_sidebar->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_sidebar.get()));
}

void tst_ConversationSidebar::cleanup()
{
    m_sidebar.reset();
    m_list.reset();
}

Conversation *tst_ConversationSidebar::selected() const
{
    const QModelIndexList rows = m_sidebar->view()->selectionModel()->selectedIndexes();
    return rows.size() == 1 ? m_list->at(rows.first()) : nullptr;
}

QImage tst_ConversationSidebar::render(const QModelIndex &index, QStyle::State state) const
{
    const QListView *view = m_sidebar->view();
    QStyleOptionViewItem option;
    option.initFrom(view);
    option.widget = view;
    option.font = view->font();
    option.state = QStyle::State_Enabled | state;
    option.rect = QRect(QPoint(0, 0), m_sidebar->delegate()->sizeHint(option, index));
    option.rect.setWidth(200);
    QImage image(option.rect.size(), QImage::Format_ARGB32_Premultiplied);
    image.fill(option.palette.color(QPalette::Base));
    QPainter painter(&image);
    m_sidebar->delegate()->paint(&painter, option, index);
    painter.end();
    return image;
}

QStringList tst_ConversationSidebar::actionNames(const QMenu *menu)
{
    QStringList names;
    for (const QAction *action : menu->actions()) {
        if (!action->isSeparator()) {
            names.append(action->objectName());
        }
    }
    return names;
}

QAction *tst_ConversationSidebar::action(const QMenu *menu, const QString &name)
{
    for (QAction *action : menu->actions()) {
        if (action->objectName() == name) {
            return action;
        }
    }
    return nullptr;
}

namespace {

bool hasColour(const QImage &image, const QColor &colour)
{
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x) {
            if (image.pixelColor(x, y).rgb() == colour.rgb()) {
                return true;
            }
        }
    }
    return false;
}

} // namespace

void tst_ConversationSidebar::rowsInOrderWithTheirRoles()
{
    using RowKind = ConversationList::RowKind;
    const QListView *view = m_sidebar->view();
    QCOMPARE(view->model(), m_list.get());
    const QList<Conversation *> expected
        = {nullptr, m_dev, m_general, m_ops, m_random, nullptr, m_alice, m_bob};
    QCOMPARE(m_list->rowCount(), expected.size());
    for (int row = 0; row < expected.size(); ++row) {
        const QModelIndex index = m_list->index(row);
        QCOMPARE(m_list->at(index), expected.at(row));
        const auto kind = index.data(ConversationList::KindRole).value<RowKind>();
        const Conversation *c = expected.at(row);
        QCOMPARE(kind, !c ? RowKind::Heading : c->isRoom() ? RowKind::Room : RowKind::Direct);
        QCOMPARE(index.data(ConversationList::ConversationRole).value<QObject *>(), c);
        QVERIFY(view->visualRect(index).isValid());
        if (row > 0) {
            QVERIFY(
                view->visualRect(index).top() >= view->visualRect(m_list->index(row - 1)).bottom());
        }
    }
    QCOMPARE(rowOf(m_dev).data(ConversationList::UnreadRole).toInt(), 12);
    QCOMPARE(rowOf(m_dev).data(ConversationList::MentionRole).toBool(), true);
    QCOMPARE(rowOf(m_general).data(ConversationList::MentionRole).toBool(), false);
    QCOMPARE(rowOf(m_random).data(ConversationList::MutedRole).toBool(), true);
    QCOMPARE(rowOf(m_ops).data(ConversationList::PrivateRole).toBool(), true);
    QCOMPARE(rowOf(m_alice).data(ConversationList::UnreadRole).toInt(), 2);
    QCOMPARE(rowOf(m_bob).data(ConversationList::UnreadRole).toInt(), 0);
}

void tst_ConversationSidebar::labels()
{
    QStringList labels;
    for (int row = 0; row < m_list->rowCount(); ++row) {
        labels.append(ConversationDelegate::label(m_list->index(row)));
    }
    QCOMPARE(labels,
        QStringList({u"Rooms"_s, u"# dev"_s, u"# general"_s, u"🔒 ops"_s, u"# random"_s,
            u"Direct messages"_s, u"alice"_s, u"bob"_s}));
}

void tst_ConversationSidebar::badgeTextStopsAt99()
{
    QCOMPARE(ConversationDelegate::badgeText(0), QString());
    QCOMPARE(ConversationDelegate::badgeText(-1), QString());
    QCOMPARE(ConversationDelegate::badgeText(1), u"1"_s);
    QCOMPARE(ConversationDelegate::badgeText(99), u"99"_s);
    QCOMPARE(ConversationDelegate::badgeText(100), u"99+"_s);
    QCOMPARE(ConversationDelegate::badgeText(12345), u"99+"_s);
}

void tst_ConversationSidebar::badgeColours()
{
    const QPalette palette = m_sidebar->view()->palette();
    const QColor accent = palette.color(QPalette::Highlight);
    const QColor general = ConversationDelegate::badgeColor(rowOf(m_general), palette);
    const QColor dev = ConversationDelegate::badgeColor(rowOf(m_dev), palette);
    const QColor random = ConversationDelegate::badgeColor(rowOf(m_random), palette);
    QCOMPARE(general, accent);
    // A mention is red: much more red than green or blue.
    QVERIFY(dev != accent);
    QVERIFY(dev.red() > 150 && dev.green() < 100 && dev.blue() < 100);
    // Muted is grey.
    QVERIFY(random != accent);
    QCOMPARE(random.hslSaturation(), 0);
    // Muting wins over a mention (every private message counts as one).
    m_alice->setMuted(true);
    QCOMPARE(ConversationDelegate::badgeColor(rowOf(m_alice), palette), random);
}

void tst_ConversationSidebar::paintsEveryRowInEveryState()
{
    const QList<QStyle::State> states = {{}, QStyle::State_Selected, QStyle::State_MouseOver,
        QStyle::State_HasFocus, QStyle::State_Selected | QStyle::State_HasFocus};
    m_bob->setUnread(1234);
    m_list->addDirect(u"someone with a name far too long to fit in a sidebar"_s)->setMuted(true);
    for (int row = 0; row < m_list->rowCount(); ++row) {
        for (const QStyle::State state : states) {
            const QImage image = render(m_list->index(row), state);
            QVERIFY(!image.isNull());
        }
    }
    QVERIFY(!m_sidebar->grab().isNull());
}

void tst_ConversationSidebar::badgesAreDrawnInTheirColour()
{
    const QPalette palette = m_sidebar->view()->palette();
    const QColor accent = palette.color(QPalette::Highlight);
    const QColor red = ConversationDelegate::badgeColor(rowOf(m_dev), palette);
    const QColor grey = ConversationDelegate::badgeColor(rowOf(m_random), palette);
    QVERIFY(hasColour(render(rowOf(m_general)), accent));
    QVERIFY(!hasColour(render(rowOf(m_general)), red));
    QVERIFY(hasColour(render(rowOf(m_dev)), red));
    QVERIFY(!hasColour(render(rowOf(m_dev)), accent));
    QVERIFY(hasColour(render(rowOf(m_random)), grey));
    QVERIFY(!hasColour(render(rowOf(m_random)), accent));
    QVERIFY(!hasColour(render(rowOf(m_bob)), accent)); // nothing unread, no badge
    // Selected: the accent badge turns around so it stays visible on the accent background.
    const QImage selectedGeneral = render(rowOf(m_general), QStyle::State_Selected);
    QVERIFY(hasColour(selectedGeneral, palette.color(QPalette::HighlightedText)));
    // Read: the badge goes.
    m_general->markRead();
    QVERIFY(!hasColour(render(rowOf(m_general)), accent));
}

void tst_ConversationSidebar::headingsAreShorterThanConversations()
{
    const QListView *view = m_sidebar->view();
    const int heading = view->visualRect(m_list->index(0)).height();
    const int room = view->visualRect(rowOf(m_general)).height();
    QVERIFY(heading > 0);
    QVERIFY(room >= QFontMetrics(view->font()).height());
    QVERIFY(room != heading);
    QCOMPARE(view->visualRect(rowOf(m_bob)).height(), room);
}

void tst_ConversationSidebar::clickActivates()
{
    QSignalSpy activated(m_sidebar.get(), &ConversationSidebar::conversationActivated);
    QVERIFY(activated.isValid());
    QTest::mouseClick(
        m_sidebar->view()->viewport(), Qt::LeftButton, {}, rectOf(rowOf(m_ops)).center());
    QCOMPARE(activated.size(), 1);
    QCOMPARE(activated.at(0).at(0).value<Conversation *>(), m_ops);
    QCOMPARE(m_sidebar->current(), m_ops);
    QCOMPARE(selected(), m_ops);

    QTest::mouseClick(
        m_sidebar->view()->viewport(), Qt::LeftButton, {}, rectOf(rowOf(m_bob)).center());
    QCOMPARE(activated.size(), 2);
    QCOMPARE(activated.at(1).at(0).value<Conversation *>(), m_bob);
    QCOMPARE(selected(), m_bob);
}

void tst_ConversationSidebar::clickOnTheCurrentRowDoesNotActivateAgain()
{
    m_sidebar->setCurrent(m_general);
    QSignalSpy activated(m_sidebar.get(), &ConversationSidebar::conversationActivated);
    QVERIFY(activated.isValid());
    QTest::mouseClick(
        m_sidebar->view()->viewport(), Qt::LeftButton, {}, rectOf(rowOf(m_general)).center());
    QCOMPARE(activated.size(), 0);
    QCOMPARE(selected(), m_general);
}

void tst_ConversationSidebar::rightClickDoesNotActivate()
{
    m_sidebar->setCurrent(m_general);
    QSignalSpy activated(m_sidebar.get(), &ConversationSidebar::conversationActivated);
    QVERIFY(activated.isValid());
    QTest::mouseClick(
        m_sidebar->view()->viewport(), Qt::RightButton, {}, rectOf(rowOf(m_dev)).center());
    QCOMPARE(activated.size(), 0);
    QCOMPARE(selected(), m_general);
    QCOMPARE(m_sidebar->current(), m_general);
}

void tst_ConversationSidebar::arrowKeysMoveTheFocusOnlyAndEnterActivates()
{
    QListView *view = m_sidebar->view();
    m_sidebar->setCurrent(m_general);
    QSignalSpy activated(m_sidebar.get(), &ConversationSidebar::conversationActivated);
    QVERIFY(activated.isValid());
    QTest::keyClick(view, Qt::Key_Down);
    QCOMPARE(m_list->at(view->currentIndex()), m_ops);
    QCOMPARE(selected(), m_general); // still the one shown
    QCOMPARE(activated.size(), 0);
    QTest::keyClick(view, Qt::Key_Return);
    QCOMPARE(activated.size(), 1);
    QCOMPARE(activated.at(0).at(0).value<Conversation *>(), m_ops);
    QCOMPARE(selected(), m_ops);
    QTest::keyClick(view, Qt::Key_Up);
    QTest::keyClick(view, Qt::Key_Enter);
    QCOMPARE(activated.size(), 2);
    QCOMPARE(activated.at(1).at(0).value<Conversation *>(), m_general);
}

void tst_ConversationSidebar::spaceActivates()
{
    QListView *view = m_sidebar->view();
    m_sidebar->setCurrent(m_bob);
    QSignalSpy activated(m_sidebar.get(), &ConversationSidebar::conversationActivated);
    QVERIFY(activated.isValid());
    QTest::keyClick(view, Qt::Key_Up);
    QCOMPARE(m_list->at(view->currentIndex()), m_alice);
    QTest::keyClick(view, Qt::Key_Space);
    QCOMPARE(activated.size(), 1);
    QCOMPARE(activated.at(0).at(0).value<Conversation *>(), m_alice);
}

void tst_ConversationSidebar::headingsCannotBeSelected()
{
    const QModelIndex rooms = m_list->index(0);
    const QModelIndex directs = m_list->index(5);
    QVERIFY(!(m_list->flags(rooms) & Qt::ItemIsSelectable));
    QVERIFY(!(m_list->flags(directs) & Qt::ItemIsSelectable));
    m_sidebar->setCurrent(m_general);
    QSignalSpy activated(m_sidebar.get(), &ConversationSidebar::conversationActivated);
    QVERIFY(activated.isValid());
    for (const QModelIndex &heading : {rooms, directs}) {
        QTest::mouseClick(
            m_sidebar->view()->viewport(), Qt::LeftButton, {}, rectOf(heading).center());
        QTest::mouseDClick(
            m_sidebar->view()->viewport(), Qt::LeftButton, {}, rectOf(heading).center());
    }
    QCOMPARE(activated.size(), 0);
    QCOMPARE(selected(), m_general);
    QCOMPARE(m_sidebar->current(), m_general);
}

void tst_ConversationSidebar::arrowKeysSkipHeadings()
{
    QListView *view = m_sidebar->view();
    m_sidebar->setCurrent(m_dev); // the first room, right under "Rooms"
    QTest::keyClick(view, Qt::Key_Up);
    QVERIFY(m_list->at(view->currentIndex()));
    m_sidebar->setCurrent(m_random); // the last room, over "Direct messages"
    QTest::keyClick(view, Qt::Key_Down);
    QCOMPARE(m_list->at(view->currentIndex()), m_alice);
    QTest::keyClick(view, Qt::Key_Up);
    QCOMPARE(m_list->at(view->currentIndex()), m_random);
    QTest::keyClick(view, Qt::Key_Home);
    QCOMPARE(m_list->at(view->currentIndex()), m_dev);
    QTest::keyClick(view, Qt::Key_End);
    QCOMPARE(m_list->at(view->currentIndex()), m_bob);
    QTest::keyClick(view, Qt::Key_PageUp);
    QVERIFY(m_list->at(view->currentIndex()));
    QTest::keyClick(view, Qt::Key_PageDown);
    QVERIFY(m_list->at(view->currentIndex()));
    // With no private conversations, the last row is a heading: End stops above it.
    m_list->remove(m_alice);
    m_list->remove(m_bob);
    QTest::keyClick(view, Qt::Key_End);
    QCOMPARE(m_list->at(view->currentIndex()), m_random);
    QCOMPARE(selected(), m_random); // only the focus moved
}

void tst_ConversationSidebar::setCurrentSelectsWithoutActivating()
{
    QSignalSpy activated(m_sidebar.get(), &ConversationSidebar::conversationActivated);
    QVERIFY(activated.isValid());
    m_sidebar->setCurrent(m_alice);
    QCOMPARE(m_sidebar->current(), m_alice);
    QCOMPARE(selected(), m_alice);
    QCOMPARE(m_list->at(m_sidebar->view()->currentIndex()), m_alice);
    m_sidebar->setCurrent(m_dev);
    QCOMPARE(selected(), m_dev);
    QCOMPARE(activated.size(), 0);
}

void tst_ConversationSidebar::setCurrentNullClearsTheSelection()
{
    m_sidebar->setCurrent(m_alice);
    m_sidebar->setCurrent(nullptr);
    QCOMPARE(m_sidebar->current(), nullptr);
    QVERIFY(m_sidebar->view()->selectionModel()->selectedIndexes().isEmpty());
    // One that is not in the list is none either.
    Conversation stranger(Conversation::Kind::Room, u"elsewhere"_s);
    m_sidebar->setCurrent(&stranger);
    QCOMPARE(m_sidebar->current(), nullptr);
    QVERIFY(m_sidebar->view()->selectionModel()->selectedIndexes().isEmpty());
}

void tst_ConversationSidebar::selectionStaysWhenARoomIsAddedAbove()
{
    m_sidebar->setCurrent(m_general);
    const int before = rowOf(m_general).row();
    m_list->addRoom(u"aaa"_s);
    m_list->addRoom(u"Charlie"_s);
    QCOMPARE(rowOf(m_general).row(), before + 2);
    QCOMPARE(selected(), m_general);
    QCOMPARE(m_sidebar->current(), m_general);

    // A direct conversation is below every room: adding any room moves it.
    m_sidebar->setCurrent(m_bob);
    m_list->addRoom(u"zzz"_s);
    m_list->addDirect(u"adam"_s);
    QCOMPARE(selected(), m_bob);
    QCOMPARE(m_list->at(m_sidebar->view()->currentIndex()), m_bob);
}

void tst_ConversationSidebar::selectionStaysWhenARowAboveIsRemoved()
{
    m_sidebar->setCurrent(m_alice);
    m_list->remove(m_dev);
    m_list->remove(m_general);
    QCOMPARE(selected(), m_alice);
    m_sidebar->setCurrent(m_random);
    m_list->remove(m_ops);
    QCOMPARE(selected(), m_random);
    QCOMPARE(m_sidebar->current(), m_random);
}

void tst_ConversationSidebar::removingTheCurrentConversation()
{
    m_sidebar->setCurrent(m_general);
    QSignalSpy activated(m_sidebar.get(), &ConversationSidebar::conversationActivated);
    QVERIFY(activated.isValid());
    m_list->remove(m_general);
    QCOMPARE(m_sidebar->current(), nullptr);
    QVERIFY(m_sidebar->view()->selectionModel()->selectedIndexes().isEmpty());
    QCOMPARE(activated.size(), 0);
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete); // it is gone now
    QVERIFY(!m_sidebar->grab().isNull());
    // Rows added afterwards select nothing.
    m_list->addRoom(u"again"_s);
    QVERIFY(m_sidebar->view()->selectionModel()->selectedIndexes().isEmpty());
    // And the sidebar goes on working.
    QTest::mouseClick(
        m_sidebar->view()->viewport(), Qt::LeftButton, {}, rectOf(rowOf(m_ops)).center());
    QCOMPARE(activated.size(), 1);
    QCOMPARE(selected(), m_ops);
}

void tst_ConversationSidebar::clearingTheList()
{
    m_sidebar->setCurrent(m_bob);
    m_list->clear();
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    QCOMPARE(m_sidebar->current(), nullptr);
    QCOMPARE(m_list->rowCount(), 2); // the headings
    QVERIFY(!m_sidebar->grab().isNull());
}

void tst_ConversationSidebar::roomMenu()
{
    const std::unique_ptr<QMenu> menu(m_sidebar->contextMenuFor(m_general));
    QVERIFY(menu);
    QCOMPARE(actionNames(menu.get()), QStringList({u"mute"_s, u"showPresence"_s, u"leave"_s}));
    QVERIFY(action(menu.get(), u"mute"_s)->isCheckable());
    QVERIFY(!action(menu.get(), u"mute"_s)->isChecked());
    QVERIFY(action(menu.get(), u"showPresence"_s)->isCheckable());
    QVERIFY(action(menu.get(), u"showPresence"_s)->isChecked());
    QVERIFY(!action(menu.get(), u"leave"_s)->isCheckable());
    QVERIFY(action(menu.get(), u"leave"_s)->text().contains(u"Leave room"_s.mid(1)));

    // The checks show the conversation as it is.
    const std::unique_ptr<QMenu> mutedMenu(m_sidebar->contextMenuFor(m_random));
    QVERIFY(action(mutedMenu.get(), u"mute"_s)->isChecked());
}

void tst_ConversationSidebar::roomMenuMuteToggles()
{
    QSignalSpy totalUnread(m_list.get(), &ConversationList::totalUnreadChanged);
    QVERIFY(totalUnread.isValid());
    {
        const std::unique_ptr<QMenu> menu(m_sidebar->contextMenuFor(m_general));
        action(menu.get(), u"mute"_s)->trigger();
    }
    QVERIFY(m_general->isMuted());
    QCOMPARE(rowOf(m_general).data(ConversationList::MutedRole).toBool(), true);
    QCOMPARE(totalUnread.size(), 1);
    {
        const std::unique_ptr<QMenu> menu(m_sidebar->contextMenuFor(m_general));
        QVERIFY(action(menu.get(), u"mute"_s)->isChecked());
        action(menu.get(), u"mute"_s)->trigger();
    }
    QVERIFY(!m_general->isMuted());
}

void tst_ConversationSidebar::roomMenuShowJoinsAndLeavesToggles()
{
    const std::unique_ptr<QMenu> menu(m_sidebar->contextMenuFor(m_dev));
    QAction *presence = action(menu.get(), u"showPresence"_s);
    QVERIFY(m_dev->showsPresence());
    presence->trigger();
    QVERIFY(!m_dev->showsPresence());
    presence->trigger();
    QVERIFY(m_dev->showsPresence());
}

void tst_ConversationSidebar::roomMenuLeaveEmits()
{
    QSignalSpy leave(m_sidebar.get(), &ConversationSidebar::leaveRequested);
    QSignalSpy close(m_sidebar.get(), &ConversationSidebar::closeRequested);
    QVERIFY(leave.isValid());
    QVERIFY(close.isValid());
    const std::unique_ptr<QMenu> menu(m_sidebar->contextMenuFor(m_ops));
    action(menu.get(), u"leave"_s)->trigger();
    QCOMPARE(leave.size(), 1);
    QCOMPARE(leave.at(0).at(0).value<Conversation *>(), m_ops);
    QCOMPARE(close.size(), 0);
    QCOMPARE(m_list->room(u"ops"_s), m_ops); // the window leaves, once the server agrees
}

void tst_ConversationSidebar::directMenu()
{
    const std::unique_ptr<QMenu> menu(m_sidebar->contextMenuFor(m_alice));
    QVERIFY(menu);
    QCOMPARE(actionNames(menu.get()), QStringList({u"mute"_s, u"close"_s}));
    action(menu.get(), u"mute"_s)->trigger();
    QVERIFY(m_alice->isMuted());
    QCOMPARE(m_list->totalUnread(), 3 + 12); // general and dev; random and alice are muted
}

void tst_ConversationSidebar::directMenuCloseEmits()
{
    QSignalSpy close(m_sidebar.get(), &ConversationSidebar::closeRequested);
    QSignalSpy leave(m_sidebar.get(), &ConversationSidebar::leaveRequested);
    QVERIFY(close.isValid());
    QVERIFY(leave.isValid());
    const std::unique_ptr<QMenu> menu(m_sidebar->contextMenuFor(m_bob));
    action(menu.get(), u"close"_s)->trigger();
    QCOMPARE(close.size(), 1);
    QCOMPARE(close.at(0).at(0).value<Conversation *>(), m_bob);
    QCOMPARE(leave.size(), 0);
}

void tst_ConversationSidebar::noMenuForAHeading()
{
    QCOMPARE(m_sidebar->contextMenuFor(nullptr), nullptr);
    QWidget *viewport = m_sidebar->view()->viewport();
    const QPoint at = rectOf(m_list->index(0)).center();
    QContextMenuEvent event(QContextMenuEvent::Mouse, at, viewport->mapToGlobal(at));
    QCoreApplication::sendEvent(viewport, &event);
    QVERIFY(m_sidebar->findChildren<QMenu *>().isEmpty());
}

void tst_ConversationSidebar::rightClickOpensTheMenu()
{
    QWidget *viewport = m_sidebar->view()->viewport();
    const QPoint at = rectOf(rowOf(m_dev)).center();
    QContextMenuEvent event(QContextMenuEvent::Mouse, at, viewport->mapToGlobal(at));
    QCoreApplication::sendEvent(viewport, &event);
    const QList<QMenu *> menus = m_sidebar->findChildren<QMenu *>();
    QCOMPARE(menus.size(), 1);
    QMenu *menu = menus.first();
    QVERIFY(menu->isVisible());
    QCOMPARE(actionNames(menu), QStringList({u"mute"_s, u"showPresence"_s, u"leave"_s}));
    QSignalSpy leave(m_sidebar.get(), &ConversationSidebar::leaveRequested);
    QVERIFY(leave.isValid());
    action(menu, u"leave"_s)->trigger();
    QCOMPARE(leave.size(), 1);
    QCOMPARE(leave.at(0).at(0).value<Conversation *>(), m_dev);
    // It deletes itself once closed.
    menu->close();
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    QTRY_VERIFY(m_sidebar->findChildren<QMenu *>().isEmpty());

    // From the keyboard: the row with the focus.
    m_sidebar->setCurrent(m_bob);
    QContextMenuEvent key(QContextMenuEvent::Keyboard, QPoint(), QPoint());
    QCoreApplication::sendEvent(m_sidebar->view(), &key);
    const QList<QMenu *> keyMenus = m_sidebar->findChildren<QMenu *>();
    QCOMPARE(keyMenus.size(), 1);
    QCOMPARE(actionNames(keyMenus.first()), QStringList({u"mute"_s, u"close"_s}));
    keyMenus.first()->close();
}

void tst_ConversationSidebar::menuOutlivesItsConversation()
{
    QSignalSpy leave(m_sidebar.get(), &ConversationSidebar::leaveRequested);
    QVERIFY(leave.isValid());
    const std::unique_ptr<QMenu> menu(m_sidebar->contextMenuFor(m_general));
    m_list->remove(m_general);
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    action(menu.get(), u"mute"_s)->trigger();
    action(menu.get(), u"showPresence"_s)->trigger();
    action(menu.get(), u"leave"_s)->trigger();
    QCOMPARE(leave.size(), 0);
}

void tst_ConversationSidebar::buttonsAskToJoinAndToMessage()
{
    QSignalSpy join(m_sidebar.get(), &ConversationSidebar::joinRoomRequested);
    QSignalSpy message(m_sidebar.get(), &ConversationSidebar::newConversationRequested);
    QVERIFY(join.isValid());
    QVERIFY(message.isValid());
    QVERIFY(m_sidebar->joinRoomButton()->isVisible());
    QVERIFY(m_sidebar->newConversationButton()->isVisible());
    QTest::mouseClick(m_sidebar->joinRoomButton(), Qt::LeftButton);
    QCOMPARE(join.size(), 1);
    QCOMPARE(message.size(), 0);
    QTest::mouseClick(m_sidebar->newConversationButton(), Qt::LeftButton);
    QCOMPARE(join.size(), 1);
    QCOMPARE(message.size(), 1);
}

void tst_ConversationSidebar::accessibleNameAndWidth()
{
    QCOMPARE(m_sidebar->view()->accessibleName(), u"Conversations"_s);
    QCOMPARE(m_sidebar->accessibleName(), u"Conversations"_s);
    QVERIFY(m_sidebar->sizeHint().width() >= 160 && m_sidebar->sizeHint().width() <= 220);
    QVERIFY(m_sidebar->minimumSizeHint().width() < m_sidebar->sizeHint().width());
    // Names are elided, never scrolled sideways.
    QCOMPARE(m_sidebar->view()->horizontalScrollBarPolicy(), Qt::ScrollBarAlwaysOff);
}

void tst_ConversationSidebar::settingAnotherModel()
{
    m_sidebar->setCurrent(m_general);
    ConversationList other;
    Conversation *lobby = other.addRoom(u"lobby"_s);
    m_sidebar->setModel(&other);
    QCOMPARE(m_sidebar->model(), &other);
    QCOMPARE(m_sidebar->current(), nullptr);
    // The old list no longer moves the selection.
    m_list->remove(m_general);
    m_sidebar->setCurrent(lobby);
    QCOMPARE(selected(), nullptr); // selected() reads the fixture's list
    QCOMPARE(other.at(m_sidebar->view()->selectionModel()->selectedIndexes().value(0)), lobby);
    m_sidebar->setModel(nullptr);
    QCOMPARE(m_sidebar->view()->model(), nullptr);
    QCOMPARE(m_sidebar->current(), nullptr);
}

QTEST_MAIN(tst_ConversationSidebar)
#include "tst_conversationsidebar.moc"

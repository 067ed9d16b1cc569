#include "chatclient.h"
#include "chatpage.h"
#include "chatserver.h"
#include "connectdialog.h"
#include "frames.h"
#include "mainwindow.h"
#include "messagedelegate.h"
#include "messageview.h"
#include "quizgenerator.h"
#include "quizpage.h"
#include "testclient.h"
#include "timepage.h"

#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;

// The real main window, offscreen, driven with QTest like a person would, against a real
// server; a JSON TestClient ("bob") is the other person in the chat.
class tst_MainWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void typingAndButtonsSend();
    void emptyInputIsNotSent();
    void privateMessageByDoubleClick();
    void leaveReturnsToTheDialog();
    void dialogExplainsATakenName();
    void fullQuizInTheQuizTab();
    void timeTab();
    void offlineQueuesChat();
    void scrollingToTheTopLoadsEarlierMessages();
    void unreadCountAndShortcuts();
    void viewFollowsNewMessagesUnlessScrolledUp();
    void clickingALinkActivatesIt();
    void nameColoursAreStable();

private:
    void openWindow(const QString &name = u"alice"_s);
    QString lastRowText() const;

    std::unique_ptr<ChatServer> m_server;
    std::unique_ptr<ChatClient> m_client;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<TestClient> m_bob;
    quint16 m_port = 0;
};

namespace {

constexpr quint32 QuizSeed = 77;

} // namespace

void tst_MainWindow::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true); // QSettings go to a test location
    QApplication::setOrganizationName(u"NatterTests"_s);
    QApplication::setApplicationName(u"tst_mainwindow"_s);
}

void tst_MainWindow::init()
{
    ServerConfig config;
    config.bindAddress = QHostAddress::LocalHost;
    config.port = 0;
    config.quizSeed = QuizSeed;
    config.chatRate = config.chatBurst = 1e6; // bob sends bursts to fill the view
    m_server = std::make_unique<ChatServer>(config);
    QVERIFY(m_server->start());
    m_port = m_server->serverPort();
    m_bob = std::make_unique<TestClient>();
    QVERIFY(m_bob->join(m_port, u"bob"_s));
}

void tst_MainWindow::cleanup()
{
    m_window.reset();
    m_client.reset();
    m_bob.reset();
    m_server.reset();
}

void tst_MainWindow::openWindow(const QString &name)
{
    m_client = std::make_unique<ChatClient>();
    m_client->connection().setRetryDelays(50, 200);
    m_window = std::make_unique<MainWindow>(*m_client);
    m_window->connectDirectly(u"127.0.0.1"_s, m_port, name);
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QTRY_VERIFY(m_client->isOnline());
}

QString tst_MainWindow::lastRowText() const
{
    const MessageModel *model = m_client->messages();
    return model->rowCount() == 0 ? QString() : model->entry(model->rowCount() - 1).text;
}

void tst_MainWindow::typingAndButtonsSend()
{
    openWindow();
    ChatPage *chat = m_window->chatPage();
    QLineEdit *entry = chat->entry();
    QVERIFY(entry->isEnabled());

    QTest::keyClicks(entry, u"hello from the window"_s);
    QTest::keyClick(entry, Qt::Key_Return);
    QCOMPARE(
        m_bob->waitForNext(u"message"_s).value("text"_L1).toString(), u"hello from the window"_s);
    QVERIFY(entry->text().isEmpty());
    QTRY_COMPARE(lastRowText(), u"hello from the window"_s);

    QTest::keyClicks(entry, u"by button"_s);
    QTest::mouseClick(chat->sendButton(), Qt::LeftButton);
    QCOMPARE(m_bob->waitForNext(u"message"_s).value("text"_L1).toString(), u"by button"_s);

    QTest::mouseClick(chat->smileButton(), Qt::LeftButton);
    QCOMPARE(m_bob->waitForNext(u"message"_s).value("text"_L1).toString(), u"🙂"_s);
    QTest::mouseClick(chat->frownButton(), Qt::LeftButton);
    QCOMPARE(m_bob->waitForNext(u"message"_s).value("text"_L1).toString(), u"🙁"_s);

    // And what bob says shows up in the view, under his name.
    m_bob->send(Frames::say(u"loud and clear"_s));
    QTRY_COMPARE(lastRowText(), u"loud and clear"_s);
    const QModelIndex last = m_client->messages()->index(m_client->messages()->rowCount() - 1);
    QCOMPARE(last.data(MessageModel::FromRole).toString(), u"bob"_s);
    QVERIFY(chat->messageView()->visualRect(last).isValid());
}

void tst_MainWindow::emptyInputIsNotSent()
{
    openWindow();
    ChatPage *chat = m_window->chatPage();
    QVERIFY(!chat->sendButton()->isEnabled());
    QTest::keyClicks(chat->entry(), u"   "_s);
    QVERIFY(!chat->sendButton()->isEnabled());
    QTest::keyClick(chat->entry(), Qt::Key_Return);
    // A marker proves the order: nothing else reached bob first.
    m_client->say(u"marker"_s);
    QCOMPARE(m_bob->waitForNext(u"message"_s).value("text"_L1).toString(), u"marker"_s);
}

void tst_MainWindow::privateMessageByDoubleClick()
{
    openWindow();
    ChatPage *chat = m_window->chatPage();
    QListView *users = chat->userView();
    QTRY_COMPARE(users->model()->rowCount(), 2);
    QCOMPARE(users->model()->index(1, 0).data(Qt::EditRole).toString(), u"bob"_s); // sorted
    const QRect rect = users->visualRect(users->model()->index(1, 0));
    // Item views want the press before the double click, as a real mouse sends it.
    QTest::mouseClick(users->viewport(), Qt::LeftButton, {}, rect.center());
    QTest::mouseDClick(users->viewport(), Qt::LeftButton, {}, rect.center());
    QCOMPARE(chat->entry()->text(), u"/msg bob "_s);
    QTest::keyClicks(chat->entry(), u"just for you"_s);
    QTest::keyClick(chat->entry(), Qt::Key_Return);
    const QJsonObject dm = m_bob->waitForNext(u"dm"_s);
    QCOMPARE(dm.value("from"_L1).toString(), u"alice"_s);
    QCOMPARE(dm.value("text"_L1).toString(), u"just for you"_s);

    QTest::keyClicks(chat->entry(), u"%bob%the percent way"_s);
    QTest::keyClick(chat->entry(), Qt::Key_Return);
    QCOMPARE(m_bob->waitForNext(u"dm"_s).value("text"_L1).toString(), u"the percent way"_s);
    QTRY_COMPARE(m_client->messages()->entry(m_client->messages()->rowCount() - 1).kind,
        ChatEntry::Kind::Private);
}

void tst_MainWindow::leaveReturnsToTheDialog()
{
    openWindow();
    QTest::mouseClick(m_window->chatPage()->leaveButton(), Qt::LeftButton);
    const QJsonObject left = m_bob->waitForNext(u"left"_s);
    QCOMPARE(left.value("name"_L1).toString(), u"alice"_s);
    QCOMPARE(left.value("reason"_L1).toString(), u"quit"_s);
    // Alice's own end of the connection closes independently of what bob is sent.
    QTRY_COMPARE(m_client->state(), ChatClient::State::Disconnected);
    QTRY_VERIFY(m_window->connectDialog()->isVisible());
    QVERIFY(!m_window->chatPage()->entry()->isEnabled());

    // Connecting again from the dialog.
    QTest::mouseClick(m_window->connectDialog()->findChild<QPushButton *>(), Qt::LeftButton);
    QTRY_VERIFY(m_client->isOnline());
    QTRY_VERIFY(!m_window->connectDialog()->isVisible());
    QCOMPARE(m_bob->waitForNext(u"joined"_s).value("name"_L1).toString(), u"alice"_s);
}

void tst_MainWindow::dialogExplainsATakenName()
{
    m_client = std::make_unique<ChatClient>();
    m_window = std::make_unique<MainWindow>(*m_client);
    m_window->show();
    m_window->showConnectDialog();
    ConnectDialog *dialog = m_window->connectDialog();
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    dialog->hostField()->setText(u"127.0.0.1"_s);
    dialog->portField()->setValue(m_port);
    dialog->nameField()->clear();
    QTest::keyClicks(dialog->nameField(), u"BOB"_s);
    QTest::keyClick(dialog->nameField(), Qt::Key_Return);
    QTRY_VERIFY(dialog->statusLabel()->text().contains(u"taken"_s));
    QVERIFY(dialog->isVisible());
    QVERIFY(dialog->nameField()->isEnabled());

    // The validator only lets through what the server accepts.
    dialog->nameField()->clear();
    QTest::keyClicks(dialog->nameField(), u"bob the 2nd!"_s);
    QCOMPARE(dialog->nameField()->text(), u"bobthe2nd"_s);
    QTest::keyClick(dialog->nameField(), Qt::Key_Return);
    QTRY_VERIFY(m_client->isOnline());
    QTRY_VERIFY(!dialog->isVisible());
    QCOMPARE(m_client->name(), u"bobthe2nd"_s);

    // An unreachable server is explained, not waited on forever.
    m_client->leave();
    m_window->showConnectDialog();
    dialog->portField()->setValue(1);
    QTest::keyClick(dialog->nameField(), Qt::Key_Return);
    QTRY_VERIFY(dialog->statusLabel()->text().contains(u"Cannot connect"_s));
}

void tst_MainWindow::fullQuizInTheQuizTab()
{
    openWindow();
    QTest::keyClick(m_window.get(), Qt::Key_2, Qt::ControlModifier);
    QCOMPARE(m_window->tabs()->currentWidget(), m_window->quizPage());
    QuizPage *page = m_window->quizPage();
    page->setCountdownSeconds(1);
    QCOMPARE(page->questionLabel()->text(), u"Ready?"_s);
    QTest::mouseClick(page->startButton(), Qt::LeftButton);
    QCOMPARE(page->questionLabel()->text(), u"1"_s); // the countdown

    QuizGenerator reference(QuizSeed);
    for (int n = 1; n <= 10; ++n) {
        const QuizGenerator::Question question = reference.next();
        QTRY_VERIFY(m_client->quiz()->number() == n);
        QVERIFY2(page->questionLabel()->text().endsWith(u"= ?"_s),
            qPrintable(page->questionLabel()->text()));
        QVERIFY(page->answerField()->isEnabled());
        const bool wrong = n == 3;
        QTest::keyClicks(page->answerField(), QString::number(question.answer() + (wrong ? 1 : 0)));
        QTest::keyClick(page->answerField(), Qt::Key_Return);
        QTRY_VERIFY(m_client->quiz()->number() > n
            || m_client->quiz()->phase() == QuizState::Phase::Finished);
        QCOMPARE(page->feedbackLabel()->text().startsWith(u"✔"_s), !wrong);
    }
    QTRY_VERIFY(page->scoreCard()->isVisible());
    QVERIFY2(
        page->scoreCard()->text().contains(u"Score 8.75"_s), qPrintable(page->scoreCard()->text()));
    QVERIFY(page->scoreCard()->text().contains(u"9 right, 1 wrong"_s));
    QTRY_COMPARE(page->leaderboardView()->model()->rowCount(), 1);
    QCOMPARE(page->startButton()->text(), u"Play &again"_s);
}

void tst_MainWindow::timeTab()
{
    openWindow();
    QTest::keyClick(m_window.get(), Qt::Key_3, Qt::ControlModifier);
    TimePage *page = m_window->timePage();
    QCOMPARE(m_window->tabs()->currentWidget(), page);

    QTest::mouseClick(page->dayButton(), Qt::LeftButton);
    QTRY_COMPARE(
        page->answerLabel()->text(), QLocale::c().dayName(QDate::currentDate().dayOfWeek()));
    QTest::mouseClick(page->dateButton(), Qt::LeftButton);
    QTRY_VERIFY(QDate::fromString(page->answerLabel()->text(), Qt::ISODate).isValid());
    QTest::mouseClick(page->timeButton(), Qt::LeftButton);
    QTRY_VERIFY(QTime::fromString(page->answerLabel()->text(), u"HH:mm:ss"_s).isValid());

    page->zoneBox()->setCurrentIndex(page->zoneBox()->findText(u"Asia/Tokyo"_s));
    QTest::mouseClick(page->timeButton(), Qt::LeftButton);
    QTRY_VERIFY(page->detailLabel()->text().contains(u"Asia/Tokyo"_s));
    QVERIFY(page->detailLabel()->text().contains(u"UTC+09:00"_s));

    page->zoneBox()->setEditText(u"Atlantis/Lost_City"_s);
    QTest::mouseClick(page->dayButton(), Qt::LeftButton);
    QTRY_VERIFY(page->detailLabel()->text().contains(u"unknown time zone"_s));
}

void tst_MainWindow::offlineQueuesChat()
{
    openWindow();
    ChatPage *chat = m_window->chatPage();
    QVERIFY(chat->entry()->isEnabled());
    QVERIFY(m_window->timePage()->dayButton()->isEnabled());
    m_server->shutdown();
    QTRY_COMPARE(m_client->state(), ChatClient::State::Reconnecting);
    // Chat can still be typed: it waits, shown as pending, for the connection to come back.
    QVERIFY(chat->entry()->isEnabled());
    QVERIFY(chat->smileButton()->isEnabled());
    QTest::keyClicks(chat->entry(), u"typed while offline"_s);
    QTest::keyClick(chat->entry(), Qt::Key_Return);
    QVERIFY(chat->entry()->text().isEmpty());
    const MessageModel *model = m_client->messages();
    QCOMPARE(model->pendingCount(), 1);
    const QModelIndex last = model->index(model->rowCount() - 1);
    QCOMPARE(last.data(MessageModel::TextRole).toString(), u"typed while offline"_s);
    QVERIFY(last.data(MessageModel::PendingRole).toBool());
    // Services need the server.
    QVERIFY(!m_window->timePage()->dayButton()->isEnabled());
    QVERIFY(!m_window->quizPage()->startButton()->isEnabled());
    QVERIFY(m_window->stateLabel()->text().contains(u"Reconnecting"_s));
}

void tst_MainWindow::unreadCountAndShortcuts()
{
    openWindow();
    QTest::keyClick(m_window.get(), Qt::Key_2, Qt::ControlModifier);
    m_bob->send(Frames::say(u"are you there?"_s));
    m_bob->send(Frames::say(u"hello?"_s));
    QTRY_COMPARE(m_window->unreadCount(), 2);
    QVERIFY(m_window->windowTitle().startsWith(u"(2) "_s));
    QCOMPARE(m_window->tabs()->tabText(0), u"&Chat (2)"_s);

    m_window->activateWindow();
    if (!QTest::qWaitForWindowActive(m_window.get())) {
        QSKIP("this platform cannot activate windows");
    }
    QTest::keyClick(m_window.get(), Qt::Key_1, Qt::ControlModifier);
    QCOMPARE(m_window->tabs()->currentIndex(), 0);
    QTRY_COMPARE(m_window->unreadCount(), 0);
    QCOMPARE(m_window->tabs()->tabText(0), u"&Chat"_s);
    QVERIFY(!m_window->windowTitle().startsWith(u"("_s));
}

void tst_MainWindow::viewFollowsNewMessagesUnlessScrolledUp()
{
    openWindow();
    MessageView *view = m_window->chatPage()->messageView();
    for (int i = 0; i < 60; ++i) {
        m_bob->send(Frames::say(u"line %1"_s.arg(i)));
    }
    QTRY_COMPARE(lastRowText(), u"line 59"_s);
    QTRY_VERIFY(view->verticalScrollBar()->maximum() > 0);
    QTRY_VERIFY(view->isAtBottom());

    view->verticalScrollBar()->setValue(0); // the reader scrolls up
    m_bob->send(Frames::say(u"a new one"_s));
    QTRY_COMPARE(lastRowText(), u"a new one"_s);
    QCoreApplication::processEvents();
    QCOMPARE(view->verticalScrollBar()->value(), 0);

    view->scrollToBottom(); // back down: following again
    m_bob->send(Frames::say(u"and another"_s));
    QTRY_COMPARE(lastRowText(), u"and another"_s);
    QTRY_VERIFY(view->isAtBottom());
}

void tst_MainWindow::clickingALinkActivatesIt()
{
    openWindow();
    MessageView *view = m_window->chatPage()->messageView();
    QSignalSpy activated(view, &MessageView::linkActivated);
    m_bob->send(Frames::say(u"https://example.org/natter and more words"_s));
    QTRY_COMPARE(lastRowText(), u"https://example.org/natter and more words"_s);
    const QModelIndex index = m_client->messages()->index(m_client->messages()->rowCount() - 1);
    view->scrollTo(index);
    const QRect rect = view->visualRect(index);
    QVERIFY(rect.isValid());
    // The link starts the body, which sits below the header line: scan down its left edge.
    const int x = rect.left() + 40;
    for (int y = rect.top(); y < rect.bottom() && activated.isEmpty(); y += 2) {
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, QPoint(x, y));
    }
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated.at(0).at(0).toString(), u"https://example.org/natter"_s);

    // Clicking far right of the text is not a link.
    QTest::mouseClick(
        view->viewport(), Qt::LeftButton, {}, QPoint(rect.right() - 5, rect.bottom() - 4));
    QCOMPARE(activated.count(), 1);
}

void tst_MainWindow::nameColoursAreStable()
{
    // Everyone sees bob in the same colour, in every run (no per-process hash salt).
    QPalette light;
    light.setColor(QPalette::Base, Qt::white);
    QCOMPARE(MessageDelegate::nameColor(u"bob"_s, light).hslHue(), 284); // FNV-1a("bob") % 360
    QCOMPARE(
        MessageDelegate::nameColor(u"Bob"_s, light), MessageDelegate::nameColor(u"bob"_s, light));
    QVERIFY(MessageDelegate::nameColor(u"carol"_s, light)
        != MessageDelegate::nameColor(u"bob"_s, light));
    QPalette dark;
    dark.setColor(QPalette::Base, Qt::black);
    QVERIFY(MessageDelegate::nameColor(u"bob"_s, dark).lightness()
        > MessageDelegate::nameColor(u"bob"_s, light).lightness()); // readable on dark
}

void tst_MainWindow::scrollingToTheTopLoadsEarlierMessages()
{
    for (int i = 1; i <= 120; ++i) {
        m_bob->send(Frames::say(u"earlier %1"_s.arg(i)));
    }
    QVERIFY(m_bob->waitForFrames(u"message"_s, 120));
    openWindow();
    const MessageModel *model = m_client->messages();
    QTRY_VERIFY(m_client->hasOlder());
    QCOMPARE(model->entry(0).text, u"earlier 71"_s);
    MessageView *view = m_window->chatPage()->messageView();
    QTRY_VERIFY(view->verticalScrollBar()->maximum() > 0);
    view->verticalScrollBar()->setValue(view->verticalScrollBar()->maximum() / 2);
    view->verticalScrollBar()->setValue(0); // the reader scrolls to the top
    QTRY_COMPARE(model->entry(0).text, u"earlier 21"_s);
    // The row the reader was looking at is still the one at the top of the view.
    QCOMPARE(view->indexAt(QPoint(5, 5)).data(MessageModel::TextRole).toString(), u"earlier 71"_s);
    view->verticalScrollBar()->setValue(5);
    view->verticalScrollBar()->setValue(0);
    QTRY_COMPARE(model->entry(0).text, u"earlier 1"_s);
    QVERIFY(!m_client->hasOlder());
}

QTEST_MAIN(tst_MainWindow)
#include "tst_mainwindow.moc"

#include "chatclient.h"
#include "chatpage.h"
#include "messageentry.h"

#include <QApplication>
#include <QClipboard>
#include <QFontDatabase>
#include <QLineEdit>
#include <QPushButton>
#include <QRawFont>
#include <QScrollBar>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

// MessageEntry, the field messages are typed in, driven with keys and the clipboard offscreen:
// Enter sends, Shift+Enter starts a new line, a paste of several lines stays one text, and the
// field grows from one line to five. Then the faces on the chat page's Smile and Frown buttons,
// which must never be empty boxes: ctest runs this suite twice, the second time with fontconfig
// told to hide every emoji font (messageentry/no-emoji-fonts.conf, NATTER_TEST_NO_EMOJI_FONT).
class tst_MessageEntry : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void enterSubmitsAndShiftEnterStartsALine();
    void aPasteOfSeveralLinesStaysOneText();
    void growsFromOneLineToFive();
    void tabMovesOn();
    void facesAreNeverBoxes();
    void messageLength_data();
    void messageLength();
};

namespace {

// Whether some installed font has a glyph for ucs4: asked of each family in turn, not of the
// layout that ChatPage asks.
bool someFontHas(char32_t ucs4)
{
    const QStringList families = QFontDatabase::families();
    return std::any_of(families.cbegin(), families.cend(), [ucs4](const QString &family) {
        return QRawFont::fromFont(QFont(family)).supportsCharacter(ucs4);
    });
}

// A window with the entry and a line edit after it, shown and focused on the entry.
struct Window
{
    QWidget widget;
    MessageEntry *entry = new MessageEntry(&widget);
    QLineEdit *next = new QLineEdit(&widget);

    Window()
    {
        auto *layout = new QVBoxLayout(&widget);
        layout->addWidget(entry);
        layout->addWidget(next);
        layout->addStretch(1);
        widget.resize(300, 300);
        widget.show();
    }
};

} // namespace

void tst_MessageEntry::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    qputenv("NATTER_CREDENTIAL_STORE", "file"); // ChatClient: no keychain
}

void tst_MessageEntry::enterSubmitsAndShiftEnterStartsALine()
{
    Window window;
    QVERIFY(QTest::qWaitForWindowExposed(&window.widget));
    MessageEntry *entry = window.entry;
    QSignalSpy submitted(entry, &MessageEntry::submitted);
    QVERIFY(submitted.isValid());

    QTest::keyClicks(entry, u"first line"_s);
    QTest::keyClick(entry, Qt::Key_Return, Qt::ShiftModifier);
    QTest::keyClicks(entry, u"second line"_s);
    QCOMPARE(submitted.count(), 0);
    QCOMPARE(entry->text(), u"first line\nsecond line"_s); // "\n", not U+2028
    QTest::keyClick(entry, Qt::Key_Return);
    QCOMPARE(submitted.count(), 1);
    QCOMPARE(entry->text(), u"first line\nsecond line"_s); // the page clears it once sent
    QTest::keyClick(entry, Qt::Key_Enter, Qt::KeypadModifier);
    QCOMPARE(submitted.count(), 2);
    QTest::keyClick(entry, Qt::Key_Enter, Qt::ShiftModifier | Qt::KeypadModifier);
    QCOMPARE(submitted.count(), 2);
    QCOMPARE(entry->text(), u"first line\nsecond line\n"_s);

    entry->setText(u"replaced"_s);
    QTest::keyClicks(entry, u" and typed on"_s); // the cursor is at the end
    QCOMPARE(entry->text(), u"replaced and typed on"_s);
}

void tst_MessageEntry::aPasteOfSeveralLinesStaysOneText()
{
    Window window;
    QVERIFY(QTest::qWaitForWindowExposed(&window.widget));
    MessageEntry *entry = window.entry;
    QSignalSpy submitted(entry, &MessageEntry::submitted);
    QGuiApplication::clipboard()->setText(u"a\nb\r\nc\rd\te\x1b[31m"_s);
    QTest::keyClick(entry, Qt::Key_V, Qt::ControlModifier);
    // Line breaks of every system become "\n", the escape goes, the tab stays; nothing is sent.
    QCOMPARE(entry->text(), u"a\nb\nc\nd\te[31m"_s);
    QCOMPARE(submitted.count(), 0);
    // A next line from old systems is a line break too; other C1 controls, which the server
    // refuses, go.
    entry->clear();
    QGuiApplication::clipboard()->setText(u"f\u0085g\u009bh"_s);
    QTest::keyClick(entry, Qt::Key_V, Qt::ControlModifier);
    QCOMPARE(entry->text(), u"f\ngh"_s);
}

void tst_MessageEntry::growsFromOneLineToFive()
{
    Window window;
    QVERIFY(QTest::qWaitForWindowExposed(&window.widget));
    MessageEntry *entry = window.entry;
    const int oneLine = entry->height();
    QCOMPARE(entry->visibleLines(), 1);
    QVERIFY2(oneLine < 2 * entry->fontMetrics().lineSpacing() + 12,
        qPrintable(QString::number(oneLine)));

    int previous = oneLine;
    for (int lines = 2; lines <= MessageEntry::MaxVisibleLines; ++lines) {
        QTest::keyClick(entry, Qt::Key_Return, Qt::ShiftModifier);
        QTest::keyClicks(entry, u"line %1"_s.arg(lines));
        QTRY_COMPARE(entry->visibleLines(), lines);
        QTRY_VERIFY(entry->height() > previous);
        previous = entry->height();
        QCOMPARE(entry->verticalScrollBar()->maximum(), 0); // all of it in view
    }
    QTest::keyClick(entry, Qt::Key_Return, Qt::ShiftModifier);
    QTest::keyClicks(entry, u"line six"_s);
    QCOMPARE(entry->visibleLines(), MessageEntry::MaxVisibleLines);
    QCoreApplication::processEvents();
    QCOMPARE(entry->height(), previous); // no taller: it scrolls
    QTRY_VERIFY(entry->verticalScrollBar()->maximum() > 0);

    entry->clear();
    QTRY_COMPARE(entry->height(), oneLine);

    // One long line wraps, and each line it wraps to counts.
    QTest::keyClicks(entry, QString(20, u'w').append(u' ').repeated(3));
    QTRY_VERIFY(entry->visibleLines() >= 3);
    QTRY_VERIFY(entry->height() > oneLine);
    QTRY_COMPARE(entry->verticalScrollBar()->maximum(), 0);
    window.widget.resize(900, 300); // wider: fewer lines
    QTRY_VERIFY(entry->visibleLines() < 3);
}

void tst_MessageEntry::tabMovesOn()
{
    Window window;
    window.widget.activateWindow();
    window.entry->setFocus();
    QTRY_VERIFY(window.entry->hasFocus());
    QTest::keyClicks(window.entry, u"text"_s);
    QTest::keyClick(window.entry, Qt::Key_Tab);
    QTRY_VERIFY(window.next->hasFocus());
    QCOMPARE(window.entry->text(), u"text"_s);
}

void tst_MessageEntry::facesAreNeverBoxes()
{
    const bool emojiFont = someFontHas(U'🙂') && someFontHas(U'🙁');
    if (qEnvironmentVariableIsSet("NATTER_TEST_NO_EMOJI_FONT")) {
        QVERIFY2(!emojiFont, "the fontconfig file was meant to hide every emoji font");
    } else if (!emojiFont) {
        qWarning("no colour emoji font installed (scripts/deps.sh installs one): testing the "
                 "fallback only");
    }
    ChatClient client;
    ChatPage page(client);
    page.resize(1400, 500); // every label in full
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    QTRY_COMPARE(page.composer(), ChatPage::Composer::Wide);
    QCOMPARE(ChatPage::canDraw(u"🙂"_s, page.font()), emojiFont);

    const auto check
        = [&](const QPushButton *button, const QString &emoji, const QString &fallback) {
              const QString text = button->text();
              QVERIFY2(text.contains(emojiFont ? emoji : fallback), qPrintable(text));
              if (!emojiFont) {
                  QVERIFY(!text.contains(emoji));
              }
              for (const char32_t ucs4 : text.toUcs4()) {
                  QVERIFY2(ucs4 == U' ' || ucs4 == U'&' || someFontHas(ucs4),
                      qPrintable(u"no font has U+%1 in %2"_s.arg(quint32(ucs4), 0, 16).arg(text)));
              }
              QVERIFY(!button->toolTip().isEmpty());
              QCOMPARE(ChatPage::canDraw(button->toolTip(), button->font()), true);
          };
    check(page.smileButton(), u"🙂"_s, u":-)"_s);
    check(page.frownButton(), u"🙁"_s, u":-("_s);
    QVERIFY(page.smileButton()->text().remove(u'&').contains(u"Smile"_s));

    // Narrow: the faces alone, still never boxes.
    page.resize(500, 500);
    QTRY_VERIFY(page.composer() != ChatPage::Composer::Wide);
    check(page.smileButton(), u"🙂"_s, u":-)"_s);
    check(page.frownButton(), u"🙁"_s, u":-("_s);
    QVERIFY(!page.smileButton()->text().remove(u'&').contains(u"Smile"_s));
}

void tst_MessageEntry::messageLength_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<int>("length");
    QTest::newRow("chat") << u"hello"_s << 5;
    QTest::newRow("lines") << u"a\nb"_s << 3;
    QTest::newRow("emoji") << u"🙂"_s << 2; // UTF-16 code units, as the server counts
    QTest::newRow("/msg") << u"/msg bob hi there"_s << 8;
    QTest::newRow("/MSG") << u"  /MSG  bob  hi"_s << 2;
    QTest::newRow("%NAME%") << u"%bob%hi"_s << 2;
    QTest::newRow("/say") << u"/say /x"_s << 2;
    QTest::newRow("//") << u"//x"_s << 2;
    QTest::newRow("other command") << u"/topic new"_s << 10;
}

void tst_MessageEntry::messageLength()
{
    QFETCH(QString, input);
    QFETCH(int, length);
    QCOMPARE(ChatPage::messageLength(input), length);
}

QTEST_MAIN(tst_MessageEntry)
#include "tst_messageentry.moc"

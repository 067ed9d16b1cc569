#include "messagedelegate.h"
#include "messagemodel.h"
#include "messageview.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QImage>
#include <QScrollBar>
#include <QTest>

using namespace Qt::StringLiterals;

// MessageView with a 100,000-message history on screen (offscreen platform): appending in
// network-sized batches while following the bottom, relayout on resize, and scrolling. Prints
// the figures written up in docs/CLIENT.md; the bounds only catch an order-of-magnitude
// regression. Then the "new messages" line: the room it takes, drawing it, and scrolling to it;
// and the tint of a message that mentions the person.
class tst_MessageView : public QObject
{
    Q_OBJECT

private slots:
    void hundredThousandMessages();
    void unreadMarkerAddsTheLineToItsRow();
    void unreadMarkerWithDaySeparator();
    void unreadMarkerBreaksAContinuation();
    void scrollToUnreadMarker();
    void scrollToUnreadMarkerWithoutMarker();
    void unreadMarkerIsDrawn();
    void switchingModelsForgetsHeights();
    void mentionsAreTinted();
};

void tst_MessageView::hundredThousandMessages()
{
    constexpr int Count = 100'000;
    constexpr int Batch = 50;
    MessageModel model;
    MessageView view;
    view.setModel(&model);
    view.resize(800, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));

    QElapsedTimer total;
    total.start();
    qint64 slowestBatchUs = 0;
    qint64 firstThousandMs = 0;
    qint64 lastThousandStart = 0;
    for (int first = 0; first < Count; first += Batch) {
        if (first == 1000) {
            firstThousandMs = total.elapsed();
        }
        if (first == Count - 1000) {
            lastThousandStart = total.elapsed();
        }
        QElapsedTimer batchTimer;
        batchTimer.start();
        std::vector<ChatEntry> batch;
        for (int i = first; i < first + Batch; ++i) {
            ChatEntry entry;
            entry.id = i;
            entry.from = u"user%1"_s.arg(i % 20);
            entry.text = i % 10 == 0
                ? u"A longer message that will need to wrap onto a second line in a window of "
                  "ordinary width, number %1, with a link https://example.org/%1"_s.arg(i)
                : u"message number %1"_s.arg(i);
            entry.msecsSinceEpoch = 1'790'000'000'000 + i * 1000;
            batch.push_back(std::move(entry));
        }
        model.append(std::move(batch));
        QCoreApplication::processEvents(); // lay out and paint, as between network reads
        slowestBatchUs = std::max(slowestBatchUs, batchTimer.nsecsElapsed() / 1000);
    }
    const qint64 appendMs = total.elapsed();
    const qint64 lastThousandMs = appendMs - lastThousandStart;
    QVERIFY(view.isAtBottom());

    QElapsedTimer timer;
    timer.start();
    view.resize(600, 600); // every row may wrap differently now
    QCoreApplication::processEvents();
    const qint64 resizeMs = timer.restart();
    view.verticalScrollBar()->setValue(0);
    QCoreApplication::processEvents();
    view.verticalScrollBar()->setValue(view.verticalScrollBar()->maximum() / 2);
    QCoreApplication::processEvents();
    view.scrollToBottom();
    QCoreApplication::processEvents();
    const qint64 scrollMs = timer.restart();
    view.verticalScrollBar()->setValue(0); // again, now that every row has been measured
    QCoreApplication::processEvents();
    view.scrollToBottom();
    QCoreApplication::processEvents();
    const qint64 secondScrollMs = timer.elapsed();

    qInfo("100000 messages appended in batches of %d, view following: %lld ms in all, "
          "slowest batch %.2f ms",
        Batch, appendMs, slowestBatchUs / 1000.0);
    qInfo("the first 1000 messages took %lld ms, the last 1000 %lld ms", firstThousandMs,
        lastThousandMs);
    qInfo("relayout after a resize: %lld ms; jumps top, middle, bottom: %lld ms (first time, "
          "measuring every row), top and bottom again: %lld ms",
        resizeMs, scrollMs, secondScrollMs);
    QVERIFY(view.isAtBottom());
    QVERIFY2(appendMs < 120000, "appending 100000 messages took over two minutes");
    QVERIFY2(resizeMs < 20000, "relayout after a resize took over 20 s");
}

namespace {

constexpr qint64 FirstId = 1000;

// count messages a minute apart on one day, from twenty people in turn (so none continues the
// previous one unless sameSender).
std::vector<ChatEntry> messages(int count, bool sameSender = false)
{
    // Noon local time, so the rows never cross midnight.
    const qint64 noon = QDateTime(QDate(2026, 3, 10), QTime(12, 0)).toMSecsSinceEpoch();
    std::vector<ChatEntry> entries;
    for (int i = 0; i < count; ++i) {
        ChatEntry entry;
        entry.id = FirstId + i;
        entry.from = sameSender ? u"alice"_s : u"user%1"_s.arg(i % 20);
        entry.text = u"message number %1"_s.arg(i);
        entry.msecsSinceEpoch = noon + i * 60'000;
        entries.push_back(std::move(entry));
    }
    return entries;
}

int rowHeight(MessageView &view, int row)
{
    return view.visualRect(view.model()->index(row, 0)).height();
}

int delegateHeight(MessageView &view, int row)
{
    QStyleOptionViewItem option;
    option.initFrom(&view);
    option.widget = &view;
    option.font = view.font();
    return view.itemDelegate()->sizeHint(option, view.model()->index(row, 0)).height();
}

// The height of the "new messages" line's label: the least the line adds to its row.
int labelHeight(const QWidget &view)
{
    QFont small = view.font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    return QFontMetrics(small).height();
}

bool rowInView(MessageView &view, int row)
{
    return view.viewport()->rect().intersects(view.visualRect(view.model()->index(row, 0)));
}

} // namespace

void tst_MessageView::unreadMarkerAddsTheLineToItsRow()
{
    MessageModel model;
    model.append(messages(200));
    MessageView view;
    view.setModel(&model);
    view.resize(600, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));

    const int before = rowHeight(view, 150);
    QCOMPARE(delegateHeight(view, 150), before);
    const int neighbour = rowHeight(view, 151);

    model.setUnreadMarker(FirstId + 150);
    QTRY_VERIFY(rowHeight(view, 150) > before); // the view measured the row again
    const int with = rowHeight(view, 150);
    QCOMPARE(delegateHeight(view, 150), with);
    QVERIFY2(with - before >= labelHeight(view), qPrintable(u"grew by %1"_s.arg(with - before)));
    QVERIFY(with - before < 3 * labelHeight(view));
    QCOMPARE(rowHeight(view, 151), neighbour);

    // Moving the marker: the old row shrinks back, the new one grows by as much.
    model.setUnreadMarker(FirstId + 151);
    QTRY_COMPARE(rowHeight(view, 150), before);
    QTRY_COMPARE(rowHeight(view, 151), neighbour + with - before);

    model.setUnreadMarker(0);
    QTRY_COMPARE(rowHeight(view, 151), neighbour);
    QCOMPARE(delegateHeight(view, 151), neighbour);
    QCOMPARE(rowHeight(view, 150), before);
}

void tst_MessageView::unreadMarkerWithDaySeparator()
{
    MessageModel model;
    model.append(messages(200));
    MessageView view;
    view.setModel(&model);
    view.resize(600, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));

    // Row 0 starts the day; row 150 has no separator. The line adds the same to both.
    QVERIFY(model.index(0).data(MessageModel::NewDayRole).toBool());
    QVERIFY(!model.index(150).data(MessageModel::NewDayRole).toBool());
    const int firstBefore = rowHeight(view, 0);
    const int plainBefore = rowHeight(view, 150);
    QVERIFY(firstBefore > plainBefore); // the date separator
    model.setUnreadMarker(FirstId + 150);
    QTRY_VERIFY(rowHeight(view, 150) > plainBefore);
    const int added = rowHeight(view, 150) - plainBefore;
    model.setUnreadMarker(FirstId);
    QTRY_COMPARE(rowHeight(view, 0), firstBefore + added);
    QTRY_COMPARE(rowHeight(view, 150), plainBefore);
}

void tst_MessageView::unreadMarkerBreaksAContinuation()
{
    // One sender a minute apart: every row but the first continues the previous one, without a
    // header. The first unread one shows its header under the line.
    MessageModel model;
    model.append(messages(200, true));
    MessageView view;
    view.setModel(&model);
    view.resize(600, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));

    const int continuation = rowHeight(view, 150);
    model.setUnreadMarker(FirstId + 150);
    QTRY_VERIFY(rowHeight(view, 150) > continuation);
    QVERIFY(rowHeight(view, 150) - continuation
        >= labelHeight(view) + QFontMetrics(view.font()).height());
    QCOMPARE(rowHeight(view, 151), continuation);
    model.setUnreadMarker(0);
    QTRY_COMPARE(rowHeight(view, 150), continuation);
}

void tst_MessageView::scrollToUnreadMarker()
{
    MessageModel model;
    model.append(messages(200));
    MessageView view;
    view.setModel(&model);
    view.resize(600, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.scrollToBottom();
    QCoreApplication::processEvents();
    QVERIFY(view.isAtBottom());
    QVERIFY(!rowInView(view, 150));

    model.setUnreadMarker(FirstId + 150);
    view.scrollToUnreadMarker();
    QVERIFY(rowInView(view, 150));
    const QRect marker = view.visualRect(model.index(150));
    QVERIFY(view.viewport()->rect().contains(marker)); // the line at its top too
    QVERIFY2(marker.top() < view.viewport()->height() / 3,
        qPrintable(u"the marker row starts at y %1"_s.arg(marker.top())));
    QVERIFY(!view.isAtBottom());
    QImage image = view.grab().toImage(); // paints the line
    QVERIFY(!image.isNull());

    // Again, now that it is in view: nothing moves.
    const int value = view.verticalScrollBar()->value();
    view.scrollToUnreadMarker();
    QCOMPARE(view.verticalScrollBar()->value(), value);

    // From the top of the history too.
    view.verticalScrollBar()->setValue(0);
    QVERIFY(!rowInView(view, 150));
    view.scrollToUnreadMarker();
    QVERIFY(view.viewport()->rect().contains(view.visualRect(model.index(150))));

    // A marker on the last page, seen from the bottom: the view stays at the bottom.
    view.scrollToBottom();
    model.setUnreadMarker(FirstId + 198);
    QCoreApplication::processEvents();
    QVERIFY(view.isAtBottom());
    QVERIFY(view.viewport()->rect().contains(view.visualRect(model.index(198))));
    view.scrollToUnreadMarker();
    QVERIFY(view.isAtBottom());
}

void tst_MessageView::scrollToUnreadMarkerWithoutMarker()
{
    MessageModel model;
    model.append(messages(200));
    MessageView view;
    view.setModel(&model);
    view.resize(600, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.verticalScrollBar()->setValue(0);
    QVERIFY(!view.isAtBottom());
    view.scrollToUnreadMarker();
    QVERIFY(view.isAtBottom());
    QVERIFY(rowInView(view, 199));

    MessageView empty;
    empty.scrollToUnreadMarker(); // no model: nothing to do
    MessageModel none;
    empty.setModel(&none);
    empty.scrollToUnreadMarker();
}

void tst_MessageView::unreadMarkerIsDrawn()
{
    MessageModel model;
    model.append(messages(200));
    MessageView view;
    view.setModel(&model);
    view.resize(600, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const QColor color = MessageDelegate::unreadMarkerColor(view.palette());

    // The longest run of the line's colour on any pixel row of the marker row's top part.
    const auto longestRun = [&](int row) {
        const QRect rect = view.visualRect(model.index(row));
        const QImage image = view.viewport()->grab().toImage();
        int longest = 0;
        const int bottom = std::min(rect.top() + 3 * labelHeight(view), image.height());
        for (int y = std::max(0, rect.top()); y < bottom; ++y) {
            int run = 0;
            for (int x = 0; x < image.width(); ++x) {
                run = image.pixelColor(x, y).rgb() == color.rgb() ? run + 1 : 0;
                longest = std::max(longest, run);
            }
        }
        return longest;
    };

    model.setUnreadMarker(FirstId + 150);
    view.scrollToUnreadMarker();
    QTRY_VERIFY(rowInView(view, 150));
    // A line across most of the width (the label takes the right end).
    QVERIFY2(longestRun(150) > view.viewport()->width() / 2,
        qPrintable(u"longest run %1 px"_s.arg(longestRun(150))));
    QCOMPARE(longestRun(149), 0);

    model.setUnreadMarker(0);
    QTRY_COMPARE(longestRun(150), 0);
}

void tst_MessageView::switchingModelsForgetsHeights()
{
    // One view, one model per conversation: heights measured for one do not carry over.
    MessageModel one;
    one.append(messages(200));
    MessageModel other;
    other.append(messages(200));
    other.setUnreadMarker(FirstId + 150);
    MessageView view;
    view.setModel(&one);
    view.resize(600, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const int plain = rowHeight(view, 150);

    view.setModel(&other);
    view.scrollToUnreadMarker();
    QVERIFY(rowInView(view, 150));
    QVERIFY(rowHeight(view, 150) > plain);
    QCOMPARE(delegateHeight(view, 150), rowHeight(view, 150));

    // The first model's changes reach the view no more...
    one.setUnreadMarker(FirstId + 150);
    QCoreApplication::processEvents();
    QCOMPARE(delegateHeight(view, 150), rowHeight(view, 150));

    // ... until it is shown again, measured afresh.
    view.setModel(&one);
    QVERIFY(rowHeight(view, 150) > plain);
    one.setUnreadMarker(0);
    QTRY_COMPARE(rowHeight(view, 150), plain);
}

void tst_MessageView::mentionsAreTinted()
{
    MessageModel model;
    std::vector<ChatEntry> rows = messages(6);
    rows[2].text = u"alice, are you there?"_s;
    rows[4].text = u"ask Alice"_s;
    model.append(std::move(rows));
    MessageView view;
    view.setModel(&model);
    view.resize(600, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));

    // The background near the right end of a row, where these short messages leave it empty.
    const auto background = [&](int row) {
        const QRect rect = view.visualRect(model.index(row));
        return view.viewport()->grab().toImage().pixelColor(rect.right() - 20, rect.center().y());
    };
    const QColor plain = background(1);
    QCOMPARE(background(2), plain); // no self name yet: nothing is a mention
    model.setSelfName(u"alice"_s);
    QVERIFY(model.index(2).data(MessageModel::MentionRole).toBool());
    QVERIFY(!model.index(3).data(MessageModel::MentionRole).toBool());
    QTRY_VERIFY2(background(2) != plain, qPrintable(background(2).name()));
    QCOMPARE(background(4), background(2));
    QCOMPARE(background(3), plain);
    // An amber tint, not the selection's or a private message's colour.
    const QColor tint = background(2);
    QVERIFY2(tint.hslHue() >= 30 && tint.hslHue() <= 60, qPrintable(tint.name()));

    model.setSelfName(u"carol"_s);
    QTRY_COMPARE(background(2), plain);
}

QTEST_MAIN(tst_MessageView)
#include "tst_messageview.moc"

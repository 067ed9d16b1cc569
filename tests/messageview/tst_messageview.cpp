#include "messagemodel.h"
#include "messageview.h"

#include <QElapsedTimer>
#include <QScrollBar>
#include <QTest>

using namespace Qt::StringLiterals;

// MessageView with a 100,000-message history on screen (offscreen platform): appending in
// network-sized batches while following the bottom, relayout on resize, and scrolling. Prints
// the figures written up in docs/CLIENT.md; the bounds only catch an order-of-magnitude
// regression.
class tst_MessageView : public QObject
{
    Q_OBJECT

private slots:
    void hundredThousandMessages();
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

QTEST_MAIN(tst_MessageView)
#include "tst_messageview.moc"

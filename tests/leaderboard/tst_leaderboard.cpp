#include "memoryleaderboard.h"

#include <QTest>
#include <QThread>

#include <memory>
#include <vector>

using namespace Qt::StringLiterals;

// MemoryLeaderboard: best result per name, ranked by score then time, safe across threads.
class tst_Leaderboard : public QObject
{
    Q_OBJECT

private slots:
    void ranksByScoreThenTime();
    void keepsEachNamesBest();
    void concurrentRecords();
    void capacityKeepsTheBest();
};

namespace {

Leaderboard::Entry entry(const QString &name, double score, double seconds)
{
    return {name, score, seconds, 0, 0, QDateTime::currentDateTimeUtc(), {}, false};
}

QStringList names(const QList<Leaderboard::Entry> &entries)
{
    QStringList result;
    for (const Leaderboard::Entry &e : entries) {
        result.append(e.name);
    }
    return result;
}

} // namespace

void tst_Leaderboard::ranksByScoreThenTime()
{
    MemoryLeaderboard board;
    board.record(entry(u"slow"_s, 9, 60));
    board.record(entry(u"fast"_s, 9, 30));
    board.record(entry(u"best"_s, 10, 90));
    board.record(entry(u"last"_s, -2.5, 5));
    QCOMPARE(names(board.top(10)), (QStringList{u"best"_s, u"fast"_s, u"slow"_s, u"last"_s}));
    QCOMPARE(names(board.top(2)), (QStringList{u"best"_s, u"fast"_s}));
}

void tst_Leaderboard::keepsEachNamesBest()
{
    MemoryLeaderboard board;
    board.record(entry(u"alice"_s, 7, 40));
    board.record(entry(u"ALICE"_s, 5, 10)); // worse: ignored
    QCOMPARE(board.top(10).size(), 1);
    QCOMPARE(board.top(10).first().score, 7.0);
    board.record(entry(u"Alice"_s, 7, 35)); // same score, faster: kept
    QCOMPARE(board.top(10).size(), 1);
    QCOMPARE(board.top(10).first().seconds, 35.0);
    QCOMPARE(board.top(10).first().name, u"Alice"_s);
}

void tst_Leaderboard::concurrentRecords()
{
    MemoryLeaderboard board;
    std::vector<std::unique_ptr<QThread>> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back(QThread::create([&board, t] {
            for (int i = 0; i < 1000; ++i) {
                board.record(entry(u"player%1"_s.arg(i % 50), (i * (t + 1)) % 11, i));
                board.top(10);
            }
        }));
        threads.back()->start();
    }
    for (auto &thread : threads) {
        QVERIFY(thread->wait(60000));
    }
    const QList<Leaderboard::Entry> all = board.top(1000);
    QCOMPARE(all.size(), 50);
    for (qsizetype i = 1; i < all.size(); ++i) {
        QVERIFY(!Leaderboard::ranksAbove(all[i], all[i - 1]));
    }
}

void tst_Leaderboard::capacityKeepsTheBest()
{
    MemoryLeaderboard board(3);
    board.record(entry(u"a"_s, 5, 10));
    board.record(entry(u"b"_s, 6, 10));
    board.record(entry(u"c"_s, 7, 10));
    board.record(entry(u"weak"_s, 4, 10)); // full, and not better than the lowest: ignored
    QCOMPARE(names(board.top(10)), (QStringList{u"c"_s, u"b"_s, u"a"_s}));
    board.record(entry(u"strong"_s, 9, 10)); // evicts the lowest
    QCOMPARE(names(board.top(10)), (QStringList{u"strong"_s, u"c"_s, u"b"_s}));
}

QTEST_APPLESS_MAIN(tst_Leaderboard)
#include "tst_leaderboard.moc"

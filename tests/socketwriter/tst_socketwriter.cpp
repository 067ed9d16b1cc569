#include "connection.h"
#include "socketpeer.h"
#include "socketwriter.h"

#include <QSignalSpy>
#include <QTest>

#include <atomic>
#include <thread>

#include <unistd.h>

using namespace Qt::StringLiterals;

// SocketWriter over one end of a socketpair, the test holding the other (SocketPeer): frames
// queued by "a lane" (any thread) and written by "the owner" share one order; a full kernel
// hands the rest to the owner once; the limit, a detached descriptor and a peer that has gone.
class tst_SocketWriter : public QObject
{
    Q_OBJECT

private slots:
    void queuedFramesGoWhenALaneFlushes();
    void ownerWritesFollowQueuedFrames();
    void fullKernelHandsOverToTheOwnerOnce();
    void passingTheLimitRefusesEverythingAfter();
    void onePushMayCrossTheLimitIfTheKernelTakesIt();
    void readingResumesWhenALaneDrainsTheBacklog();
    void detachedWriterTouchesNothing();
    void peerGoneBreaksAndWakes();
    void laneAndOwnerThreadsKeepOneOrder();
};

namespace {

// A writer on a socketpair; wakes counts the writer's calls to its owner.
struct Pair
{
    explicit Pair(qint64 limit = 1 << 20, int bufferBytes = 0)
    {
        if (bufferBytes > 0) {
            peer.setBufferSizes(bufferBytes);
        }
        fd = int(peer.takeOtherEnd());
        writer = std::make_unique<SocketWriter>(fd, limit, [this] { ++wakes; });
    }
    ~Pair()
    {
        writer->detach();
        ::close(fd);
    }
    SocketPeer peer;
    int fd = -1;
    std::atomic<int> wakes{0};
    std::unique_ptr<SocketWriter> writer;
};

QList<QByteArray> lines(const QString &prefix, int from, int count, int padding = 0)
{
    QList<QByteArray> result;
    for (int i = from; i < from + count; ++i) {
        result.append(u"%1%2 %3\n"_s.arg(prefix).arg(i).arg(QString(padding, u'x')).toUtf8());
    }
    return result;
}

} // namespace

void tst_SocketWriter::queuedFramesGoWhenALaneFlushes()
{
    Pair pair;
    QVERIFY(pair.writer->queue({"a\n", "b\n"})); // the caller lists it for a lane
    QVERIFY(!pair.writer->queue({"c\n"})); // listed already
    QCOMPARE(pair.writer->unsent(), 6);
    QTest::qWait(50); // nothing may go before the lane sends (a negative check needs a wait)
    QCOMPARE(pair.peer.received(), QByteArray());
    pair.writer->flush();
    QCOMPARE(pair.writer->unsent(), 0);
    QTRY_COMPARE(pair.peer.received(), QByteArray("a\nb\nc\n"));
    QVERIFY(pair.writer->queue({"d\n"})); // flushed: it must be listed again
    QCOMPARE(pair.wakes.load(), 0); // the owner was never needed
}

void tst_SocketWriter::ownerWritesFollowQueuedFrames()
{
    Pair pair;
    QVERIFY(pair.writer->queue({"broadcast\n"}));
    QVERIFY(!pair.writer->write({"reply\n"})); // all taken by the kernel
    QTRY_COMPARE(pair.peer.received(), QByteArray("broadcast\nreply\n"));
    pair.writer->flush(); // the lane comes late: nothing left, nothing sent twice
    QTest::qWait(20);
    QCOMPARE(pair.peer.received(), QByteArray("broadcast\nreply\n"));
}

void tst_SocketWriter::fullKernelHandsOverToTheOwnerOnce()
{
    Pair pair(64 << 20, 4096);
    pair.peer.setReading(false);
    const QList<QByteArray> first = lines(u"first"_s, 0, 200, 1000);
    const QList<QByteArray> second = lines(u"second"_s, 0, 200, 1000);
    QVERIFY(pair.writer->queue(first));
    pair.writer->flush();
    QVERIFY(pair.writer->unsent() > 0); // the kernel is full
    QCOMPARE(pair.wakes.load(), 1);
    // Now the owner drains: a lane queues behind, and sends nothing itself.
    QVERIFY(!pair.writer->queue(second));
    pair.writer->flush();
    QCOMPARE(pair.wakes.load(), 1);
    pair.peer.setReading(true);
    QTRY_VERIFY(pair.writer->drain());
    QCOMPARE(pair.writer->unsent(), 0);
    QTRY_COMPARE(pair.peer.lines().size(), 400);
    QCOMPARE(pair.peer.received(), (first + second).join());
    QCOMPARE(pair.wakes.load(), 1);
}

void tst_SocketWriter::passingTheLimitRefusesEverythingAfter()
{
    Pair pair(10 * 1024, 4096);
    pair.peer.setReading(false);
    int queued = 0;
    while (!pair.writer->overflowed() && queued < 1000) {
        if (pair.writer->queue(lines(u"line"_s, queued, 1, 500))) {
            pair.writer->flush();
        }
        ++queued;
    }
    QVERIFY(pair.writer->overflowed());
    QVERIFY(pair.writer->unsent() > 10 * 1024); // what was refused counts
    QCOMPARE(pair.wakes.load(), 2); // the kernel filled, then the limit passed
    const qint64 unsent = pair.writer->unsent();
    // A gap is worse than the end: nothing more goes, from a lane or the owner.
    QVERIFY(!pair.writer->queue({"late\n"}));
    QVERIFY(!pair.writer->write({"reply\n"}));
    QCOMPARE(pair.writer->unsent(), unsent);
    QCOMPARE(pair.wakes.load(), 2);
    // Once the peer has read what was queued, the client must still be cut off.
    pair.peer.setReading(true);
    QTRY_VERIFY(pair.writer->drain());
    QVERIFY(pair.writer->overflowed());

    // Through a Connection, the owner cuts the client off.
    SocketPeer peer;
    peer.setBufferSizes(4096);
    peer.setReading(false);
    Connection::Limits limits;
    limits.maxPendingBytes = 10 * 1024;
    Connection connection(limits, std::nullopt);
    QVERIFY(connection.open(peer.takeOtherEnd()));
    QSignalSpy overloaded(&connection, &Connection::overloaded);
    const std::shared_ptr<SocketWriter> shared = connection.sharedWriter();
    QVERIFY(shared);
    std::thread lane([&shared] {
        for (int i = 0; i < 100 && !shared->overflowed(); ++i) {
            if (shared->queue(lines(u"line"_s, i, 1, 500))) {
                shared->flush();
            }
        }
    });
    lane.join();
    QTRY_COMPARE(overloaded.size(), 1);
    QVERIFY(!connection.sharedWriter()); // closing: nobody may write any more
}

void tst_SocketWriter::onePushMayCrossTheLimitIfTheKernelTakesIt()
{
    // A replay larger than --max-pending is fine for a client that reads: what counts is what
    // the kernel leaves unsent.
    Pair pair(10 * 1024);
    const QList<QByteArray> replay = lines(u"replay"_s, 0, 60, 1000);
    QVERIFY(pair.writer->queue(replay));
    pair.writer->flush();
    QVERIFY(!pair.writer->overflowed());
    QCOMPARE(pair.writer->unsent(), 0);
    QTRY_COMPARE(pair.peer.received(), replay.join());
    QCOMPARE(pair.wakes.load(), 0);
}

void tst_SocketWriter::readingResumesWhenALaneDrainsTheBacklog()
{
    // Input pauses while output piles up. When a lane (not the owner) sends the backlog, the
    // owner must still find out, or the client's next lines are never read.
    SocketPeer peer;
    Connection::Limits limits;
    limits.maxPendingBytes = 64 * 1024; // input pauses past half of it
    Connection connection(limits, std::nullopt);
    QVERIFY(connection.open(peer.takeOtherEnd()));
    QSignalSpy lines(&connection, &Connection::lineReceived);
    const std::shared_ptr<SocketWriter> writer = connection.sharedWriter();
    QVERIFY(writer->queue({QByteArray(40 * 1024, 'x') + '\n'})); // listed for a lane
    QVERIFY(peer.send("hello\n"));
    QCoreApplication::processEvents(); // the connection sees 40 KiB unsent and pauses
    QCOMPARE(lines.size(), 0);
    std::thread lane([&writer] { writer->flush(); }); // sends it all, waking nobody
    lane.join();
    QCOMPARE(writer->unsent(), 0);
    QTRY_COMPARE(lines.size(), 1);
    QCOMPARE(lines.first().first().toByteArray(), QByteArray("hello"));
}

void tst_SocketWriter::detachedWriterTouchesNothing()
{
    Pair pair;
    QVERIFY(pair.writer->queue({"before\n"}));
    pair.writer->detach();
    pair.writer->flush();
    QVERIFY(!pair.writer->queue({"after\n"}));
    QVERIFY(!pair.writer->write({"after\n"}));
    QVERIFY(pair.writer->drain());
    QCOMPARE(pair.writer->unsent(), 0);
    QTest::qWait(20);
    QCOMPARE(pair.peer.received(), QByteArray());
    QCOMPARE(pair.wakes.load(), 0);
}

void tst_SocketWriter::peerGoneBreaksAndWakes()
{
    Pair pair;
    pair.peer.close();
    QVERIFY(pair.writer->queue({"into the void\n"}));
    pair.writer->flush();
    QVERIFY(pair.writer->broken());
    QCOMPARE(pair.writer->unsent(), 0);
    QCOMPARE(pair.wakes.load(), 1);
    QVERIFY(!pair.writer->queue({"more\n"}));
    QCOMPARE(pair.wakes.load(), 1);
}

void tst_SocketWriter::laneAndOwnerThreadsKeepOneOrder()
{
    // A lane thread queues and flushes while the owner writes through its Connection: every
    // line arrives whole, and each thread's lines in the order they were written.
    SocketPeer peer;
    peer.setBufferSizes(16 * 1024);
    Connection connection({}, std::nullopt);
    QVERIFY(connection.open(peer.takeOtherEnd()));
    const std::shared_ptr<SocketWriter> writer = connection.sharedWriter();
    constexpr int Count = 3000;
    std::thread lane([&writer] {
        for (int i = 0; i < Count; ++i) {
            if (writer->queue(lines(u"lane"_s, i, 1, i % 200))) {
                writer->flush();
            }
        }
    });
    for (int i = 0; i < Count; ++i) {
        connection.write(lines(u"owner"_s, i, 1, i % 200));
        if (i % 100 == 0) {
            QCoreApplication::processEvents(); // the owner drains when the kernel was full
        }
    }
    lane.join();
    QTRY_COMPARE_WITH_TIMEOUT(peer.lines().size(), 2 * Count, 20000);
    int nextLane = 0;
    int nextOwner = 0;
    for (const QByteArray &line : peer.lines()) {
        const QList<QByteArray> words = line.split(' ');
        QCOMPARE(words.size(), 2);
        const bool fromLane = words.first().startsWith("lane");
        int &next = fromLane ? nextLane : nextOwner;
        QCOMPARE(words.first(), (fromLane ? "lane" : "owner") + QByteArray::number(next));
        QCOMPARE(words.last().size(), next % 200);
        ++next;
    }
    QCOMPARE(nextLane, Count);
    QCOMPARE(nextOwner, Count);
}

QTEST_GUILESS_MAIN(tst_SocketWriter)
#include "tst_socketwriter.moc"

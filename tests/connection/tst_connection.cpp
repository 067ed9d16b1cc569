#include "connection.h"
#include "socketpeer.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include <cerrno>
#include <cstring>
#include <memory>

using namespace std::chrono_literals;
using namespace Qt::StringLiterals;

// Connection over one end of an AF_UNIX socketpair (without TLS it runs TcpTransport, which
// works on any stream socket); the test holds the other end as a raw descriptor. Lines in,
// bytes out, and each of the limits and ways to end.
class tst_Connection : public QObject
{
    Q_OBJECT

private slots:
    void linesArriveInOrder_data();
    void linesArriveInOrder();
    void frameSizeLimit_data();
    void frameSizeLimit();
    void frameTooLargeStopsLines();
    void unfinishedFrameTimesOut();
    void finishedFrameDoesNotTimeOut();
    void lineHandlersAreNotReentered();
    void closeFromHandlerStopsLines();
    void writesArriveInOrder();
    void overloadResetsConnection();
    void halfCloseDeliversLinesThenInputEnded();
    void writingGoesOnAfterInputEnded();
    void closeSendsQueuedBytesThenEof();
    void closeIsPromptWhenNothingIsUnsent();
    void closeDiscardsUnreadInputWithoutReset();
    void resetCutsOffAndDropsQueuedBytes();
    void lastWordsAreReadWhenWritingFails();
    void pausedInputWaitsForResume();
};

namespace {

// Generous: the machine may be loaded, and ASan is slow. Only failures wait this long.
constexpr int Timeout = 20000;
// Small kernel buffers, so that writes queue in the connection instead of the kernel.
constexpr int SmallBuffer = 4096;

std::unique_ptr<Connection> openConnection(SocketPeer &peer, const Connection::Limits &limits = {})
{
    auto connection = std::make_unique<Connection>(limits, std::nullopt);
    if (!peer.isValid() || !connection->open(peer.takeOtherEnd())) {
        return nullptr;
    }
    return connection;
}

QList<QByteArray> linesOf(const QSignalSpy &spy)
{
    QList<QByteArray> lines;
    for (const QList<QVariant> &arguments : spy) {
        lines.append(arguments.at(0).toByteArray());
    }
    return lines;
}

// Runs the event loop until a line sent now on a fresh connection has been handled. Whatever
// was already waiting for another connection had its turn by then, so a test can check that
// something did not happen without sleeping for a fixed time.
bool settle()
{
    SocketPeer peer;
    const std::unique_ptr<Connection> connection = openConnection(peer);
    if (!connection) {
        return false;
    }
    QSignalSpy lines(connection.get(), &Connection::lineReceived);
    return peer.send("settle\n") && QTest::qWaitFor([&] { return lines.count() == 1; }, Timeout);
}

QByteArray numberedLines(int count, int width)
{
    QByteArray bytes;
    for (int i = 0; i < count; ++i) {
        bytes += QByteArray::number(i).rightJustified(width, '.') + '\n';
    }
    return bytes;
}

} // namespace

void tst_Connection::linesArriveInOrder_data()
{
    QTest::addColumn<QList<QByteArray>>("writes");
    QTest::addColumn<QList<QByteArray>>("lines");

    using Bytes = QList<QByteArray>;
    QTest::newRow("one line") << Bytes{"hello\n"} << Bytes{"hello"};
    QTest::newRow("split across writes") << Bytes{"hel", "lo wor", "ld\n"} << Bytes{"hello world"};
    QTest::newRow("several in one write")
        << Bytes{"one\ntwo\nthree\n"} << Bytes{"one", "two", "three"};
    QTest::newRow("mixed") << Bytes{"first\nsec", "ond\nthi", "rd\nfourth\n"}
                           << Bytes{"first", "second", "third", "fourth"};
    QTest::newRow("crlf") << Bytes{"one\r\ntwo\r\n"} << Bytes{"one", "two"};
    QTest::newRow("crlf split between \\r and \\n")
        << Bytes{"one\r", "\ntwo\r\n"} << Bytes{"one", "two"};
    QTest::newRow("lone \\r kept inside") << Bytes{"a\rb\n"} << Bytes{"a\rb"};
    QTest::newRow("byte by byte") << Bytes{"h", "i", "\r", "\n", "x", "\n"} << Bytes{"hi", "x"};
}

void tst_Connection::linesArriveInOrder()
{
    QFETCH(QList<QByteArray>, writes);
    QFETCH(QList<QByteArray>, lines);

    SocketPeer peer;
    const std::unique_ptr<Connection> connection = openConnection(peer);
    QVERIFY(connection);
    QSignalSpy received(connection.get(), &Connection::lineReceived);
    QVERIFY(received.isValid());
    QSignalSpy activity(connection.get(), &Connection::activity);
    QVERIFY(activity.isValid());

    for (const QByteArray &bytes : std::as_const(writes)) {
        // Each write waits until the previous one was read, so the reads really are split.
        const qsizetype before = activity.count();
        QVERIFY(peer.send(bytes));
        QTRY_VERIFY_WITH_TIMEOUT(activity.count() > before, Timeout);
    }
    QTRY_COMPARE_WITH_TIMEOUT(linesOf(received), lines, Timeout);
}

void tst_Connection::frameSizeLimit_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QList<QByteArray>>("lines"); // empty: the frame is too large

    const QByteArray max(16, 'x');
    QTest::newRow("exactly the limit") << max + "\nnext\n" << QList<QByteArray>{max, "next"};
    QTest::newRow("exactly the limit, crlf") << max + "\r\nnext\n"
                                             << QList<QByteArray>{max, "next"};
    QTest::newRow("one byte over") << max + "y\nnext\n" << QList<QByteArray>{};
    QTest::newRow("over, not finished yet") << max + "yz" << QList<QByteArray>{};
}

void tst_Connection::frameSizeLimit()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QList<QByteArray>, lines);

    SocketPeer peer;
    Connection::Limits limits;
    limits.maxFrameBytes = 16;
    const std::unique_ptr<Connection> connection = openConnection(peer, limits);
    QVERIFY(connection);
    QSignalSpy received(connection.get(), &Connection::lineReceived);
    QVERIFY(received.isValid());
    QSignalSpy overflow(connection.get(), &Connection::frameTooLarge);
    QVERIFY(overflow.isValid());

    QVERIFY(peer.send(bytes));
    if (lines.isEmpty()) {
        QTRY_COMPARE_WITH_TIMEOUT(overflow.count(), 1, Timeout);
        QCOMPARE(overflow.at(0).at(0).value<qsizetype>(), 16);
        QVERIFY(peer.send("\nnext\n"));
        QVERIFY(settle());
        QCOMPARE(received.count(), 0);
    } else {
        QTRY_COMPARE_WITH_TIMEOUT(linesOf(received), lines, Timeout);
        QCOMPARE(overflow.count(), 0);
    }
}

void tst_Connection::frameTooLargeStopsLines()
{
    SocketPeer peer;
    Connection::Limits limits;
    limits.maxFrameBytes = 64;
    const std::unique_ptr<Connection> connection = openConnection(peer, limits);
    QVERIFY(connection);
    QSignalSpy received(connection.get(), &Connection::lineReceived);
    QVERIFY(received.isValid());
    QSignalSpy overflow(connection.get(), &Connection::frameTooLarge);
    QVERIFY(overflow.isValid());

    // Lines before the big one are handed on; nothing after it, in the same write or later.
    QVERIFY(peer.send("before\n" + QByteArray(100, 'x') + "\nafter\n"));
    QTRY_COMPARE_WITH_TIMEOUT(overflow.count(), 1, Timeout);
    QCOMPARE(linesOf(received), QList<QByteArray>{"before"});
    QVERIFY(peer.send("later\n"));
    QVERIFY(settle());
    QCOMPARE(linesOf(received), QList<QByteArray>{"before"});
    QCOMPARE(overflow.count(), 1);

    // The connection itself is still up: the session decides how to end it.
    connection->write("bye\n");
    QTRY_COMPARE_WITH_TIMEOUT(peer.received(), QByteArray("bye\n"), Timeout);
}

void tst_Connection::unfinishedFrameTimesOut()
{
    SocketPeer peer;
    Connection::Limits limits;
    limits.frameTimeout = 200ms;
    const std::unique_ptr<Connection> connection = openConnection(peer, limits);
    QVERIFY(connection);
    QSignalSpy received(connection.get(), &Connection::lineReceived);
    QVERIFY(received.isValid());
    QSignalSpy timedOut(connection.get(), &Connection::frameTimedOut);
    QVERIFY(timedOut.isValid());

    QElapsedTimer elapsed;
    elapsed.start();
    QVERIFY(peer.send("done\nunfini"));
    QTRY_COMPARE_WITH_TIMEOUT(timedOut.count(), 1, Timeout);
    // Not before the frame's time was up (a coarse timer may fire up to 5% early).
    QVERIFY2(elapsed.elapsed() >= 180, QByteArray::number(elapsed.elapsed()).constData());
    QCOMPARE(linesOf(received), QList<QByteArray>{"done"});

    // Finishing it now is too late: no more lines are read.
    QVERIFY(peer.send("shed\nnext\n"));
    QVERIFY(settle());
    QCOMPARE(linesOf(received), QList<QByteArray>{"done"});
    QCOMPARE(timedOut.count(), 1);
}

void tst_Connection::finishedFrameDoesNotTimeOut()
{
    SocketPeer peer;
    Connection::Limits limits;
    limits.frameTimeout = 200ms;
    const std::unique_ptr<Connection> connection = openConnection(peer, limits);
    QVERIFY(connection);
    QSignalSpy received(connection.get(), &Connection::lineReceived);
    QVERIFY(received.isValid());
    QSignalSpy activity(connection.get(), &Connection::activity);
    QVERIFY(activity.isValid());
    QSignalSpy timedOut(connection.get(), &Connection::frameTimedOut);
    QVERIFY(timedOut.isValid());

    // Begun in one read (the clock starts), finished in the next (it must stop).
    QVERIFY(peer.send("hel"));
    QTRY_COMPARE_WITH_TIMEOUT(activity.count(), 1, Timeout);
    QVERIFY(peer.send("lo\n"));
    QTRY_COMPARE_WITH_TIMEOUT(linesOf(received), QList<QByteArray>{"hello"}, Timeout);

    // A witness with twice the timeout, whose frame begins only now, times out first: had
    // the clock kept running for the finished frame, it would have fired long before.
    SocketPeer witnessPeer;
    Connection::Limits witnessLimits;
    witnessLimits.frameTimeout = 400ms;
    const std::unique_ptr<Connection> witness = openConnection(witnessPeer, witnessLimits);
    QVERIFY(witness);
    QSignalSpy witnessTimedOut(witness.get(), &Connection::frameTimedOut);
    QVERIFY(witnessTimedOut.isValid());
    QVERIFY(witnessPeer.send("unfinished"));
    QTRY_COMPARE_WITH_TIMEOUT(witnessTimedOut.count(), 1, Timeout);
    QCOMPARE(timedOut.count(), 0);

    // And it still reads lines.
    QVERIFY(peer.send("again\n"));
    QTRY_COMPARE_WITH_TIMEOUT(linesOf(received), (QList<QByteArray>{"hello", "again"}), Timeout);
}

// A reply written from a lineReceived handler must not hand on the next line from inside that
// handler: were handlers to nest a level per line, a client sending a few hundred short bad
// lines in one write would overflow a worker thread's 512 KiB stack (it did, with 200 "x").
void tst_Connection::lineHandlersAreNotReentered()
{
    SocketPeer peer;
    const std::unique_ptr<Connection> connection = openConnection(peer);
    QVERIFY(connection);
    int depth = 0;
    int deepest = 0;
    QList<QByteArray> finished;
    connect(
        connection.get(), &Connection::lineReceived, connection.get(), [&](const QByteArray &line) {
            deepest = std::max(deepest, ++depth);
            connection->write(line + '\n'); // answers it, as a session does
            finished.append(line);
            --depth;
        });

    QVERIFY(peer.send("one\ntwo\nthree\n"));
    QTRY_COMPARE_WITH_TIMEOUT(peer.received(), QByteArray("one\ntwo\nthree\n"), Timeout);
    QCOMPARE(depth, 0);
    QCOMPARE(deepest, 1);
    QCOMPARE(finished, (QList<QByteArray>{"one", "two", "three"}));
}

// A handler that ends the conversation (a session's quit) closes before any later line is
// handed on: a line after the quit is never handled.
void tst_Connection::closeFromHandlerStopsLines()
{
    SocketPeer peer;
    const std::unique_ptr<Connection> connection = openConnection(peer);
    QVERIFY(connection);
    QList<QByteArray> handled;
    connect(
        connection.get(), &Connection::lineReceived, connection.get(), [&](const QByteArray &line) {
            handled.append(line);
            if (line == "quit") {
                connection->write("bye\n");
                connection->close();
            }
        });
    QSignalSpy closed(connection.get(), &Connection::closed);
    QVERIFY(closed.isValid());

    QVERIFY(peer.send("hello\nquit\nafter the quit\n"));
    QTRY_VERIFY_WITH_TIMEOUT(peer.atEnd(), Timeout);
    QCOMPARE(peer.received(), QByteArray("bye\n"));
    QTRY_COMPARE_WITH_TIMEOUT(closed.count(), 1, Timeout);
    QCOMPARE(handled, (QList<QByteArray>{"hello", "quit"}));
}

void tst_Connection::writesArriveInOrder()
{
    SocketPeer peer;
    peer.setBufferSizes(SmallBuffer);
    peer.setReading(false);
    const std::unique_ptr<Connection> connection = openConnection(peer);
    QVERIFY(connection);

    // Single writes and batches, more than the kernel takes: the rest queues, in order.
    const QByteArray lines = numberedLines(4000, 20);
    QByteArray expected;
    qint64 mostUnsent = 0;
    for (qsizetype offset = 0; offset < lines.size(); offset += 1000) {
        const QByteArray part = lines.mid(offset, 1000);
        if ((offset / 1000) % 2 == 0) {
            connection->write(part);
        } else {
            connection->write(QList<QByteArray>{part.left(10), QByteArray(), part.mid(10)});
        }
        expected += part;
        mostUnsent = std::max(mostUnsent, connection->unsentBytes());
    }
    QVERIFY2(mostUnsent > 0, "nothing queued: the test did not exercise the queue");

    peer.setReading(true);
    QTRY_COMPARE_WITH_TIMEOUT(peer.received().size(), expected.size(), Timeout);
    QCOMPARE(peer.received(), expected);
    QTRY_COMPARE_WITH_TIMEOUT(connection->unsentBytes(), 0, Timeout);
    QVERIFY(!peer.atEnd());
}

void tst_Connection::overloadResetsConnection()
{
    SocketPeer peer;
    peer.setBufferSizes(SmallBuffer);
    peer.setReading(false); // a client that never reads
    Connection::Limits limits;
    limits.maxPendingBytes = 64 * 1024;
    const std::unique_ptr<Connection> connection = openConnection(peer, limits);
    QVERIFY(connection);
    QSignalSpy overloaded(connection.get(), &Connection::overloaded);
    QVERIFY(overloaded.isValid());
    QSignalSpy closed(connection.get(), &Connection::closed);
    QVERIFY(closed.isValid());

    const QByteArray chunk(8 * 1024, 'z');
    qint64 written = 0;
    while (overloaded.isEmpty() && written < 64 * 1024 * 1024) {
        connection->write(chunk);
        written += chunk.size();
    }
    QCOMPARE(overloaded.count(), 1);
    QVERIFY(overloaded.at(0).at(0).toLongLong() > limits.maxPendingBytes);
    QVERIFY(connection->isClosing());
    QCOMPARE(connection->unsentBytes(), 0); // the memory is given back at once

    QTRY_COMPARE_WITH_TIMEOUT(closed.count(), 1, Timeout);
    // The client learns it was cut off: a reset, or (AF_UNIX has no resets) the end of stream
    // after what the kernel already held.
    peer.setReading(true);
    QTRY_VERIFY_WITH_TIMEOUT(peer.atEnd(), Timeout);
    QVERIFY2(peer.end() == SocketPeer::End::Eof || peer.error() == ECONNRESET,
        qPrintable(QString::fromLocal8Bit(strerror(peer.error()))));
    QVERIFY(peer.received().size() < written);

    // Nothing more is written, and closed is not reported twice.
    connection->write("late\n");
    QVERIFY(settle());
    QCOMPARE(closed.count(), 1);
    QCOMPARE(overloaded.count(), 1);
}

void tst_Connection::halfCloseDeliversLinesThenInputEnded()
{
    SocketPeer peer;
    const std::unique_ptr<Connection> connection = openConnection(peer);
    QVERIFY(connection);
    QStringList events;
    connect(connection.get(), &Connection::lineReceived, connection.get(),
        [&](const QByteArray &line) { events.append(QString::fromUtf8("line " + line)); });
    connect(connection.get(), &Connection::inputEnded, connection.get(),
        [&] { events.append(u"end"_s); });
    QSignalSpy closed(connection.get(), &Connection::closed);
    QVERIFY(closed.isValid());

    QVERIFY(peer.send("first\nsecond\n"));
    peer.shutdownWrite();
    QTRY_COMPARE_WITH_TIMEOUT(
        events, (QStringList{u"line first"_s, u"line second"_s, u"end"_s}), Timeout);
    QVERIFY(settle());
    QCOMPARE(events.size(), 3); // inputEnded once
    QCOMPARE(closed.count(), 0); // the session decides when to close
    QVERIFY(!peer.atEnd());
}

void tst_Connection::pausedInputWaitsForResume()
{
    // A session waiting for a password check reads nothing more, the end of input included,
    // until it resumes; then everything comes in order.
    SocketPeer peer;
    const std::unique_ptr<Connection> connection = openConnection(peer);
    QVERIFY(connection);
    QStringList events;
    connect(
        connection.get(), &Connection::lineReceived, connection.get(), [&](const QByteArray &line) {
            events.append(QString::fromUtf8("line " + line));
            if (line == "hello") {
                connection->pauseInput();
            }
        });
    connect(connection.get(), &Connection::inputEnded, connection.get(),
        [&] { events.append(u"end"_s); });

    QVERIFY(peer.send("hello\nsay one\n"));
    QTRY_COMPARE_WITH_TIMEOUT(events, QStringList{u"line hello"_s}, Timeout);
    QVERIFY(peer.send("say two\n"));
    peer.shutdownWrite();
    QVERIFY(settle());
    QCOMPARE(events, QStringList{u"line hello"_s});
    connection->resumeInput();
    QTRY_COMPARE_WITH_TIMEOUT(events,
        (QStringList{u"line hello"_s, u"line say one"_s, u"line say two"_s, u"end"_s}), Timeout);
}

void tst_Connection::writingGoesOnAfterInputEnded()
{
    SocketPeer peer;
    const std::unique_ptr<Connection> connection = openConnection(peer);
    QVERIFY(connection);
    QSignalSpy inputEnded(connection.get(), &Connection::inputEnded);
    QVERIFY(inputEnded.isValid());
    QSignalSpy closed(connection.get(), &Connection::closed);
    QVERIFY(closed.isValid());

    QVERIFY(peer.send("echo this\n"));
    peer.shutdownWrite();
    QTRY_COMPARE_WITH_TIMEOUT(inputEnded.count(), 1, Timeout);

    connection->write("the reply\n");
    connection->write(QList<QByteArray>{"and ", "more\n"});
    QTRY_COMPARE_WITH_TIMEOUT(peer.received(), QByteArray("the reply\nand more\n"), Timeout);
    QCOMPARE(closed.count(), 0);

    connection->close();
    QTRY_VERIFY_WITH_TIMEOUT(peer.atEnd(), Timeout);
    QCOMPARE(peer.end(), SocketPeer::End::Eof);
    QTRY_COMPARE_WITH_TIMEOUT(closed.count(), 1, Timeout);
}

void tst_Connection::closeSendsQueuedBytesThenEof()
{
    SocketPeer peer;
    peer.setBufferSizes(SmallBuffer);
    peer.setReading(false);
    Connection::Limits limits;
    limits.closeGrace = 10s;
    const std::unique_ptr<Connection> connection = openConnection(peer, limits);
    QVERIFY(connection);
    QSignalSpy closed(connection.get(), &Connection::closed);
    QVERIFY(closed.isValid());

    const QByteArray payload = numberedLines(2000, 30);
    connection->write(payload);
    QVERIFY(connection->unsentBytes() > 0);
    connection->close();
    QVERIFY(connection->isClosing());
    connection->write("ignored once closing\n");

    // The queued bytes are not dropped: the peer reads every one of them, then the end.
    QElapsedTimer elapsed;
    elapsed.start();
    peer.setReading(true);
    QTRY_VERIFY_WITH_TIMEOUT(peer.atEnd(), Timeout);
    QCOMPARE(peer.end(), SocketPeer::End::Eof);
    QCOMPARE(peer.received().size(), payload.size());
    QCOMPARE(peer.received(), payload);
    // Once they are out nothing is left to wait for: closed comes without the grace.
    QTRY_COMPARE_WITH_TIMEOUT(closed.count(), 1, int(limits.closeGrace.count() / 2));
    QVERIFY(elapsed.elapsed() < limits.closeGrace.count() / 2);
    QCOMPARE(connection->unsentBytes(), 0);
}

void tst_Connection::closeIsPromptWhenNothingIsUnsent()
{
    SocketPeer peer;
    Connection::Limits limits;
    limits.closeGrace = 10s;
    const std::unique_ptr<Connection> connection = openConnection(peer, limits);
    QVERIFY(connection);
    QSignalSpy closed(connection.get(), &Connection::closed);
    QVERIFY(closed.isValid());
    QSignalSpy received(connection.get(), &Connection::lineReceived);
    QVERIFY(received.isValid());

    QVERIFY(peer.send("hi\n"));
    QTRY_COMPARE_WITH_TIMEOUT(received.count(), 1, Timeout);
    connection->write("bye\n");
    QElapsedTimer elapsed;
    elapsed.start();
    connection->close();
    connection->close(); // twice is once

    // The peer has nothing unsent and is not sending: no waiting for the grace.
    QTRY_COMPARE_WITH_TIMEOUT(closed.count(), 1, int(limits.closeGrace.count() / 2));
    QVERIFY(elapsed.elapsed() < limits.closeGrace.count() / 2);
    QTRY_VERIFY_WITH_TIMEOUT(peer.atEnd(), Timeout);
    QCOMPARE(peer.end(), SocketPeer::End::Eof);
    QCOMPARE(peer.received(), QByteArray("bye\n"));
    QCOMPARE(received.count(), 1);
}

void tst_Connection::closeDiscardsUnreadInputWithoutReset()
{
    SocketPeer peer;
    Connection::Limits limits;
    limits.closeGrace = 10s;
    const std::unique_ptr<Connection> connection = openConnection(peer, limits);
    QVERIFY(connection);
    QSignalSpy received(connection.get(), &Connection::lineReceived);
    QVERIFY(received.isValid());
    QSignalSpy closed(connection.get(), &Connection::closed);
    QVERIFY(closed.isValid());

    // Input the connection never hands on: closing over it must not turn into a reset, which
    // on a real network can destroy the peer's copy of the last frames.
    connect(connection.get(), &Connection::lineReceived, connection.get(), [&connection] {
        connection->write("last words\n");
        connection->close();
    });
    QVERIFY(peer.send("unread one\nunread two\n"));

    QTRY_VERIFY_WITH_TIMEOUT(peer.atEnd(), Timeout);
    QCOMPARE(peer.received(), QByteArray("last words\n"));
    QVERIFY2(peer.end() == SocketPeer::End::Eof,
        qPrintable(QString::fromLocal8Bit(strerror(peer.error()))));
    QTRY_COMPARE_WITH_TIMEOUT(closed.count(), 1, int(limits.closeGrace.count() / 2));
    QCOMPARE(received.count(), 1); // the line whose handler closed; the other is discarded
}

void tst_Connection::resetCutsOffAndDropsQueuedBytes()
{
    SocketPeer peer;
    peer.setBufferSizes(SmallBuffer);
    peer.setReading(false);
    const std::unique_ptr<Connection> connection = openConnection(peer);
    QVERIFY(connection);
    QSignalSpy closed(connection.get(), &Connection::closed);
    QVERIFY(closed.isValid());
    QSignalSpy inputEnded(connection.get(), &Connection::inputEnded);
    QVERIFY(inputEnded.isValid());

    const QByteArray payload = numberedLines(2000, 30);
    connection->write(payload);
    QVERIFY(connection->unsentBytes() > 0);
    connection->reset();
    QVERIFY(connection->isClosing());
    QCOMPARE(connection->unsentBytes(), 0);
    connection->write("ignored\n");

    QTRY_COMPARE_WITH_TIMEOUT(closed.count(), 1, Timeout);
    peer.setReading(true);
    QTRY_VERIFY_WITH_TIMEOUT(peer.atEnd(), Timeout);
    QVERIFY2(peer.end() == SocketPeer::End::Eof || peer.error() == ECONNRESET,
        qPrintable(QString::fromLocal8Bit(strerror(peer.error()))));
    // What was queued in the connection never went out.
    QVERIFY(peer.received().size() < payload.size());
    QVERIFY(payload.startsWith(peer.received()));
    QCOMPARE(inputEnded.count(), 0);

    connection->reset(); // already gone: nothing happens
    QVERIFY(settle());
    QCOMPARE(closed.count(), 1);
}

// A client that leaves sends quit and closes its socket. If the server writes to it before
// reading, the write fails; the quit waiting unread must still be handed on before the
// connection reports closed, or the others would see "disconnected" instead of "quit".
void tst_Connection::lastWordsAreReadWhenWritingFails()
{
    SocketPeer peer;
    const std::unique_ptr<Connection> connection = openConnection(peer);
    QVERIFY(connection);
    QSignalSpy received(connection.get(), &Connection::lineReceived);
    QVERIFY(received.isValid());
    QSignalSpy closed(connection.get(), &Connection::closed);
    QVERIFY(closed.isValid());

    QVERIFY(peer.send("quit\n"));
    peer.close();
    connection->write("bye\n"); // before the event loop has read anything: EPIPE
    QTRY_COMPARE_WITH_TIMEOUT(closed.count(), 1, Timeout);
    QCOMPARE(linesOf(received), QList<QByteArray>{"quit"});
}

QTEST_GUILESS_MAIN(tst_Connection)
#include "tst_connection.moc"

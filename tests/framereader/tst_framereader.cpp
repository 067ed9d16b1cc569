#include "framereader.h"

#include <QTest>

// FrameReader: line splitting across arbitrary TCP read boundaries, and the size limit.
class tst_FrameReader : public QObject
{
    Q_OBJECT

private slots:
    void splitsLines_data();
    void splitsLines();
    void byteByByteArrival();
    void overflowWithoutNewlineIsDetectedEarly();
    void overflowDiscardsEverythingAfter();
};

namespace {

QList<QByteArray> drain(FrameReader &reader)
{
    QList<QByteArray> lines;
    while (const auto line = reader.nextLine()) {
        lines.append(*line);
    }
    return lines;
}

} // namespace

void tst_FrameReader::splitsLines_data()
{
    QTest::addColumn<QList<QByteArray>>("chunks");
    QTest::addColumn<int>("maxBytes");
    QTest::addColumn<QList<QByteArray>>("expected");
    QTest::addColumn<bool>("overflowed");
    QTest::addColumn<qsizetype>("leftover");

    const QByteArray hello = R"({"type":"hello","name":"alice"})";
    QTest::newRow("one frame") << QList<QByteArray>{hello + '\n'} << 1024
                               << QList<QByteArray>{hello} << false << qsizetype(0);
    QTest::newRow("many frames in one read")
        << QList<QByteArray>{"a\nbb\nccc\n"} << 1024 << QList<QByteArray>{"a", "bb", "ccc"} << false
        << qsizetype(0);
    QTest::newRow("frame split over reads")
        << QList<QByteArray>{hello.left(5), hello.mid(5, 10), hello.mid(15) + '\n'} << 1024
        << QList<QByteArray>{hello} << false << qsizetype(0);
    QTest::newRow("tail kept for the next read")
        << QList<QByteArray>{"one\ntw"} << 1024 << QList<QByteArray>{"one"} << false
        << qsizetype(2);
    QTest::newRow("crlf is stripped") << QList<QByteArray>{"a\r\nb\r", "\n"} << 1024
                                      << QList<QByteArray>{"a", "b"} << false << qsizetype(0);
    QTest::newRow("empty lines are lines")
        << QList<QByteArray>{"\n\na\n"} << 1024 << QList<QByteArray>{"", "", "a"} << false
        << qsizetype(0);
    QTest::newRow("exactly at the limit")
        << QList<QByteArray>{QByteArray(16, 'x') + '\n'} << 16
        << QList<QByteArray>{QByteArray(16, 'x')} << false << qsizetype(0);
    QTest::newRow("at the limit with crlf")
        << QList<QByteArray>{QByteArray(16, 'x') + "\r\n"} << 16
        << QList<QByteArray>{QByteArray(16, 'x')} << false << qsizetype(0);
    QTest::newRow("one byte over the limit") << QList<QByteArray>{QByteArray(17, 'x') + '\n'} << 16
                                             << QList<QByteArray>{} << true << qsizetype(0);
    QTest::newRow("good frames before an oversized one are kept")
        << QList<QByteArray>{"ok\n" + QByteArray(40, 'x') + "\nlater\n"} << 16
        << QList<QByteArray>{"ok"} << true << qsizetype(0);
}

void tst_FrameReader::splitsLines()
{
    QFETCH(QList<QByteArray>, chunks);
    QFETCH(int, maxBytes);
    QFETCH(QList<QByteArray>, expected);
    QFETCH(bool, overflowed);
    QFETCH(qsizetype, leftover);

    FrameReader reader(maxBytes);
    QList<QByteArray> lines;
    for (const QByteArray &chunk : chunks) {
        reader.append(chunk);
        lines += drain(reader);
    }
    QCOMPARE(lines, expected);
    QCOMPARE(reader.hasOverflowed(), overflowed);
    QCOMPARE(reader.bufferedBytes(), leftover);
}

void tst_FrameReader::byteByByteArrival()
{
    QByteArray stream;
    QList<QByteArray> expected;
    for (int i = 0; i < 200; ++i) {
        const QByteArray line
            = R"({"type":"say","text":"message )" + QByteArray::number(i) + R"("})";
        expected.append(line);
        stream += line + '\n';
    }
    FrameReader reader(64 * 1024);
    QList<QByteArray> lines;
    for (const char byte : std::as_const(stream)) {
        reader.append(QByteArray(1, byte));
        lines += drain(reader);
    }
    QCOMPARE(lines, expected);
    QCOMPARE(reader.bufferedBytes(), 0);
}

void tst_FrameReader::overflowWithoutNewlineIsDetectedEarly()
{
    // A client that never sends '\n' must not make the reader grow: it gives up as soon as the
    // pending line passes the limit, long before the client stops sending.
    FrameReader reader(1024);
    const QByteArray chunk(100, 'x');
    int appended = 0;
    while (!reader.hasOverflowed() && appended < 1000) {
        reader.append(chunk);
        ++appended;
        QVERIFY(!reader.nextLine());
        QVERIFY(reader.bufferedBytes() <= 1024 + 1);
    }
    QVERIFY(reader.hasOverflowed());
    QCOMPARE(appended, 11);
    QCOMPARE(reader.bufferedBytes(), 0);
}

void tst_FrameReader::overflowDiscardsEverythingAfter()
{
    FrameReader reader(8);
    reader.append("123456789\n");
    QVERIFY(!reader.nextLine());
    QVERIFY(reader.hasOverflowed());
    reader.append("ok\n");
    QVERIFY(!reader.nextLine());
    QCOMPARE(reader.bufferedBytes(), 0);
}

QTEST_APPLESS_MAIN(tst_FrameReader)
#include "tst_framereader.moc"

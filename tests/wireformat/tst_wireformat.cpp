#include "framecodec.h"
#include "frames.h"
#include "jsonwire.h"
#include "textwire.h"
#include "wireformat.h"

#include <QRegularExpression>
#include <QTest>

using Protocol::ErrorCode;
using namespace Qt::StringLiterals;

// The wire formats: which one a first line chooses, and how JsonWire and TextWire turn lines
// into frames and the room's shared JSON into what their clients read.
class tst_WireFormat : public QObject
{
    Q_OBJECT

private slots:
    void forFirstLine_data();
    void forFirstLine();
    void jsonDecodesValidFrames_data();
    void jsonDecodesValidFrames();
    void jsonRejects_data();
    void jsonRejects();
    void jsonEncodeSharedKeepsTheBytes();
    void textDecode_data();
    void textDecode();
    void textDecodeRejectsInvalidUtf8();
    void textEncodeSharedRendersMessages();
    void textEncodeSharedRendersOwnDm();
    void answersPings();
};

namespace {

const QByteArray Bom("\xEF\xBB\xBF");

bool isJson(const WireFormat &wire)
{
    return dynamic_cast<const JsonWire *>(&wire) != nullptr;
}

bool isText(const WireFormat &wire)
{
    return dynamic_cast<const TextWire *>(&wire) != nullptr;
}

} // namespace

void tst_WireFormat::forFirstLine_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<bool>("json");

    QTest::newRow("json object") << QByteArray(R"({"type":"hello","name":"alice"})") << true;
    QTest::newRow("json with spaces around") << QByteArray(R"(  {"type":"ping"}  )") << true;
    QTest::newRow("bom then json") << Bom + R"({"type":"hello","name":"alice"})" << true;
    QTest::newRow("bom, space, json") << Bom + R"( {"type":"ping"})" << true;
    QTest::newRow("broken json is still json") << QByteArray(R"({"type":)") << true;
    QTest::newRow("a name") << QByteArray("alice") << false;
    QTest::newRow("bom then a name") << Bom + "alice" << false;
    QTest::newRow("{quit}") << QByteArray("{quit}") << false;
    QTest::newRow("{quit} with spaces") << QByteArray("  {quit} ") << false;
    QTest::newRow("json array") << QByteArray("[1,2]") << false;
    QTest::newRow("garbage") << QByteArray("\x01\x02\xff\xfe zz") << false;
    QTest::newRow("command") << QByteArray("/help") << false;
}

void tst_WireFormat::forFirstLine()
{
    QFETCH(QByteArray, line);
    QFETCH(bool, json);

    const std::unique_ptr<WireFormat> wire = WireFormat::forFirstLine(line);
    QVERIFY(wire);
    QCOMPARE(isJson(*wire), json);
    QCOMPARE(isText(*wire), !json);
}

void tst_WireFormat::jsonDecodesValidFrames_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QJsonObject>("frame");

    QTest::newRow("hello") << QByteArray(R"({"type":"hello","name":"alice"})")
                           << QJsonObject{{"type"_L1, "hello"_L1}, {"name"_L1, "alice"_L1}};
    QTest::newRow("say") << QByteArray(R"({"type":"say","text":"hi there"})")
                         << QJsonObject{{"type"_L1, "say"_L1}, {"text"_L1, "hi there"_L1}};
    QTest::newRow("bom-prefixed") << Bom + R"({"type":"ping"})"
                                  << QJsonObject{{"type"_L1, "ping"_L1}};
    QTest::newRow("extra fields kept") << QByteArray(R"({"type":"ping","x":1})")
                                       << QJsonObject{{"type"_L1, "ping"_L1}, {"x"_L1, 1}};
}

void tst_WireFormat::jsonDecodesValidFrames()
{
    QFETCH(QByteArray, line);
    QFETCH(QJsonObject, frame);

    const WireFormat::Decoded decoded = JsonWire().decode(line, {});
    QCOMPARE(decoded.error, ErrorCode::None);
    QCOMPARE(decoded.frame, frame);
    QVERIFY(decoded.reply.isEmpty());
}

void tst_WireFormat::jsonRejects_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<ErrorCode>("error");

    QTest::newRow("truncated") << QByteArray(R"({"type":"say","text":)") << ErrorCode::BadJson;
    QTest::newRow("not json at all") << QByteArray("{hello}") << ErrorCode::BadJson;
    QTest::newRow("invalid utf-8")
        << QByteArray("{\"type\":\"say\",\"text\":\"\xff\xfe\"}") << ErrorCode::BadJson;
    QTest::newRow("overlong utf-8")
        << QByteArray("{\"type\":\"say\",\"text\":\"\xc0\xaf\"}") << ErrorCode::BadJson;
    QTest::newRow("server-only welcome")
        << QByteArray(R"({"type":"welcome","name":"alice"})") << ErrorCode::UnknownType;
    QTest::newRow("server-only message")
        << QByteArray(R"({"type":"message","text":"x"})") << ErrorCode::UnknownType;
    QTest::newRow("made-up type") << QByteArray(R"({"type":"teleport"})") << ErrorCode::UnknownType;
    QTest::newRow("say without text") << QByteArray(R"({"type":"say"})") << ErrorCode::BadFrame;
}

void tst_WireFormat::jsonRejects()
{
    QFETCH(QByteArray, line);
    QFETCH(ErrorCode, error);

    const WireFormat::Decoded decoded = JsonWire().decode(line, {true, 0, {}, {}});
    QCOMPARE(decoded.error, error);
    QVERIFY(!decoded.message.isEmpty());
    QVERIFY(decoded.frame.isEmpty());
}

void tst_WireFormat::jsonEncodeSharedKeepsTheBytes()
{
    const QList<QByteArray> shared{FrameCodec::encode(Frames::joined(u"bob"_s, u"x"_s)),
        FrameCodec::encode(Frames::left(u"bob"_s, u"quit"_s, u"x"_s))};
    const QList<QByteArray> out = JsonWire().encodeShared(shared, u"alice"_s);
    QCOMPARE(out, shared);
    QCOMPARE(out[0].constData(), shared[0].constData()); // encoded once, shared
}

void tst_WireFormat::textDecode_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<bool>("registered");
    QTest::addColumn<int>("openQuestion");
    QTest::addColumn<QJsonObject>("frame");
    QTest::addColumn<QString>("replyContains");

    QTest::newRow("name before hello")
        << QByteArray("alice") << false << 0 << Frames::hello(u"alice"_s) << QString();
    QTest::newRow("name with \\r")
        << QByteArray("alice\r") << false << 0 << Frames::hello(u"alice"_s) << QString();
    QTest::newRow("chat once registered")
        << QByteArray("hi") << true << 0 << Frames::say(u"hi"_s) << QString();
    QTest::newRow("utf-8 chat") << QByteArray("gr\xc3\xbc\xc3\x9f dich") << true << 0
                                << Frames::say(u"gr\u00fc\u00df dich"_s) << QString();
    QTest::newRow("help before hello")
        << QByteArray("/help") << false << 0 << QJsonObject() << u"Commands:"_s;
    QTest::newRow("help registered")
        << QByteArray("/help") << true << 0 << QJsonObject() << u"/quit"_s;
    QTest::newRow("quiz answer") << QByteArray("42") << true << 7 << Frames::quizAnswer(7, u"42"_s)
                                 << QString();
    QTest::newRow("no quiz: a number is chat")
        << QByteArray("42") << true << 0 << Frames::say(u"42"_s) << QString();
    QTest::newRow("{quit}") << QByteArray("{quit}") << false << 0 << Frames::quit() << QString();
    QTest::newRow("blank") << QByteArray("   ") << true << 0 << QJsonObject() << QString();
}

void tst_WireFormat::textDecode()
{
    QFETCH(QByteArray, line);
    QFETCH(bool, registered);
    QFETCH(int, openQuestion);
    QFETCH(QJsonObject, frame);
    QFETCH(QString, replyContains);

    const WireFormat::Decoded decoded = TextWire().decode(line, {registered, openQuestion, {}, {}});
    QCOMPARE(decoded.error, ErrorCode::None);
    QCOMPARE(decoded.frame, frame);
    if (replyContains.isEmpty()) {
        QVERIFY(decoded.reply.isEmpty());
    } else {
        QVERIFY2(
            QString::fromUtf8(decoded.reply).contains(replyContains), decoded.reply.constData());
        QVERIFY(decoded.reply.endsWith('\n'));
    }
}

void tst_WireFormat::textDecodeRejectsInvalidUtf8()
{
    const WireFormat::Decoded decoded = TextWire().decode("caf\xe9", {true, 0, {}, {}});
    QCOMPARE(decoded.error, ErrorCode::BadJson);
    QVERIFY(!decoded.message.isEmpty());
    QVERIFY(decoded.frame.isEmpty());
}

void tst_WireFormat::textEncodeSharedRendersMessages()
{
    const QString ts = Protocol::timestamp(QDateTime(QDate(2026, 3, 1), QTime(15, 4, 5), Qt::UTC));
    const QList<QByteArray> shared{
        FrameCodec::encode(Frames::message(1, u"alice"_s, u"hello"_s, ts)),
        FrameCodec::encode(Frames::message(2, u"bob"_s, u"gr\u00fc\u00df"_s, ts)),
        FrameCodec::encode(Frames::joined(u"carol"_s, ts)),
    };
    const QList<QByteArray> lines = TextWire().encodeShared(shared, u"carol"_s);
    QCOMPARE(lines.size(), 3);
    // Shown in the server's local time zone, whatever it is: only the shape is fixed.
    static const QRegularExpression message(uR"(^\[\d\d:\d\d\] alice: hello\n$)"_s);
    QVERIFY2(message.match(QString::fromUtf8(lines[0])).hasMatch(), lines[0].constData());
    static const QRegularExpression second(u"^\\[\\d\\d:\\d\\d\\] bob: gr\u00fc\u00df\\n$"_s);
    QVERIFY2(second.match(QString::fromUtf8(lines[1])).hasMatch(), lines[1].constData());
    QCOMPARE(lines[2], QByteArray("* carol joined\n"));
    // And the clock shown is the timestamp's, in that zone.
    const QDateTime local = QDateTime::fromString(ts, Qt::ISODateWithMs).toLocalTime();
    const QByteArray clock = "[" + local.toString(u"HH:mm"_s).toUtf8() + "] ";
    QVERIFY2(lines[0].startsWith(clock), lines[0].constData());
}

void tst_WireFormat::textEncodeSharedRendersOwnDm()
{
    const QString ts = Protocol::timestampNow();
    const QList<QByteArray> shared{
        FrameCodec::encode(Frames::privateMessage(5, u"alice"_s, u"bob"_s, u"psst"_s, ts))};
    static const QRegularExpression toBob(uR"(^\[\d\d:\d\d\] \(dm\) alice: psst\n$)"_s);
    static const QRegularExpression fromAlice(uR"(^\[\d\d:\d\d\] \(dm to bob\) alice: psst\n$)"_s);
    const QByteArray bobReads = TextWire().encodeShared(shared, u"bob"_s).value(0);
    const QByteArray aliceReads = TextWire().encodeShared(shared, u"alice"_s).value(0);
    QVERIFY2(toBob.match(QString::fromUtf8(bobReads)).hasMatch(), bobReads.constData());
    QVERIFY2(fromAlice.match(QString::fromUtf8(aliceReads)).hasMatch(), aliceReads.constData());
}

void tst_WireFormat::answersPings()
{
    QVERIFY(JsonWire().answersPings());
    QVERIFY(!TextWire().answersPings());
    QVERIFY(WireFormat::forFirstLine(R"({"type":"ping"})")->answersPings());
    QVERIFY(!WireFormat::forFirstLine("alice")->answersPings());
}

QTEST_APPLESS_MAIN(tst_WireFormat)
#include "tst_wireformat.moc"

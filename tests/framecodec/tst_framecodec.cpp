#include "framecodec.h"
#include "frames.h"
#include "framevalidator.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QTest>

using Protocol::ErrorCode;
using namespace Qt::StringLiterals;

// FrameCodec and FrameValidator: what a line must be to count as a frame, and what each
// client frame type must carry.
class tst_FrameCodec : public QObject
{
    Q_OBJECT

private slots:
    void decode_data();
    void decode();
    void encodeIsOneLine();
    void roundTrip();
    void validateClientFrame_data();
    void validateClientFrame();
    void validateName_data();
    void validateName();
    void validateText_data();
    void validateText();
    void timestampFormat();
    void errorCodeNamesAreDistinct();
};

void tst_FrameCodec::decode_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QString>("code"); // empty when the line is a valid frame

    QTest::newRow("hello") << QByteArray(R"({"type":"hello","name":"alice"})") << QString();
    QTest::newRow("spaces around") << QByteArray(R"(  { "type" : "ping" }  )") << QString();
    QTest::newRow("unicode text") << QByteArray(R"({"type":"say","text":"héllo 🙂"})")
                                  << QString();
    QTest::newRow("unknown type still decodes") << QByteArray(R"({"type":"dance"})") << QString();
    QTest::newRow("not json") << QByteArray("hello there") << u"bad_json"_s;
    QTest::newRow("truncated") << QByteArray(R"({"type":"say","text":"hi)") << u"bad_json"_s;
    QTest::newRow("trailing garbage") << QByteArray(R"({"type":"ping"} x)") << u"bad_json"_s;
    QTest::newRow("invalid utf-8 byte")
        << QByteArray("{\"type\":\"say\",\"text\":\"\xff\"}") << u"bad_json"_s;
    QTest::newRow("overlong utf-8")
        << QByteArray("{\"type\":\"say\",\"text\":\"\xc0\xaf\"}") << u"bad_json"_s;
    QTest::newRow("utf-8 surrogate")
        << QByteArray("{\"type\":\"say\",\"text\":\"\xed\xa0\x80\"}") << u"bad_json"_s;
    QTest::newRow("binary") << QByteArray("\x00\x01\x02\xfe\x80", 5) << u"bad_json"_s;
    QTest::newRow("array") << QByteArray(R"([{"type":"ping"}])") << u"bad_frame"_s;
    QTest::newRow("string") << QByteArray(R"("ping")") << u"bad_json"_s;
    QTest::newRow("no type") << QByteArray(R"({"name":"alice"})") << u"bad_frame"_s;
    QTest::newRow("type is a number") << QByteArray(R"({"type":7})") << u"bad_frame"_s;
    QTest::newRow("type is null") << QByteArray(R"({"type":null})") << u"bad_frame"_s;
}

void tst_FrameCodec::decode()
{
    QFETCH(QByteArray, line);
    QFETCH(QString, code);

    const FrameCodec::Decoded decoded = FrameCodec::decode(line);
    if (code.isEmpty()) {
        QVERIFY2(decoded.isValid(), qPrintable(decoded.message));
        QVERIFY(!decoded.type().isEmpty());
    } else {
        QVERIFY(!decoded.isValid());
        QCOMPARE(Protocol::errorCodeName(decoded.error), code);
        QVERIFY(!decoded.message.isEmpty());
    }
}

void tst_FrameCodec::encodeIsOneLine()
{
    const QByteArray bytes = FrameCodec::encode(Frames::say(u"two\nlines\r\nand a \"quote\""_s));
    QVERIFY(bytes.endsWith('\n'));
    QCOMPARE(bytes.count('\n'), 1);
    QVERIFY(!bytes.contains('\r'));
}

void tst_FrameCodec::roundTrip()
{
    const QJsonObject frame = Frames::privateMessage(
        42, u"alice"_s, u"bob"_s, u"psst 🙂\n"_s, Protocol::timestampNow());
    QByteArray bytes = FrameCodec::encode(frame);
    bytes.chop(1);
    const FrameCodec::Decoded decoded = FrameCodec::decode(bytes);
    QVERIFY(decoded.isValid());
    QCOMPARE(decoded.frame, frame);
    QCOMPARE(decoded.frame.value("id"_L1).toInteger(), 42);
}

void tst_FrameCodec::validateClientFrame_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QString>("code");

    QTest::newRow("hello") << QByteArray(R"({"type":"hello","name":"a"})") << QString();
    QTest::newRow("say") << QByteArray(R"({"type":"say","text":"hi"})") << QString();
    QTest::newRow("dm") << QByteArray(R"({"type":"dm","to":"b","text":"hi"})") << QString();
    QTest::newRow("users") << QByteArray(R"({"type":"users"})") << QString();
    QTest::newRow("ping") << QByteArray(R"({"type":"ping"})") << QString();
    QTest::newRow("quit") << QByteArray(R"({"type":"quit"})") << QString();
    QTest::newRow("extra fields ignored")
        << QByteArray(R"({"type":"say","text":"hi","colour":"red"})") << QString();
    QTest::newRow("unknown type") << QByteArray(R"({"type":"dance"})") << u"unknown_type"_s;
    QTest::newRow("server frame from a client")
        << QByteArray(R"({"type":"welcome","name":"a","users":[]})") << u"unknown_type"_s;
    QTest::newRow("hello without name") << QByteArray(R"({"type":"hello"})") << u"bad_frame"_s;
    QTest::newRow("hello name is a number")
        << QByteArray(R"({"type":"hello","name":5})") << u"bad_frame"_s;
    QTest::newRow("say without text") << QByteArray(R"({"type":"say"})") << u"bad_frame"_s;
    QTest::newRow("say text is an array")
        << QByteArray(R"({"type":"say","text":["hi"]})") << u"bad_frame"_s;
    QTest::newRow("dm without to") << QByteArray(R"({"type":"dm","text":"hi"})") << u"bad_frame"_s;
    QTest::newRow("dm without text") << QByteArray(R"({"type":"dm","to":"bob"})") << u"bad_frame"_s;
    QTest::newRow("dm text is null")
        << QByteArray(R"({"type":"dm","to":"bob","text":null})") << u"bad_frame"_s;
}

void tst_FrameCodec::validateClientFrame()
{
    QFETCH(QByteArray, line);
    QFETCH(QString, code);

    const FrameCodec::Decoded decoded = FrameCodec::decode(line);
    QVERIFY(decoded.isValid());
    const FrameValidator::Verdict verdict = FrameValidator::validateClientFrame(decoded.frame);
    QCOMPARE(verdict.isValid() ? QString() : QString(Protocol::errorCodeName(verdict.error)), code);
    QCOMPARE(verdict.message.isEmpty(), code.isEmpty());
}

void tst_FrameCodec::validateName_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("valid");

    QTest::newRow("simple") << u"alice"_s << true;
    QTest::newRow("one character") << u"a"_s << true;
    QTest::newRow("32 characters") << QString(32, u'x') << true;
    QTest::newRow("all allowed punctuation") << u"A-b_c.d9"_s << true;
    QTest::newRow("empty") << QString() << false;
    QTest::newRow("33 characters") << QString(33, u'x') << false;
    QTest::newRow("space") << u"al ice"_s << false;
    QTest::newRow("newline") << u"alice\n"_s << false;
    QTest::newRow("tab") << u"al\tice"_s << false;
    QTest::newRow("nul") << QString::fromUtf16(u"al\0ce", 5) << false;
    QTest::newRow("non-ascii letter") << u"élodie"_s << false;
    QTest::newRow("cyrillic homoglyph") << u"аlice"_s << false;
    QTest::newRow("emoji") << u"🙂"_s << false;
    QTest::newRow("percent (dm syntax)") << u"%bob%"_s << false;
}

void tst_FrameCodec::validateName()
{
    QFETCH(QString, name);
    QFETCH(bool, valid);

    const FrameValidator::Verdict verdict = FrameValidator::validateName(name);
    QCOMPARE(verdict.isValid(), valid);
    if (!valid) {
        QCOMPARE(verdict.error, ErrorCode::BadName);
        QVERIFY(!verdict.message.isEmpty());
    }
}

void tst_FrameCodec::validateText_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");

    QTest::newRow("plain") << u"hello"_s << true;
    QTest::newRow("emoji") << u"🙂"_s << true;
    QTest::newRow("multi-line") << u"one\ntwo\tthree"_s << true;
    QTest::newRow("empty") << QString() << false;
    QTest::newRow("only spaces") << u"   \n "_s << false;
    QTest::newRow("escape sequence") << u"\x1b[2Jgotcha"_s << false;
    QTest::newRow("bell") << u"ding\a"_s << false;
    QTest::newRow("carriage return") << u"over\rwrite"_s << false;
    QTest::newRow("lone high surrogate") << (u"a"_s + QChar(0xd800) + u"b"_s) << false;
    QTest::newRow("lone low surrogate") << (QChar(0xdc00) + u"b"_s) << false;
    QTest::newRow("surrogate pair") << u"😀"_s << true;
}

void tst_FrameCodec::validateText()
{
    QFETCH(QString, text);
    QFETCH(bool, valid);

    const FrameValidator::Verdict verdict = FrameValidator::validateText(text);
    QCOMPARE(verdict.isValid(), valid);
    if (!valid) {
        QCOMPARE(verdict.error, ErrorCode::BadText);
    }
}

void tst_FrameCodec::timestampFormat()
{
    const QDateTime when(QDate(2026, 11, 21), QTime(15, 4, 5, 123), Qt::UTC);
    QCOMPARE(Protocol::timestamp(when), u"2026-11-21T15:04:05.123Z"_s);
    const QRegularExpression iso(uR"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$)"_s);
    QVERIFY(iso.match(Protocol::timestampNow()).hasMatch());
}

void tst_FrameCodec::errorCodeNamesAreDistinct()
{
    QSet<QString> names;
    for (int code = int(ErrorCode::None); code <= int(Protocol::LastErrorCode); ++code) {
        names.insert(Protocol::errorCodeName(ErrorCode(code)));
    }
    QCOMPARE(names.size(), int(Protocol::LastErrorCode) + 1);
}

QTEST_APPLESS_MAIN(tst_FrameCodec)
#include "tst_framecodec.moc"

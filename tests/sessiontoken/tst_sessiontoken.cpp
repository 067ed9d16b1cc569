#include "sessiontoken.h"

#include <QSet>
#include <QTest>

// SessionToken: what a client is given (43 base64url characters, never twice the same) and
// what the store keeps of it (a 32-byte SHA-256, the same for the same token).
class tst_SessionToken : public QObject
{
    Q_OBJECT

private slots:
    void tokenIsBase64UrlWithoutPadding();
    void tokensAreDistinct();
    void tokenDecodesToThirtyTwoBytes();
    void digestIsThirtyTwoBytes();
    void digestIsDeterministic();
    void digestDiffersPerToken();
    void digestIsSha256();
};

void tst_SessionToken::tokenIsBase64UrlWithoutPadding()
{
    for (int i = 0; i < 100; ++i) {
        const QByteArray token = SessionToken::mint();
        QCOMPARE(token.size(), SessionToken::EncodedLength);
        QCOMPARE(token.size(), 43);
        for (const char c : token) {
            const bool alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                || (c >= '0' && c <= '9') || c == '-' || c == '_';
            QVERIFY2(alphabet, token.constData());
        }
    }
}

void tst_SessionToken::tokensAreDistinct()
{
    QSet<QByteArray> seen;
    for (int i = 0; i < 1000; ++i) {
        seen.insert(SessionToken::mint());
    }
    QCOMPARE(seen.size(), 1000);
}

void tst_SessionToken::tokenDecodesToThirtyTwoBytes()
{
    const auto decoded = QByteArray::fromBase64Encoding(SessionToken::mint(),
        QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals
            | QByteArray::AbortOnBase64DecodingErrors);
    QVERIFY(decoded);
    QCOMPARE(decoded.decoded.size(), SessionToken::RandomBytes);
}

void tst_SessionToken::digestIsThirtyTwoBytes()
{
    QCOMPARE(SessionToken::digest(SessionToken::mint()).size(), 32);
    QCOMPARE(SessionToken::digest(QByteArray()).size(), SessionToken::DigestBytes);
}

void tst_SessionToken::digestIsDeterministic()
{
    const QByteArray token = SessionToken::mint();
    QCOMPARE(SessionToken::digest(token), SessionToken::digest(token));
    // A copy made elsewhere (as the client would send it back) digests the same.
    QCOMPARE(SessionToken::digest(QByteArray(token.constData(), token.size())),
        SessionToken::digest(token));
}

void tst_SessionToken::digestDiffersPerToken()
{
    QSet<QByteArray> digests;
    for (int i = 0; i < 100; ++i) {
        const QByteArray token = SessionToken::mint();
        const QByteArray digest = SessionToken::digest(token);
        QVERIFY(digest != token);
        digests.insert(digest);
    }
    QCOMPARE(digests.size(), 100);
}

// The known answer, so the store's digests stay comparable with any other SHA-256.
void tst_SessionToken::digestIsSha256()
{
    QCOMPARE(SessionToken::digest("abc").toHex(),
        QByteArray("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
}

QTEST_GUILESS_MAIN(tst_SessionToken)
#include "tst_sessiontoken.moc"

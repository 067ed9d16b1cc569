#include "passwordhasher.h"

#include <QSemaphore>
#include <QTest>
#include <QThread>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>

#include <memory>

// PasswordHasher with real Argon2id: the stored format, verification of right, wrong and
// malformed input, salting, the weak_password limits, and that the work runs on the hasher's
// pool and answers on the caller's thread without blocking it.
class tst_PasswordHasher : public QObject
{
    Q_OBJECT

private slots:
    void hashIsArgon2idString();
    void verifiesRightPassword();
    void refusesWrongPassword();
    void malformedStoredStringIsFalse_data();
    void malformedStoredStringIsFalse();
    void freshHashNeedsNoRehash();
    void weakerOrMalformedHashNeedsRehash_data();
    void weakerOrMalformedHashNeedsRehash();
    void samePasswordHashesDiffer();
    void hashNeverContainsPassword();
    void strength_data();
    void strength();
    void resultArrivesOnCallersThreadWithoutBlockingIt();
    void hashRunsOnThePool();

private:
    PasswordHasher m_hasher;
};

namespace {

const QString Password = QStringLiteral("correct horse battery staple");

template<typename T> T resultOf(QFuture<T> future)
{
    future.waitForFinished();
    return future.result();
}

} // namespace

void tst_PasswordHasher::hashIsArgon2idString()
{
    const QByteArray stored = resultOf(m_hasher.hash(Password));
    QVERIFY2(stored.startsWith("$argon2id$v=19$m=65536,t=2,p=1$"), stored.constData());
    QCOMPARE(stored.count('$'), 5);
}

void tst_PasswordHasher::verifiesRightPassword()
{
    const QByteArray stored = resultOf(m_hasher.hash(Password));
    QVERIFY(resultOf(m_hasher.verify(stored, Password)));
    // Non-ASCII survives the trip through UTF-8.
    const QString accented = QStringLiteral("pässwörd ünïcode \u20ac");
    QVERIFY(resultOf(m_hasher.verify(resultOf(m_hasher.hash(accented)), accented)));
}

void tst_PasswordHasher::refusesWrongPassword()
{
    const QByteArray stored = resultOf(m_hasher.hash(Password));
    QVERIFY(!resultOf(m_hasher.verify(stored, QStringLiteral("correct horse battery stapl"))));
    QVERIFY(!resultOf(m_hasher.verify(stored, QStringLiteral("Correct horse battery staple"))));
    QVERIFY(!resultOf(m_hasher.verify(stored, QString())));
}

void tst_PasswordHasher::malformedStoredStringIsFalse_data()
{
    QTest::addColumn<QByteArray>("stored");

    QTest::newRow("empty") << QByteArray();
    QTest::newRow("garbage") << QByteArray("garbage");
    QTest::newRow("the password itself") << Password.toUtf8();
    QTest::newRow("prefix only") << QByteArray("$argon2id$");
    QTest::newRow("no hash") << QByteArray("$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA");
    QTest::newRow("bad base64") << QByteArray("$argon2id$v=19$m=65536,t=2,p=1$!!!!$????");
    QTest::newRow("absurd memory")
        << QByteArray("$argon2id$v=19$m=4294967295,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$"
                      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    QTest::newRow("bcrypt") << QByteArray(
        "$2y$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy");
    QTest::newRow("embedded NUL") << QByteArray("$argon2id$\0v=19", 15);
    QTest::newRow("very long") << QByteArray(100'000, '$');
}

void tst_PasswordHasher::malformedStoredStringIsFalse()
{
    QFETCH(QByteArray, stored);
    QVERIFY(!resultOf(m_hasher.verify(stored, Password)));
}

void tst_PasswordHasher::freshHashNeedsNoRehash()
{
    QVERIFY(!PasswordHasher::needsRehash(resultOf(m_hasher.hash(Password))));
}

void tst_PasswordHasher::weakerOrMalformedHashNeedsRehash_data()
{
    QTest::addColumn<QByteArray>("stored");

    QTest::newRow("one pass") << QByteArray("$argon2id$v=19$m=65536,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$"
                                            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    QTest::newRow("8 MiB") << QByteArray("$argon2id$v=19$m=8192,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$"
                                         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("garbage") << QByteArray("garbage");
}

void tst_PasswordHasher::weakerOrMalformedHashNeedsRehash()
{
    QFETCH(QByteArray, stored);
    QVERIFY(PasswordHasher::needsRehash(stored));
}

void tst_PasswordHasher::samePasswordHashesDiffer()
{
    QFuture<QByteArray> first = m_hasher.hash(Password);
    QFuture<QByteArray> second = m_hasher.hash(Password);
    const QByteArray a = resultOf(first);
    const QByteArray b = resultOf(second);
    QVERIFY(a != b);
    // Different salts, each verifying on its own.
    QVERIFY(a.split('$').value(4) != b.split('$').value(4));
    QVERIFY(resultOf(m_hasher.verify(a, Password)));
    QVERIFY(resultOf(m_hasher.verify(b, Password)));
}

void tst_PasswordHasher::hashNeverContainsPassword()
{
    const QByteArray stored = resultOf(m_hasher.hash(Password));
    QVERIFY(!stored.contains(Password.toUtf8()));
    QVERIFY(!stored.contains(Password.toUtf8().toBase64(QByteArray::OmitTrailingEquals)));
    QVERIFY(!stored.contains("horse"));
}

void tst_PasswordHasher::strength_data()
{
    QTest::addColumn<QString>("password");
    QTest::addColumn<PasswordHasher::Strength>("expected");

    using S = PasswordHasher::Strength;
    const QString emoji = QString::fromUcs4(U"\U0001F600"); // 2 QChars, 4 UTF-8 bytes
    const QString euro = QStringLiteral("\u20ac"); // 3 UTF-8 bytes
    const QString eacute = QStringLiteral("\u00e9"); // 2 UTF-8 bytes

    QTest::newRow("empty") << QString() << S::TooShort;
    QTest::newRow("7 ASCII") << QStringLiteral("1234567") << S::TooShort;
    QTest::newRow("8 ASCII") << QStringLiteral("12345678") << S::Ok;
    QTest::newRow("7 emoji, 14 QChars") << emoji.repeated(7) << S::TooShort;
    QTest::newRow("8 emoji") << emoji.repeated(8) << S::Ok;
    QTest::newRow("1024 ASCII") << QString(1024, QLatin1Char('a')) << S::Ok;
    QTest::newRow("1025 ASCII") << QString(1025, QLatin1Char('a')) << S::TooLong;
    QTest::newRow("512 e-acute, 1024 bytes") << eacute.repeated(512) << S::Ok;
    QTest::newRow("513 e-acute, 1026 bytes") << eacute.repeated(513) << S::TooLong;
    QTest::newRow("341 euro, 1023 bytes") << euro.repeated(341) << S::Ok;
    QTest::newRow("342 euro, 1026 bytes") << euro.repeated(342) << S::TooLong;
    QTest::newRow("256 emoji, 1024 bytes") << emoji.repeated(256) << S::Ok;
    QTest::newRow("257 emoji, 1028 bytes") << emoji.repeated(257) << S::TooLong;
    QTest::newRow("8 lone surrogates") << QString(8, QChar(0xD800)) << S::Ok;
}

void tst_PasswordHasher::strength()
{
    QFETCH(QString, password);
    QFETCH(PasswordHasher::Strength, expected);

    QCOMPARE(PasswordHasher::checkStrength(password), expected);
    // The byte count agrees with what hash() will actually feed libsodium.
    QCOMPARE(password.toUtf8().size() > PasswordHasher::MaxBytes,
        expected == PasswordHasher::Strength::TooLong);
}

// The caller's event loop keeps turning (a 1 ms timer ticks) while the hash runs, and the
// continuation given this object as context runs on the test's thread.
void tst_PasswordHasher::resultArrivesOnCallersThreadWithoutBlockingIt()
{
    struct Seen
    {
        int ticks = 0;
        int ticksWhenDelivered = -1;
        QThread *deliveredOn = nullptr;
        QByteArray stored;
    };
    auto seen = std::make_shared<Seen>();

    QTimer ticker;
    ticker.setInterval(1);
    connect(&ticker, &QTimer::timeout, this, [seen] { ++seen->ticks; });
    ticker.start();

    m_hasher.hash(Password).then(this, [seen](const QByteArray &stored) {
        seen->deliveredOn = QThread::currentThread();
        seen->ticksWhenDelivered = seen->ticks;
        seen->stored = stored;
    });
    QTRY_VERIFY(!seen->stored.isEmpty());
    QCOMPARE(seen->deliveredOn, QThread::currentThread());
    QVERIFY2(seen->ticksWhenDelivered > 0, "the caller's loop did not run during the hash");
}

// With the pool's only thread held by another task, the hash cannot have finished before the
// continuation is attached; a synchronous continuation then runs where the hash finished.
void tst_PasswordHasher::hashRunsOnThePool()
{
    PasswordHasher hasher(1);
    QSemaphore gate;
    QFuture<void> blocker = QtConcurrent::run(&hasher.pool(), [&gate] { gate.acquire(); });

    QThread *ranOn = nullptr;
    QFuture<void> observed = hasher.hash(Password).then(
        QtFuture::Launch::Sync, [&ranOn](const QByteArray &) { ranOn = QThread::currentThread(); });
    gate.release();
    observed.waitForFinished();
    blocker.waitForFinished();

    QVERIFY(ranOn != nullptr);
    QVERIFY(ranOn != QThread::currentThread());
    QVERIFY(hasher.pool().contains(ranOn));
}

QTEST_GUILESS_MAIN(tst_PasswordHasher)
#include "tst_passwordhasher.moc"

#include "credentialstore.h"

#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

#include <memory>
#include <optional>

using namespace Qt::StringLiterals;
using Backend = CredentialStore::Backend;

// Where sign-in tokens are kept: the file that stands in for a keychain (owner-only, tokens
// only, operations in order), the fall back to it when no keychain answers, and, where a Secret
// Service runs (NATTER_TEST_KEYCHAIN=1, e.g. under dbus-run-session with gnome-keyring-daemon),
// the keychain itself. The data folder is a temporary one (XDG_DATA_HOME).
class tst_CredentialStore : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();

    void keysIgnoreCase();
    void fileRoundTrip();
    void fileIsOwnerOnlyAndHoldsOnlyTokens();
    void removeIfUnchangedKeepsANewerToken();
    void lastRemovalDeletesTheFile();
    void answersComeInOrderAndNeverInsideTheCall();
    void noAnswerForAGoneContext();
    void fallsBackToTheFileWithoutAKeychain();
    void systemKeychain();

private:
    // Reads synchronously for the test (the store answers later, in the event loop).
    static std::optional<QString> readNow(CredentialStore &store, const QString &key);

    QTemporaryDir m_data;
};

void tst_CredentialStore::initTestCase()
{
    QVERIFY(m_data.isValid());
    qputenv("XDG_DATA_HOME", QFile::encodeName(m_data.path()));
    qunsetenv("NATTER_CREDENTIAL_STORE");
}

void tst_CredentialStore::init()
{
    QFile::remove(CredentialStore(nullptr, Backend::File).filePath());
}

std::optional<QString> tst_CredentialStore::readNow(CredentialStore &store, const QString &key)
{
    std::optional<QString> answer;
    QObject context;
    store.read(key, &context, [&answer](const QString &token) { answer = token; });
    if (!QTest::qWaitFor([&answer] { return answer.has_value(); }, 10000)) {
        return std::nullopt;
    }
    return answer;
}

void tst_CredentialStore::keysIgnoreCase()
{
    QCOMPARE(CredentialStore::key(u"Chat.Example.org"_s, 9990, u"Alice"_s),
        u"alice@chat.example.org:9990"_s);
    QCOMPARE(CredentialStore::key(u"::1"_s, 9990, u"bob"_s), u"bob@[::1]:9990"_s);
    QVERIFY(CredentialStore::key(u"host"_s, 1, u"bob"_s)
        != CredentialStore::key(u"host"_s, 2, u"bob"_s));
}

void tst_CredentialStore::fileRoundTrip()
{
    CredentialStore store(nullptr, Backend::File);
    QCOMPARE(store.backend(), Backend::File);
    QVERIFY(store.description().startsWith(u"File readable only by you: "_s));
    QVERIFY(store.description().contains(store.filePath())); // (not in the home folder)
    QVERIFY(store.filePath().startsWith(m_data.path()));
    QCOMPARE(readNow(store, u"alice@host:1"_s), QString());

    store.write(u"alice@host:1"_s, u"token-a"_s);
    store.write(u"bob@host:1"_s, u"token-b"_s);
    QCOMPARE(readNow(store, u"alice@host:1"_s), u"token-a"_s);

    // Another instance (the next start) reads what this one wrote.
    CredentialStore later(nullptr, Backend::File);
    QCOMPARE(readNow(later, u"bob@host:1"_s), u"token-b"_s);
    later.remove(u"bob@host:1"_s);
    QCOMPARE(readNow(later, u"bob@host:1"_s), QString());
    QCOMPARE(readNow(store, u"alice@host:1"_s), u"token-a"_s);
}

void tst_CredentialStore::fileIsOwnerOnlyAndHoldsOnlyTokens()
{
    const mode_t previous = ::umask(022); // the usual one: files readable by everyone
    CredentialStore store(nullptr, Backend::File);
    store.write(u"alice@host:1"_s, u"the-token"_s);
    QCOMPARE(readNow(store, u"alice@host:1"_s), u"the-token"_s);
    store.write(u"alice@host:1"_s, u"the-second-token"_s); // rewritten: stays owner-only
    QCOMPARE(readNow(store, u"alice@host:1"_s), u"the-second-token"_s);
    ::umask(previous);

    struct stat info = {};
    QCOMPARE(::stat(QFile::encodeName(store.filePath()).constData(), &info), 0);
    QCOMPARE(info.st_mode & 0777, mode_t(0600));
    QCOMPARE(
        ::stat(QFile::encodeName(QFileInfo(store.filePath()).absolutePath()).constData(), &info),
        0);
    QCOMPARE(info.st_mode & 0077, mode_t(0));

    QFile file(store.filePath());
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    QVERIFY(bytes.contains("the-second-token"));
    QVERIFY(!bytes.contains("the-token\""));
    QVERIFY(!bytes.contains("password"));
}

void tst_CredentialStore::removeIfUnchangedKeepsANewerToken()
{
    CredentialStore store(nullptr, Backend::File);
    store.write(u"alice@host:1"_s, u"old"_s);
    store.write(u"alice@host:1"_s, u"new"_s); // another sign-in replaced it
    store.removeIfUnchanged(u"alice@host:1"_s, u"old"_s);
    QCOMPARE(readNow(store, u"alice@host:1"_s), u"new"_s);
    store.removeIfUnchanged(u"alice@host:1"_s, u"new"_s);
    QCOMPARE(readNow(store, u"alice@host:1"_s), QString());
}

void tst_CredentialStore::lastRemovalDeletesTheFile()
{
    CredentialStore store(nullptr, Backend::File);
    store.write(u"alice@host:1"_s, u"a"_s);
    QCOMPARE(readNow(store, u"alice@host:1"_s), u"a"_s);
    QVERIFY(QFile::exists(store.filePath()));
    store.remove(u"alice@host:1"_s);
    QTRY_VERIFY(store.isIdle());
    QVERIFY(!QFile::exists(store.filePath()));
}

void tst_CredentialStore::answersComeInOrderAndNeverInsideTheCall()
{
    CredentialStore store(nullptr, Backend::File);
    QStringList answers;
    QObject context;
    store.read(u"k@h:1"_s, &context, [&answers](const QString &t) { answers.append(t); });
    store.write(u"k@h:1"_s, u"one"_s);
    store.read(u"k@h:1"_s, &context, [&answers](const QString &t) { answers.append(t); });
    store.remove(u"k@h:1"_s);
    store.read(u"k@h:1"_s, &context, [&answers](const QString &t) { answers.append(t); });
    QVERIFY(answers.isEmpty());
    QTRY_COMPARE(answers, (QStringList{QString(), u"one"_s, QString()}));
}

void tst_CredentialStore::noAnswerForAGoneContext()
{
    CredentialStore store(nullptr, Backend::File);
    bool called = false;
    auto context = std::make_unique<QObject>();
    store.read(u"k@h:1"_s, context.get(), [&called](const QString &) { called = true; });
    context.reset();
    QTRY_VERIFY(store.isIdle());
    QVERIFY(!called);
}

void tst_CredentialStore::fallsBackToTheFileWithoutAKeychain()
{
    if (qEnvironmentVariableIntValue("NATTER_TEST_KEYCHAIN")) {
        QSKIP("a keychain is running");
    }
    // No session bus at all: what a bare X session or a container has.
    const QByteArray bus = qgetenv("DBUS_SESSION_BUS_ADDRESS");
    qputenv(
        "DBUS_SESSION_BUS_ADDRESS", "unix:path=" + QFile::encodeName(m_data.filePath(u"none"_s)));
    CredentialStore store;
    QCOMPARE(store.backend(), Backend::Keychain);
    QSignalSpy changed(&store, &CredentialStore::backendChanged);
    QVERIFY(changed.isValid());
    store.write(u"alice@host:1"_s, u"kept"_s);
    QTRY_COMPARE_WITH_TIMEOUT(changed.count(), 1, 30000);
    QCOMPARE(changed.at(0).at(0).value<Backend>(), Backend::File);
    QCOMPARE(store.backend(), Backend::File);
    // The write that found no keychain went to the file.
    QCOMPARE(readNow(store, u"alice@host:1"_s), u"kept"_s);
    QVERIFY(QFile::exists(store.filePath()));
    qputenv("DBUS_SESSION_BUS_ADDRESS", bus);
}

void tst_CredentialStore::systemKeychain()
{
    if (!qEnvironmentVariableIntValue("NATTER_TEST_KEYCHAIN")) {
        QSKIP("set NATTER_TEST_KEYCHAIN=1 where a Secret Service runs");
    }
    // A token kept in the file while there was no keychain is found, then moved.
    CredentialStore fileOnly(nullptr, Backend::File);
    fileOnly.write(u"old@host:1"_s, u"from-the-file"_s);
    QTRY_VERIFY(fileOnly.isIdle());
    QVERIFY(QFile::exists(fileOnly.filePath()));

    CredentialStore store;
    QSignalSpy changed(&store, &CredentialStore::backendChanged);
    store.probe();
    QTRY_VERIFY_WITH_TIMEOUT(store.isIdle(), 30000);
    QCOMPARE(store.backend(), Backend::Keychain);
    QCOMPARE(store.description(), u"System keychain"_s);

    QCOMPARE(readNow(store, u"old@host:1"_s), u"from-the-file"_s);
    store.write(u"old@host:1"_s, u"in-the-keychain"_s);
    QCOMPARE(readNow(store, u"old@host:1"_s), u"in-the-keychain"_s);
    QVERIFY(!QFile::exists(store.filePath())); // one place for each token

    store.write(u"alice@host:1"_s, u"k1"_s);
    store.removeIfUnchanged(u"alice@host:1"_s, u"other"_s);
    QCOMPARE(readNow(store, u"alice@host:1"_s), u"k1"_s);
    store.removeIfUnchanged(u"alice@host:1"_s, u"k1"_s);
    QCOMPARE(readNow(store, u"alice@host:1"_s), QString());
    store.remove(u"old@host:1"_s);
    QCOMPARE(readNow(store, u"old@host:1"_s), QString());
    QCOMPARE(changed.count(), 0);
}

QTEST_GUILESS_MAIN(tst_CredentialStore)
#include "tst_credentialstore.moc"

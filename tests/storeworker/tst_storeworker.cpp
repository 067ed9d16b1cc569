// StoreWorker::run and whenReady: work handed to the store thread from another thread, and its
// answer taken in the caller's thread, with a real database file and a real room.

#include "chatroom.h"
#include "memoryleaderboard.h"
#include "storeworker.h"
#include "whenready.h"

#include <QPointer>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace Qt::StringLiterals;

class tst_StoreWorker : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void runsOnTheStoreThreadAndAnswersInTheCallers();
    void answersComeInOrder();
    void closedStoreCancels();
    void continuationIsDroppedWithItsContext();

private:
    // Everything queued to this thread before it has been handled.
    void settle();

    QTemporaryDir m_dir;
    ChatRoom m_room;
    MemoryLeaderboard m_leaderboard;
    std::unique_ptr<StoreWorker> m_store;
    QThread m_thread;
};

namespace {

const QByteArray Hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

} // namespace

void tst_StoreWorker::init()
{
    QVERIFY(m_dir.isValid());
    m_store = std::make_unique<StoreWorker>(
        m_room, m_leaderboard, MessageStore::Options{m_dir.filePath(u"natter.db"_s)});
    m_store->moveToThread(&m_thread);
    m_thread.start();
    QString error;
    QMetaObject::invokeMethod(
        m_store.get(), &StoreWorker::open, Qt::BlockingQueuedConnection, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void tst_StoreWorker::cleanup()
{
    if (m_thread.isRunning()) {
        QMetaObject::invokeMethod(m_store.get(), &StoreWorker::close, Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
    }
    m_store.reset();
}

void tst_StoreWorker::settle()
{
    bool reached = false;
    QMetaObject::invokeMethod(
        this, [&reached] { reached = true; }, Qt::QueuedConnection);
    QTRY_VERIFY(reached);
}

void tst_StoreWorker::runsOnTheStoreThreadAndAnswersInTheCallers()
{
    QThread *ranOn = nullptr;
    QThread *answeredOn = nullptr;
    std::optional<AccountStore::Account> created;
    whenReady(m_store->run([&ranOn](MessageStore &store) {
        ranOn = QThread::currentThread();
        return store.accounts().createAccount(u"Alice"_s, Hash, 1000);
    }),
        this, [&](std::optional<AccountStore::Account> account) {
            answeredOn = QThread::currentThread();
            created = account;
        });
    QTRY_VERIFY(answeredOn);
    QCOMPARE(ranOn, &m_thread);
    QCOMPARE(answeredOn, QThread::currentThread());
    QVERIFY(created);
    QCOMPARE(created->name, u"Alice"_s);

    // The write is in the file the store thread holds: a second job reads it back.
    QFuture<std::optional<AccountStore::Account>> found
        = m_store->run([](MessageStore &store) { return store.accounts().account(u"alice"_s); });
    QTRY_VERIFY(found.isFinished());
    QVERIFY(found.result());
    QCOMPARE(found.result()->id, created->id);
}

void tst_StoreWorker::answersComeInOrder()
{
    QList<int> answers;
    for (int i = 0; i < 50; ++i) {
        whenReady(m_store->run([i](MessageStore &) { return i; }), this,
            [&answers](int n) { answers.append(n); });
    }
    QTRY_COMPARE(answers.size(), 50);
    for (int i = 0; i < 50; ++i) {
        QCOMPARE(answers.at(i), i);
    }
}

void tst_StoreWorker::closedStoreCancels()
{
    QMetaObject::invokeMethod(m_store.get(), &StoreWorker::close, Qt::BlockingQueuedConnection);
    bool ran = false;
    QFuture<int> future = m_store->run([&ran](MessageStore &) {
        ran = true;
        return 1;
    });
    QTRY_VERIFY(future.isFinished());
    QVERIFY(future.isCanceled());
    QVERIFY(!ran);
    m_thread.quit();
    m_thread.wait();
}

void tst_StoreWorker::continuationIsDroppedWithItsContext()
{
    auto context = std::make_unique<QObject>();
    bool continued = false;
    const QFuture<int> future = m_store->run([](MessageStore &) { return 7; });
    whenReady(future, context.get(), [&continued](int) { continued = true; });
    context.reset(); // a session that went away before its answer came
    QTRY_VERIFY(future.isFinished());
    settle();
    QVERIFY(!continued);

    // The same answer still reaches a context that stayed.
    int answer = 0;
    whenReady(future, this, [&answer](int n) { answer = n; });
    QTRY_COMPARE(answer, 7);
}

QTEST_GUILESS_MAIN(tst_StoreWorker)
#include "tst_storeworker.moc"

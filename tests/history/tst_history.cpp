#include "chatserver.h"
#include "frames.h"
#include "idrange.h"
#include "quizanswer.h"
#include "sqlitefile.h"
#include "testclient.h"
#include "testserver.h"

#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

// History and resume through a real server over loopback: replay with since (also across a
// server restart), exactly once and in order while others chat, the gap flag, history pages
// and their privacy, cid idempotence, the leaderboard on disk, and a full disk.
class tst_History : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void welcomeCarriesLastId();
    void resumeReplaysWhatWasMissed();
    void resumeWhileOthersChatIsExactlyOnce();
    void resumeAcrossServerRestart();
    void tooLongAGapIsFlagged();
    void historyPagesAndPrivacy();
    void historyLimits();
    void repeatedCidIsPostedOnce();
    void repeatedCidAcrossReconnect();
    void leaderboardSurvivesRestart();
    void fullDiskIsReportedAndChatGoesOn();
    void aDamagedHistoryIsAnErrorNotTheEnd();

private:
    ChatServer *startServer(ServerConfig config = {});
    std::unique_ptr<TestClient> join(const QString &name, qint64 since = -1);
    // Signs in to the account name, registering it on first use: what a guest may see of its
    // own history ends with its session.
    std::unique_ptr<TestClient> joinAccount(const QString &name, qint64 since = -1);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ChatServer> m_server;
};

namespace {

qint64 idOf(const QJsonObject &frame)
{
    return frame.value("id"_L1).toInteger();
}

// The ids of every message and dm a client received, in arrival order.
QList<qint64> chatIds(const TestClient &client)
{
    QList<qint64> ids;
    for (const QJsonObject &frame : client.frames()) {
        const QString type = frame.value("type"_L1).toString();
        if (type == "message"_L1 || type == "dm"_L1) {
            ids.append(idOf(frame));
        }
    }
    return ids;
}

} // namespace

void tst_History::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void tst_History::cleanup()
{
    m_server.reset();
}

ChatServer *tst_History::startServer(ServerConfig config)
{
    m_server.reset();
    m_server = startTestServer(*m_dir, std::move(config));
    return m_server.get();
}

std::unique_ptr<TestClient> tst_History::join(const QString &name, qint64 since)
{
    auto client = std::make_unique<TestClient>();
    if (!client->connectTo(m_server->serverPort())) {
        return nullptr;
    }
    client->send(Frames::hello(name, since));
    if (!client->waitForFrames(u"welcome"_s, 1)) {
        return nullptr;
    }
    return client;
}

std::unique_ptr<TestClient> tst_History::joinAccount(const QString &name, qint64 since)
{
    const QString password = name + u"-password"_s;
    auto client = std::make_unique<TestClient>();
    if (!client->connectTo(m_server->serverPort())) {
        return nullptr;
    }
    client->send(Frames::helloWithPassword(name, password, since));
    if (!QTest::qWaitFor(
            [&] { return client->countOfType(u"welcome"_s) + client->countOfType(u"error"_s); })) {
        return nullptr;
    }
    if (client->countOfType(u"welcome"_s) == 1) {
        return client;
    }
    client = join(name);
    if (!client) {
        return nullptr;
    }
    client->send(Frames::registerRequest(password));
    return client->waitForFrames(u"registered"_s, 1) ? std::move(client) : nullptr;
}

void tst_History::welcomeCarriesLastId()
{
    QVERIFY(startServer());
    auto alice = join(u"alice"_s);
    QVERIFY(alice);
    QCOMPARE(alice->lastOfType(u"welcome"_s).value("last_id"_L1).toInteger(), 0);
    QVERIFY(!alice->lastOfType(u"welcome"_s).contains("replayed"_L1)); // no since, no replay
    alice->send(Frames::say(u"one"_s));
    alice->send(Frames::say(u"two"_s));
    QVERIFY(alice->waitForFrames(u"message"_s, 2));
    auto bob = join(u"bob"_s);
    QVERIFY(bob);
    QCOMPARE(bob->lastOfType(u"welcome"_s).value("last_id"_L1).toInteger(), 2);
}

void tst_History::resumeReplaysWhatWasMissed()
{
    QVERIFY(startServer());
    auto alice = join(u"alice"_s);
    auto carol = join(u"carol"_s);
    auto bob = joinAccount(u"bob"_s);
    QVERIFY(alice && bob && carol);
    alice->send(Frames::say(u"seen by bob"_s));
    QVERIFY(bob->waitForFrames(u"message"_s, 1));
    const qint64 seen = idOf(bob->lastOfType(u"message"_s));
    bob->send(Frames::dm(u"alice"_s, u"bob's own dm"_s));
    QVERIFY(bob->waitForFrames(u"dm"_s, 1));
    bob->send(Frames::quit());
    QVERIFY(bob->waitForDisconnected());

    alice->send(Frames::say(u"missed one"_s));
    carol->send(Frames::dm(u"alice"_s, u"not for bob"_s));
    alice->send(Frames::say(u"missed two"_s));
    QVERIFY(alice->waitForFrames(u"message"_s, 3));
    QVERIFY(alice->waitForFrames(u"dm"_s, 2));

    auto back = joinAccount(u"bob"_s, seen);
    QVERIFY(back);
    const QJsonObject welcome = back->lastOfType(u"welcome"_s);
    QCOMPARE(welcome.value("replayed"_L1).toInt(), 3);
    QVERIFY(!welcome.contains("gap"_L1));
    QVERIFY(back->waitForFrames(u"message"_s, 2));
    const QList<QJsonObject> &frames = back->frames();
    QCOMPARE(frames[0].value("type"_L1).toString(), u"welcome"_s);
    QCOMPARE(frames[1].value("text"_L1).toString(), u"bob's own dm"_s);
    QCOMPARE(frames[2].value("text"_L1).toString(), u"missed one"_s);
    QCOMPARE(frames[3].value("text"_L1).toString(), u"missed two"_s);
    alice->send(Frames::say(u"live"_s));
    QVERIFY(back->waitForFrames(u"message"_s, 3));
    QCOMPARE(back->lastOfType(u"message"_s).value("text"_L1).toString(), u"live"_s);
    for (const QJsonObject &frame : back->framesOfType(u"dm"_s)) {
        QVERIFY(!frame.value("text"_L1).toString().contains(u"not for bob"_s));
    }
}

void tst_History::resumeWhileOthersChatIsExactlyOnce()
{
    QVERIFY(startServer());
    auto alice = join(u"alice"_s);
    auto bob = join(u"bob"_s);
    QVERIFY(alice && bob);
    constexpr int Total = 400;
    for (int i = 1; i <= 50; ++i) {
        alice->send(Frames::say(u"m%1"_s.arg(i)));
    }
    QVERIFY(bob->waitForFrames(u"message"_s, 10));
    const qint64 since = idOf(bob->framesOfType(u"message"_s).at(9));
    bob->socket().abort(); // a dropped connection, not a goodbye
    // Alice keeps talking while bob reconnects: every message is either replayed or live.
    for (int i = 51; i <= Total; ++i) {
        alice->send(Frames::say(u"m%1"_s.arg(i)));
        if (i == 120) {
            QVERIFY(alice->waitForFrames(u"message"_s, 100));
        }
    }
    auto back = join(u"bob"_s, since);
    QVERIFY(back);
    QVERIFY(back->waitForFrames(u"message"_s, Total - since));
    QVERIFY(alice->waitForFrames(u"message"_s, Total));
    QCOMPARE(chatIds(*back), idRange(since + 1, Total));
    QVERIFY(back->badLines().isEmpty());
}

void tst_History::resumeAcrossServerRestart()
{
    QVERIFY(startServer());
    qint64 seen = 0;
    {
        auto alice = join(u"alice"_s);
        auto bob = join(u"bob"_s);
        alice->send(Frames::say(u"one"_s));
        QVERIFY(bob->waitForFrames(u"message"_s, 1));
        seen = idOf(bob->lastOfType(u"message"_s));
        bob->socket().abort();
        alice->send(Frames::say(u"two"_s));
        alice->send(Frames::say(u"three"_s));
        QVERIFY(alice->waitForFrames(u"message"_s, 3));
    }
    QVERIFY(startServer()); // a new server on the same file

    auto bob = join(u"bob"_s, seen);
    QVERIFY(bob);
    QCOMPARE(bob->lastOfType(u"welcome"_s).value("last_id"_L1).toInteger(), 3);
    QVERIFY(bob->waitForFrames(u"message"_s, 2));
    QCOMPARE(bob->framesOfType(u"message"_s).at(0).value("text"_L1).toString(), u"two"_s);
    QCOMPARE(bob->framesOfType(u"message"_s).at(1).value("text"_L1).toString(), u"three"_s);
    bob->send(Frames::say(u"four"_s));
    QVERIFY(bob->waitForFrames(u"message"_s, 3));
    QCOMPARE(idOf(bob->lastOfType(u"message"_s)), 4); // the sequence goes on
}

void tst_History::tooLongAGapIsFlagged()
{
    QVERIFY(startServer());
    auto alice = join(u"alice"_s);
    QVERIFY(alice);
    const int total = Protocol::MaxReplay + 30;
    for (int i = 1; i <= total; ++i) {
        alice->send(Frames::say(u"m%1"_s.arg(i)));
    }
    QVERIFY(alice->waitForFrames(u"message"_s, total));

    auto bob = join(u"bob"_s, 0);
    QVERIFY(bob);
    const QJsonObject welcome = bob->lastOfType(u"welcome"_s);
    QCOMPARE(welcome.value("replayed"_L1).toInt(), Protocol::MaxReplay);
    const QJsonObject gap = welcome.value("gap"_L1).toObject();
    QCOMPARE(gap.value("after"_L1).toInteger(), 0);
    QCOMPARE(gap.value("before"_L1).toInteger(), 31); // the newest MaxReplay follow
    QVERIFY(bob->waitForFrames(u"message"_s, Protocol::MaxReplay));
    QCOMPARE(chatIds(*bob), idRange(31, total));

    // The gap can be fetched page by page.
    bob->send(Frames::historyRequest(31, 0, 200));
    const QJsonObject page = bob->waitForNext(u"history"_s);
    QCOMPARE(page.value("messages"_L1).toArray().size(), 30);
    QCOMPARE(page.value("messages"_L1).toArray().first().toObject().value("id"_L1).toInt(), 1);
    QVERIFY(!page.value("more"_L1).toBool());
}

void tst_History::historyPagesAndPrivacy()
{
    QVERIFY(startServer());
    auto alice = join(u"alice"_s);
    auto bob = join(u"bob"_s);
    auto carol = join(u"carol"_s);
    QVERIFY(alice && bob && carol);
    for (int i = 1; i <= 60; ++i) {
        alice->send(Frames::say(u"m%1"_s.arg(i)));
    }
    alice->send(Frames::dm(u"carol"_s, u"alice to carol"_s));
    QVERIFY(carol->waitForFrames(u"dm"_s, 1)); // ids 1-61 are taken
    carol->send(Frames::dm(u"bob"_s, u"carol to bob"_s));
    QVERIFY(bob->waitForFrames(u"dm"_s, 1));
    QVERIFY(carol->waitForFrames(u"dm"_s, 2));

    bob->send(Frames::historyRequest(0));
    const QJsonObject latest = bob->waitForNext(u"history"_s);
    const QJsonArray page = latest.value("messages"_L1).toArray();
    QCOMPARE(page.size(), Protocol::DefaultHistoryPage);
    QVERIFY(latest.value("more"_L1).toBool());
    QCOMPARE(page.last().toObject().value("text"_L1).toString(), u"carol to bob"_s);
    for (const QJsonValue &entry : page) {
        QVERIFY(entry.toObject().value("text"_L1).toString() != u"alice to carol"_s);
    }

    // Paging back to the start yields every visible message once.
    QList<qint64> seen;
    qint64 before = 0;
    bool more = true;
    while (more) {
        bob->send(Frames::historyRequest(before, -1, 25));
        const QJsonObject reply = bob->waitForNext(u"history"_s);
        QList<qint64> ids;
        for (const QJsonValue &entry : reply.value("messages"_L1).toArray()) {
            ids.append(entry.toObject().value("id"_L1).toInteger());
        }
        QVERIFY(!ids.isEmpty());
        seen = ids + seen;
        before = ids.first();
        more = reply.value("more"_L1).toBool();
    }
    QCOMPARE(seen, idRange(1, 60) + QList<qint64>{62}); // 61 is alice's dm to carol

    carol->send(Frames::historyRequest(0, 59, 10));
    const QJsonArray forward = carol->waitForNext(u"history"_s).value("messages"_L1).toArray();
    QCOMPARE(forward.size(), 3); // 60, and both dms carol was part of
    QCOMPARE(forward.at(1).toObject().value("to"_L1).toString(), u"carol"_s);
}

void tst_History::historyLimits()
{
    QVERIFY(startServer());
    auto alice = join(u"alice"_s);
    QVERIFY(alice);
    const auto expectBadFrame = [&alice](const QJsonObject &frame) {
        const qsizetype before = alice->countOfType(u"error"_s);
        alice->send(frame);
        if (!alice->waitForFrames(u"error"_s, before + 1)) {
            return false;
        }
        return alice->lastOfType(u"error"_s).value("code"_L1).toString() == "bad_frame"_L1;
    };
    QVERIFY(expectBadFrame(Frames::historyRequest(0, 0, Protocol::MaxHistoryPage + 1)));
    QVERIFY(expectBadFrame(QJsonObject{{"type"_L1, "history"_L1}, {"limit"_L1, 0}}));
    QVERIFY(expectBadFrame(QJsonObject{{"type"_L1, "history"_L1}, {"before"_L1, -5}}));
    QVERIFY(expectBadFrame(QJsonObject{{"type"_L1, "history"_L1}, {"after"_L1, 1.5}}));
    QVERIFY(expectBadFrame(QJsonObject{{"type"_L1, "history"_L1}, {"after"_L1, u"1"_s}}));
    QVERIFY(expectBadFrame(Frames::say(u"x"_s, QString(Protocol::MaxCidLength + 1, u'c'))));
    QVERIFY(expectBadFrame(Frames::say(u"x"_s, u"has space"_s)));
    QVERIFY(expectBadFrame(
        QJsonObject{{"type"_L1, "hello"_L1}, {"name"_L1, u"x"_s}, {"since"_L1, -1}}));

    // History needs a name: private messages are only shown to their two people.
    TestClient stranger;
    QVERIFY(stranger.connectTo(m_server->serverPort()));
    stranger.send(Frames::historyRequest(0));
    QVERIFY(stranger.waitForFrames(u"error"_s, 1));
    QCOMPARE(stranger.lastOfType(u"error"_s).value("code"_L1).toString(), u"not_registered"_s);
}

void tst_History::repeatedCidIsPostedOnce()
{
    QVERIFY(startServer());
    auto alice = join(u"alice"_s);
    auto bob = join(u"bob"_s);
    QVERIFY(alice && bob);
    alice->send(Frames::say(u"only once"_s, u"cid-1"_s));
    alice->send(Frames::say(u"only once"_s, u"cid-1"_s));
    alice->send(Frames::dm(u"bob"_s, u"dm once"_s, u"cid-2"_s));
    alice->send(Frames::dm(u"bob"_s, u"dm once"_s, u"cid-2"_s));
    alice->send(Frames::say(u"marker"_s));
    QVERIFY(bob->waitForFrames(u"message"_s, 2));
    QCOMPARE(bob->countOfType(u"dm"_s), 1);
    QCOMPARE(bob->framesOfType(u"message"_s).at(0).value("cid"_L1).toString(), u"cid-1"_s);
    // The sender gets the stored copy back for each retry, with the same id.
    QVERIFY(alice->waitForFrames(u"message"_s, 3));
    const QList<QJsonObject> mine = alice->framesOfType(u"message"_s);
    QCOMPARE(idOf(mine[0]), idOf(mine[1]));
    QCOMPARE(alice->countOfType(u"dm"_s), 2);
    QCOMPARE(idOf(alice->framesOfType(u"dm"_s)[0]), idOf(alice->framesOfType(u"dm"_s)[1]));
    QCOMPARE(idOf(mine[2]), 3); // two messages and one dm were posted
}

void tst_History::repeatedCidAcrossReconnect()
{
    QVERIFY(startServer());
    auto bob = join(u"bob"_s);
    QVERIFY(bob);
    {
        // A cid is remembered for its sender's identity: an account, here, as a guest who
        // comes back is another guest.
        auto alice = joinAccount(u"alice"_s);
        QVERIFY(alice);
        alice->send(Frames::say(u"sent before the drop"_s, u"retry-me"_s));
        QVERIFY(bob->waitForFrames(u"message"_s, 1));
        alice->socket().abort(); // the echo may never have reached alice
    }
    QVERIFY(startServer()); // and the server restarted meanwhile
    bob = join(u"bob"_s, 1);
    auto alice = joinAccount(u"alice"_s);
    QVERIFY(alice && bob);
    alice->send(Frames::say(u"sent before the drop"_s, u"retry-me"_s));
    QVERIFY(alice->waitForFrames(u"message"_s, 1));
    QCOMPARE(idOf(alice->lastOfType(u"message"_s)), 1);
    alice->send(Frames::say(u"new"_s));
    QVERIFY(bob->waitForFrames(u"message"_s, 1));
    QCOMPARE(bob->lastOfType(u"message"_s).value("text"_L1).toString(), u"new"_s);
    QCOMPARE(idOf(bob->lastOfType(u"message"_s)), 2);
}

void tst_History::leaderboardSurvivesRestart()
{
    ServerConfig config;
    config.quizSeed = 7;
    QVERIFY(startServer(config));
    {
        auto alice = joinAccount(u"alice"_s);
        QVERIFY(alice);
        alice->send(Frames::quizStart());
        for (;;) {
            const QJsonObject question = alice->waitForNext(u"quiz_question"_s);
            QVERIFY(!question.isEmpty());
            alice->send(
                Frames::quizAnswer(question.value("n"_L1).toInteger(), expectedAnswer(question)));
            alice->waitForNext(u"quiz_result"_s);
            if (question.value("n"_L1).toInt() == question.value("total"_L1).toInt()) {
                break;
            }
        }
        QVERIFY(alice->waitForFrames(u"quiz_finished"_s, 1));
    }
    QVERIFY(startServer(config));
    auto bob = join(u"bob"_s);
    bob->send(Frames::leaderboardRequest());
    const QJsonArray entries = bob->waitForNext(u"leaderboard"_s).value("entries"_L1).toArray();
    QCOMPARE(entries.size(), 1);
    QCOMPARE(entries[0].toObject().value("name"_L1).toString(), u"alice"_s);
    QVERIFY(entries[0].toObject().value("score"_L1).toDouble() > 0);
}

void tst_History::fullDiskIsReportedAndChatGoesOn()
{
    if (qEnvironmentVariable("NATTER_TEST_STORE") == "postgres"_L1) {
        QSKIP("a full disk is made with SQLite's max_page_count");
    }
    ServerConfig config;
    config.databaseMaxPages = 8; // SQLite answers "database or disk is full" past 32 KiB
    QVERIFY(startServer(config));
    auto alice = join(u"alice"_s);
    auto bob = join(u"bob"_s);
    QVERIFY(alice && bob);
    const QString big(3000, u'x');
    for (int i = 0; i < 20; ++i) {
        alice->send(Frames::say(big));
    }
    QVERIFY(bob->waitForFrames(u"error"_s, 1));
    QCOMPARE(bob->lastOfType(u"error"_s).value("code"_L1).toString(), u"storage_failed"_s);
    QVERIFY(bob->waitForFrames(u"message"_s, 20)); // nothing was lost on the way
    QCOMPARE(chatIds(*bob), idRange(1, 20));
    alice->send(Frames::say(u"still here"_s));
    QVERIFY(bob->waitForFrames(u"message"_s, 21));
    auto carol = join(u"carol"_s); // and newcomers are still served
    QVERIFY(carol);
    QCOMPARE(bob->countOfType(u"error"_s), 1); // reported once, not per message
}

// Found by damaging a copy of a real database: paging forward stopped early with more:false, so
// the history looked complete.
void tst_History::aDamagedHistoryIsAnErrorNotTheEnd()
{
    if (qEnvironmentVariable("NATTER_TEST_STORE") == "postgres"_L1) {
        QSKIP("damages an SQLite file");
    }
    ServerConfig config;
    config.historyRate = 1000;
    config.historyBurst = 1000;
    QVERIFY(startServer(config));
    auto alice = join(u"alice"_s);
    QVERIFY(alice);
    constexpr int Count = 3000;
    for (int i = 1; i <= Count; ++i) {
        alice->send(Frames::say(u"message %1 "_s.arg(i).repeated(8)));
    }
    QVERIFY(alice->waitForFrames(u"message"_s, Count));

    // Damaged behind the server's back, as a failing disk would.
    QVERIFY(SqliteFile::damageMiddlePages(testDatabase(*m_dir)));

    int read = 0;
    qint64 after = 0;
    for (int request = 1;; ++request) {
        alice->send(Frames::historyRequest(0, after, Protocol::MaxHistoryPage));
        QVERIFY(QTest::qWaitFor([&] {
            return alice->countOfType(u"history"_s) + alice->countOfType(u"error"_s) == request;
        }));
        if (alice->countOfType(u"error"_s) > 0) {
            break;
        }
        const QJsonObject page = alice->lastOfType(u"history"_s);
        const QJsonArray messages = page.value("messages"_L1).toArray();
        read += int(messages.size());
        QVERIFY2(page.value("more"_L1).toBool(),
            qPrintable(u"the history ended after %1 of %2 messages as if complete"_s.arg(read).arg(
                Count)));
        after = idOf(messages.last().toObject());
    }
    const QJsonObject error = alice->lastOfType(u"error"_s);
    QCOMPARE(error.value("code"_L1).toString(), u"storage_failed"_s);
    QVERIFY(read < Count);
    // The server goes on: chat is still relayed.
    alice->send(Frames::say(u"still here"_s));
    QVERIFY(alice->waitForFrames(u"message"_s, Count + 1));
}

QTEST_GUILESS_MAIN(tst_History)
#include "tst_history.moc"

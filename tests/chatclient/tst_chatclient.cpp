#include "chatclient.h"
#include "chatserver.h"
#include "quizgenerator.h"
#include "textcommandparser.h"

#include "tcpproxy.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using State = ChatClient::State;

// The client core against a real server on loopback: registration, chat, private messages,
// the user list, reconnection across a server restart, the quiz and the time service.
class tst_ChatClient : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void connectsAndRegisters();
    void nameTakenThenRetry();
    void unreachableServerIsReported();
    void chatBetweenTwoClients();
    void privateMessages();
    void joinAndLeaveUpdateUsers();
    void reconnectsAfterServerRestart();
    void quizRoundTrip();
    void timeQueries();
    void slashCommandsAndOfflineSends();
    void historyOnConnect();
    void resumeAfterDropShowsEachMessageOnce();
    void olderHistoryPagesIn();

private:
    void startServer(quint16 port = 0);
    std::unique_ptr<ChatClient> online(const QString &name, quint16 port = 0);

    std::unique_ptr<ChatServer> m_server;
    quint16 m_port = 0;
};

namespace {

constexpr quint32 QuizSeed = 31;

bool hasRow(ChatClient &client, ChatEntry::Kind kind, const QString &text)
{
    MessageModel *model = client.messages();
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->entry(row).kind == kind && model->entry(row).text == text) {
            return true;
        }
    }
    return false;
}

// How many rows hold exactly this text.
int countText(ChatClient &client, const QString &text)
{
    int count = 0;
    for (int row = 0; row < client.messages()->rowCount(); ++row) {
        count += client.messages()->entry(row).text == text ? 1 : 0;
    }
    return count;
}

int countKind(ChatClient &client, ChatEntry::Kind kind)
{
    int count = 0;
    for (int row = 0; row < client.messages()->rowCount(); ++row) {
        count += client.messages()->entry(row).kind == kind ? 1 : 0;
    }
    return count;
}

} // namespace

void tst_ChatClient::startServer(quint16 port)
{
    ServerConfig config;
    config.bindAddress = QHostAddress::LocalHost;
    config.port = port;
    config.quizSeed = QuizSeed;
    config.chatRate = config.chatBurst = 1000; // some tests fill the history quickly
    m_server = std::make_unique<ChatServer>(config);
    QVERIFY2(m_server->start(), qPrintable(m_server->startError()));
    m_port = m_server->serverPort();
}

void tst_ChatClient::init()
{
    startServer();
}

void tst_ChatClient::cleanup()
{
    m_server.reset();
}

std::unique_ptr<ChatClient> tst_ChatClient::online(const QString &name, quint16 port)
{
    auto client = std::make_unique<ChatClient>();
    client->connection().setRetryDelays(50, 200);
    client->connectToServer(u"127.0.0.1"_s, port ? port : m_port, name);
    if (!QTest::qWaitFor([&] { return client->isOnline(); }, 10000)) {
        return nullptr;
    }
    return client;
}

void tst_ChatClient::connectsAndRegisters()
{
    ChatClient client;
    QSignalSpy states(&client, &ChatClient::stateChanged);
    QSignalSpy roundTrip(&client, &ChatClient::roundTripChanged);
    QVERIFY(states.isValid() && roundTrip.isValid());
    client.connectToServer(u"127.0.0.1"_s, m_port, u"alice"_s);
    QTRY_VERIFY(client.isOnline());
    QCOMPARE(states.at(0).at(0).value<State>(), State::Connecting);
    QCOMPARE(states.at(1).at(0).value<State>(), State::Registering);
    QCOMPARE(states.at(2).at(0).value<State>(), State::Online);
    QCOMPARE(client.name(), u"alice"_s);
    QCOMPARE(client.users()->names(), QStringList{u"alice"_s});
    QVERIFY(client.users()->data(client.users()->index(0), UserListModel::SelfRole).toBool());
    QVERIFY(hasRow(
        client, ChatEntry::Kind::Notice, u"Connected to 127.0.0.1:%1 as alice."_s.arg(m_port)));
    QTRY_VERIFY(roundTrip.count() >= 1); // a ping goes out as soon as we are online
    QVERIFY(client.roundTripMs() >= 0);
}

void tst_ChatClient::nameTakenThenRetry()
{
    auto alice = online(u"alice"_s);
    QVERIFY(alice);
    ChatClient impostor;
    QSignalSpy refused(&impostor, &ChatClient::registrationRefused);
    impostor.connectToServer(u"127.0.0.1"_s, m_port, u"Alice"_s);
    QTRY_COMPARE(refused.count(), 1);
    QCOMPARE(refused.at(0).at(0).toString(), u"name_taken"_s);
    QVERIFY(!refused.at(0).at(1).toString().isEmpty());
    QCOMPARE(impostor.state(), State::Disconnected);

    impostor.connectToServer(u"127.0.0.1"_s, m_port, u"bad name"_s);
    QTRY_COMPARE(refused.count(), 2);
    QCOMPARE(refused.at(1).at(0).toString(), u"bad_name"_s);

    impostor.connectToServer(u"127.0.0.1"_s, m_port, u"alice2"_s);
    QTRY_VERIFY(impostor.isOnline());
    QTRY_COMPARE(alice->users()->names(), (QStringList{u"alice"_s, u"alice2"_s}));
}

void tst_ChatClient::unreachableServerIsReported()
{
    QTcpServer probe; // find a port that nobody listens on
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 closedPort = probe.serverPort();
    probe.close();

    ChatClient client;
    QSignalSpy failed(&client, &ChatClient::connectFailed);
    client.connectToServer(u"127.0.0.1"_s, closedPort, u"alice"_s);
    QTRY_COMPARE(failed.count(), 1);
    QVERIFY2(failed.at(0).at(0).toString().contains(u"Cannot connect to 127.0.0.1"_s),
        qPrintable(failed.at(0).at(0).toString()));
    QCOMPARE(client.state(), State::Disconnected);
}

void tst_ChatClient::chatBetweenTwoClients()
{
    auto alice = online(u"alice"_s);
    auto bob = online(u"bob"_s);
    QVERIFY(alice && bob);
    QSignalSpy activity(bob.get(), &ChatClient::chatActivity);
    QSignalSpy attention(bob.get(), &ChatClient::attention);

    QVERIFY(alice->say(u"hello bob"_s));
    QTRY_VERIFY(hasRow(*bob, ChatEntry::Kind::Message, u"hello bob"_s));
    QTRY_VERIFY(hasRow(*alice, ChatEntry::Kind::Message, u"hello bob"_s));
    const MessageModel *model = bob->messages();

    const ChatEntry &row = model->entry(model->rowCount() - 1);
    QCOMPARE(row.from, u"alice"_s);
    QVERIFY(!row.own);
    QVERIFY(row.id > 0);
    QVERIFY(alice->messages()->entry(alice->messages()->rowCount() - 1).own);
    QVERIFY(activity.count() >= 1);
    QCOMPARE(attention.count(), 1); // "hello bob" mentions bob
    QCOMPARE(attention.at(0).at(0).toString(), u"alice mentioned you"_s);

    QVERIFY(alice->say(u"bobcat is not a mention"_s));
    QTRY_VERIFY(hasRow(*bob, ChatEntry::Kind::Message, u"bobcat is not a mention"_s));
    QCOMPARE(attention.count(), 1);
}

void tst_ChatClient::privateMessages()
{
    auto alice = online(u"alice"_s);
    auto bob = online(u"bob"_s);
    auto carol = online(u"carol"_s);
    QVERIFY(alice && bob && carol);
    QSignalSpy attention(bob.get(), &ChatClient::attention);

    QVERIFY(alice->submit(u"%bob%first secret"_s));
    QVERIFY(alice->submit(u"/msg bob second secret"_s));
    QTRY_VERIFY(hasRow(*bob, ChatEntry::Kind::Private, u"second secret"_s));
    QVERIFY(hasRow(*bob, ChatEntry::Kind::Private, u"first secret"_s));
    QTRY_VERIFY(hasRow(*alice, ChatEntry::Kind::Private, u"second secret"_s));
    QCOMPARE(attention.count(), 2);
    QCOMPARE(attention.at(0).at(0).toString(), u"Private message from alice"_s);

    QVERIFY(alice->say(u"public marker"_s));
    QTRY_VERIFY(hasRow(*carol, ChatEntry::Kind::Message, u"public marker"_s));
    QCOMPARE(countKind(*carol, ChatEntry::Kind::Private), 0);

    QVERIFY(alice->submit(u"%nobody%hello?"_s));
    QTRY_VERIFY(hasRow(
        *alice, ChatEntry::Kind::Error, u"Not sent: “hello?” (nobody called nobody is online)"_s));
    QCOMPARE(alice->messages()->pendingCount(), 0);
}

void tst_ChatClient::joinAndLeaveUpdateUsers()
{
    auto alice = online(u"alice"_s);
    QVERIFY(alice);
    auto bob = online(u"bob"_s);
    QVERIFY(bob);
    QTRY_COMPARE(alice->users()->names(), (QStringList{u"alice"_s, u"bob"_s}));
    QCOMPARE(countKind(*alice, ChatEntry::Kind::Joined), 1);

    bob->leave();
    QCOMPARE(bob->state(), State::Disconnected);
    QTRY_COMPARE(alice->users()->names(), QStringList{u"alice"_s});
    QTRY_COMPARE(countKind(*alice, ChatEntry::Kind::Left), 1);
    QVERIFY(hasRow(*alice, ChatEntry::Kind::Left, u"quit"_s));
}

void tst_ChatClient::reconnectsAfterServerRestart()
{
    auto alice = online(u"alice"_s);
    QVERIFY(alice);
    QVERIFY(alice->say(u"before the restart"_s));
    QTRY_COMPARE(alice->messages()->pendingCount(), 0); // confirmed

    QSignalSpy states(alice.get(), &ChatClient::stateChanged);
    const quint16 port = m_port;
    QSignalSpy stopped(m_server.get(), &ChatServer::stopped);
    m_server->shutdown();
    QTRY_COMPARE(stopped.count(), 1);
    QTRY_COMPARE(alice->state(), State::Reconnecting);
    QVERIFY(!alice->isOnline());
    QVERIFY(alice->say(u"while offline"_s)); // queued, and shown as pending
    QCOMPARE(alice->messages()->pendingCount(), 1);
    m_server.reset();

    startServer(port); // a server without the old history (in memory): ids start again
    QTRY_VERIFY_WITH_TIMEOUT(alice->isOnline(), 15000);
    QVERIFY(hasRow(*alice, ChatEntry::Kind::Message, u"before the restart"_s)); // history kept
    QVERIFY(hasRow(*alice, ChatEntry::Kind::Notice, u"Reconnected as alice."_s));
    QTRY_COMPARE(alice->messages()->pendingCount(), 0);
    QVERIFY(hasRow(*alice, ChatEntry::Kind::Message, u"while offline"_s)); // delivered
    QCOMPARE(alice->users()->names(), QStringList{u"alice"_s});
    QVERIFY(alice->say(u"after the restart"_s));
    QTRY_VERIFY(hasRow(*alice, ChatEntry::Kind::Message, u"after the restart"_s));
}

void tst_ChatClient::quizRoundTrip()
{
    auto alice = online(u"alice"_s);
    QVERIFY(alice);
    QuizState *quiz = alice->quiz();
    QCOMPARE(quiz->phase(), QuizState::Phase::Idle);
    QVERIFY(alice->startQuiz());
    QuizGenerator reference(QuizSeed);
    for (int n = 1; n <= 10; ++n) {
        QTRY_COMPARE(quiz->number(), n);
        QCOMPARE(quiz->phase(), QuizState::Phase::Running);
        const QuizGenerator::Question question = reference.next();
        QCOMPARE(quiz->question(), question.text());
        if (n == 2) {
            QVERIFY(alice->answerQuiz(u"twelve"_s));
            QTRY_VERIFY(!quiz->error().isEmpty());
            QCOMPARE(quiz->number(), 2);
        }
        QVERIFY(alice->answerQuiz(QString::number(question.answer() + (n == 6 ? 1 : 0))));
        if (n < 10) {
            QTRY_COMPARE(quiz->number(), n + 1);
            QCOMPARE(quiz->lastCorrect(), n != 6);
        }
    }
    QTRY_COMPARE(quiz->phase(), QuizState::Phase::Finished);
    QCOMPARE(quiz->score(), 8.75);
    QCOMPARE(quiz->right(), 9);
    QCOMPARE(quiz->wrong(), 1);
    QVERIFY(quiz->completed());
    QTRY_COMPARE(alice->leaderboard()->rowCount(), 1);
    QCOMPARE(alice->leaderboard()
                 ->data(alice->leaderboard()->index(0, LeaderboardModel::Name))
                 .toString(),
        u"alice"_s);
}

void tst_ChatClient::timeQueries()
{
    auto alice = online(u"alice"_s);
    QVERIFY(alice);
    QSignalSpy replies(alice.get(), &ChatClient::timeReceived);
    QSignalSpy failures(alice.get(), &ChatClient::timeFailed);
    QVERIFY(alice->requestTime(u"date"_s));
    QTRY_COMPARE(replies.count(), 1);
    const QJsonObject reply = replies.at(0).at(0).toJsonObject();
    QCOMPARE(reply.value("query"_L1).toString(), u"date"_s);
    QVERIFY(QDate::fromString(reply.value("value"_L1).toString(), Qt::ISODate).isValid());

    QVERIFY(alice->requestTime(u"fortnight"_s));
    QTRY_COMPARE(failures.count(), 1);
    QCOMPARE(failures.at(0).at(0).toString(), u"unknown_query"_s);
}

void tst_ChatClient::slashCommandsAndOfflineSends()
{
    auto alice = online(u"alice"_s);
    QVERIFY(alice);
    QVERIFY(!alice->submit(u"   "_s));
    QVERIFY(!alice->submit(u"/frobnicate"_s));
    QVERIFY(hasRow(*alice, ChatEntry::Kind::Error,
        u"Unknown command /frobnicate; type /help for the list."_s));
    QVERIFY(!alice->submit(u"/help"_s));
    QVERIFY(hasRow(*alice, ChatEntry::Kind::Notice, TextCommandParser::helpText()));
    QVERIFY(alice->submit(u"/quit"_s));
    QCOMPARE(alice->state(), State::Disconnected);
    QVERIFY(!alice->say(u"into the void"_s));
    QVERIFY(hasRow(*alice, ChatEntry::Kind::Error, u"Not sent: you are offline."_s));
}

void tst_ChatClient::historyOnConnect()
{
    auto alice = online(u"alice"_s);
    QVERIFY(alice);
    for (const QString &text : {u"first"_s, u"second"_s, u"third"_s}) {
        QVERIFY(alice->say(text));
    }
    QTRY_COMPARE(alice->messages()->pendingCount(), 0);
    alice->sendPrivate(u"alice"_s, u"note to self"_s);
    QTRY_VERIFY(hasRow(*alice, ChatEntry::Kind::Private, u"note to self"_s));

    auto bob = online(u"bob"_s);
    QVERIFY(bob);
    QTRY_VERIFY(hasRow(*bob, ChatEntry::Kind::Message, u"third"_s));
    const MessageModel *model = bob->messages();
    // Earlier chat comes first, marked as history, above the greeting; alice's dm is not there.
    QCOMPARE(model->entry(0).text, u"first"_s);
    QCOMPARE(model->entry(2).text, u"third"_s);
    for (int row = 0; row < 3; ++row) {
        QVERIFY(model->entry(row).history);
        QVERIFY(model->index(row).data(MessageModel::HistoryRole).toBool());
    }
    QVERIFY(model->entry(3).text.startsWith(u"Connected to"_s));
    QVERIFY(model->index(0).data(MessageModel::NewDayRole).toBool());
    QVERIFY(!model->index(1).data(MessageModel::NewDayRole).toBool());
    QCOMPARE(countKind(*bob, ChatEntry::Kind::Private), 0);
}

void tst_ChatClient::resumeAfterDropShowsEachMessageOnce()
{
    auto alice = online(u"alice"_s);
    TcpProxy proxy(m_port);
    auto bob = online(u"bob"_s, proxy.port());
    QVERIFY(alice && bob);
    QVERIFY(alice->say(u"m1"_s));
    QTRY_VERIFY(hasRow(*bob, ChatEntry::Kind::Message, u"m1"_s));

    // The network drops bob and keeps him out while alice talks and he types.
    proxy.setRefusing(true);
    proxy.cutAll();
    QTRY_COMPARE(bob->state(), State::Reconnecting);
    QVERIFY(bob->say(u"typed offline"_s));
    QCOMPARE(bob->messages()->pendingCount(), 1);
    for (const QString &text : {u"m2"_s, u"m3"_s, u"m4"_s}) {
        QVERIFY(alice->say(text));
    }
    QTRY_COMPARE(alice->messages()->pendingCount(), 0);
    proxy.setRefusing(false);

    QTRY_VERIFY_WITH_TIMEOUT(bob->isOnline(), 10000);
    QTRY_COMPARE(bob->messages()->pendingCount(), 0);
    QTRY_VERIFY(hasRow(*alice, ChatEntry::Kind::Message, u"typed offline"_s));
    QTRY_VERIFY(hasRow(*bob, ChatEntry::Kind::Message, u"m4"_s));
    alice->say(u"marker"_s);
    QTRY_VERIFY(hasRow(*bob, ChatEntry::Kind::Message, u"marker"_s));
    for (const QString &text : {u"m1"_s, u"m2"_s, u"m3"_s, u"m4"_s, u"typed offline"_s}) {
        QCOMPARE(countText(*bob, text), 1);
    }
    QCOMPARE(countText(*alice, u"typed offline"_s), 1);
    // In id order, with no gap.
    QList<qint64> ids;
    for (int row = 0; row < bob->messages()->rowCount(); ++row) {
        if (const qint64 id = bob->messages()->entry(row).id) {
            ids.append(id);
        }
    }
    QVERIFY(std::is_sorted(ids.cbegin(), ids.cend()));
    QCOMPARE(ids.size(), ids.last() - ids.first() + 1);
}

void tst_ChatClient::olderHistoryPagesIn()
{
    auto alice = online(u"alice"_s);
    QVERIFY(alice);
    for (int i = 1; i <= 80; ++i) {
        alice->say(u"m%1"_s.arg(i));
    }
    QTRY_COMPARE(alice->messages()->pendingCount(), 0);

    auto bob = online(u"bob"_s);
    QVERIFY(bob);
    QTRY_VERIFY(bob->hasOlder()); // the first page (50) came, and says there is more
    MessageModel *model = bob->messages();
    QCOMPARE(model->entry(0).text, u"m31"_s);
    const int rows = model->rowCount();
    QVERIFY(bob->fetchOlder());
    QVERIFY(!bob->fetchOlder()); // one page at a time
    QTRY_COMPARE(model->rowCount(), rows + 30);
    QVERIFY(!bob->hasOlder());
    QVERIFY(!bob->fetchOlder()); // the beginning of the history
    for (int row = 0; row < 80; ++row) {
        QCOMPARE(model->entry(row).id, row + 1);
        QVERIFY(model->entry(row).history);
    }
}

QTEST_GUILESS_MAIN(tst_ChatClient)
#include "tst_chatclient.moc"

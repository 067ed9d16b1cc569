#include "chatclient.h"
#include "chatserver.h"
#include "frames.h"
#include "messagestore.h"
#include "quizgenerator.h"
#include "textcommandparser.h"

#include "tcpproxy.h"
#include "testclient.h"

#include <QFile>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

#include <memory>

using namespace Qt::StringLiterals;
using State = ChatClient::State;

// The client core against a real server on loopback: registration, chat, private messages,
// the user list, reconnection across a server restart, the quiz and the time service; and
// accounts against a server with a real SQLite file: signing in with a password and, on the next
// start, with the kept token; creating an account; wrong passwords; a session revoked by a
// password change elsewhere; signing out. Tokens go to the file store in a temporary folder.
class tst_ChatClient : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
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
    void laterGuestWithTheNameSeesNoPrivateMessages();
    void resumeAfterDropShowsEachMessageOnce();
    void olderHistoryPagesIn();

    void signInKeepsTheTokenForTheNextStart();
    void createAccountFromTheStart();
    void guestBecomesAnAccount();
    void refusedSignInsAreReported();
    void tooManyAttemptsAreReported();
    void passwordChangeElsewhereEndsTheSession();
    void refusedSavedTokenIsForgotten();
    void signOutRevokesTheToken();
    void changePassword();
    void waitingPrivateMessagesDoNotHideTheHistory();
    void droppedConnectionEndsAnAccountRequest();
    void signOutSurvivesADroppedConnection();
    void signOutWhileReconnecting();
    void newPasswordRules_data();
    void newPasswordRules();
    void moderatorsNoticesAndAKick();

private:
    void startServer(quint16 port = 0, const QString &database = {});
    // A server whose accounts are in a SQLite file, which a restart keeps.
    void startAccountServer(quint16 port = 0);
    std::unique_ptr<ChatClient> online(const QString &name, quint16 port = 0);
    std::unique_ptr<ChatClient> signedIn(
        const QString &name, const QString &password, quint16 port = 0);
    // Makes name an account with a bare protocol client, and leaves.
    bool makeAccount(const QString &name, const QString &password);
    // What the client's store (the file here) holds for name on this server.
    QString storedToken(const QString &name, quint16 port = 0);

    QTemporaryDir m_data; // XDG_DATA_HOME: where the credential file goes
    std::unique_ptr<QTemporaryDir> m_databaseDir;
    std::unique_ptr<ChatServer> m_server;
    quint16 m_port = 0;
};

namespace {

constexpr quint32 QuizSeed = 31;

bool hasRowIn(const Conversation *conversation, ChatEntry::Kind kind, const QString &text)
{
    if (!conversation) {
        return false;
    }
    const MessageModel *model = conversation->messages();
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->entry(row).kind == kind && model->entry(row).text == text) {
            return true;
        }
    }
    return false;
}

// In the conversation the client shows.
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

void tst_ChatClient::startServer(quint16 port, const QString &database)
{
    ServerConfig config;
    config.bindAddress = QHostAddress::LocalHost;
    config.port = port;
    if (!database.isEmpty()) {
        config.databaseLocation = database;
    }
    config.quizSeed = QuizSeed;
    config.chatRate = config.chatBurst = 1000; // some tests fill the history quickly
    m_server = std::make_unique<ChatServer>(config);
    QVERIFY2(m_server->start(), qPrintable(m_server->startError()));
    m_port = m_server->serverPort();
}

void tst_ChatClient::initTestCase()
{
    QVERIFY(m_data.isValid());
    qputenv("XDG_DATA_HOME", QFile::encodeName(m_data.path()));
    qputenv("XDG_CONFIG_HOME", QFile::encodeName(m_data.filePath(u"config"_s))); // QSettings
    qputenv("NATTER_CREDENTIAL_STORE", "file");
}

void tst_ChatClient::init()
{
    QFile::remove(CredentialStore().filePath());
    startServer();
}

void tst_ChatClient::cleanup()
{
    m_server.reset();
    m_databaseDir.reset();
}

void tst_ChatClient::startAccountServer(quint16 port)
{
    m_server.reset();
    if (!m_databaseDir) {
        m_databaseDir = std::make_unique<QTemporaryDir>();
    }
    startServer(port, m_databaseDir->filePath(u"natter.db"_s));
}

std::unique_ptr<ChatClient> tst_ChatClient::signedIn(
    const QString &name, const QString &password, quint16 port)
{
    auto client = std::make_unique<ChatClient>();
    client->connection().setRetryDelays(50, 200);
    client->signIn(u"127.0.0.1"_s, port ? port : m_port, name, password);
    if (!QTest::qWaitFor([&] { return client->isOnline(); }, 10000)) {
        return nullptr;
    }
    return client;
}

bool tst_ChatClient::makeAccount(const QString &name, const QString &password)
{
    TestClient guest;
    if (!guest.join(m_port, name)) {
        return false;
    }
    guest.send(Frames::registerRequest(password));
    const bool registered = guest.waitForFrames(u"registered"_s, 1);
    guest.send(Frames::quit());
    return registered && guest.waitForDisconnected();
}

QString tst_ChatClient::storedToken(const QString &name, quint16 port)
{
    CredentialStore store;
    std::optional<QString> token;
    QObject context;
    store.read(CredentialStore::key(u"127.0.0.1"_s, port ? port : m_port, name), &context,
        [&token](const QString &stored) { token = stored; });
    return QTest::qWaitFor([&token] { return token.has_value(); }, 5000) ? *token : u"?"_s;
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
    QCOMPARE(attention.count(), 1); // "hello bob" mentions bob
    QCOMPARE(attention.at(0).at(0).toString(), u"alice mentioned you in general"_s);

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
    // Each side has them in its conversation with the other, not in the room.
    QTRY_VERIFY(hasRowIn(
        bob->conversations()->direct(u"alice"_s), ChatEntry::Kind::Private, u"second secret"_s));
    QVERIFY(hasRowIn(
        bob->conversations()->direct(u"ALICE"_s), ChatEntry::Kind::Private, u"first secret"_s));
    QCOMPARE(countKind(*bob, ChatEntry::Kind::Private), 0);
    QCOMPARE(alice->current(), alice->conversations()->direct(u"bob"_s)); // /msg opened it
    QTRY_VERIFY(hasRow(*alice, ChatEntry::Kind::Private, u"second secret"_s));
    QCOMPARE(attention.count(), 2);
    QCOMPARE(attention.at(0).at(0).toString(), u"Private message from alice"_s);
    QCOMPARE(bob->conversations()->direct(u"alice"_s)->unread(), 2);
    QVERIFY(bob->conversations()->direct(u"alice"_s)->hasMention());
    // Typed in the conversation, a line is private too.
    QVERIFY(alice->say(u"third secret"_s));
    QTRY_VERIFY(hasRowIn(
        bob->conversations()->direct(u"alice"_s), ChatEntry::Kind::Private, u"third secret"_s));

    alice->setCurrent(alice->general());
    QVERIFY(alice->say(u"public marker"_s));
    QTRY_VERIFY(hasRow(*carol, ChatEntry::Kind::Message, u"public marker"_s));
    QCOMPARE(countKind(*carol, ChatEntry::Kind::Private), 0);
    QCOMPARE(carol->conversations()->all().size(), 1); // general alone

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
    // The window has its own help: the terminal's is not squashed into the chat.
    QSignalSpy help(alice.get(), &ChatClient::helpRequested);
    const int rows = alice->messages()->rowCount();
    QVERIFY(alice->submit(u"/help"_s));
    QCOMPARE(help.count(), 1);
    QCOMPARE(alice->messages()->rowCount(), rows);

    // What a command answers is shown where it was typed.
    auto bob = online(u"bob"_s);
    QVERIFY(bob);
    QVERIFY(alice->submit(u"/users"_s));
    QTRY_VERIFY(hasRow(*alice, ChatEntry::Kind::Notice, u"Online (2): alice, bob"_s));
    QVERIFY(alice->submit(u"/time UTC"_s));
    QTRY_VERIFY(countKind(*alice, ChatEntry::Kind::Notice) > 0
        && alice->messages()
               ->entry(alice->messages()->rowCount() - 1)
               .text.startsWith(u"Time in UTC"_s));
    QVERIFY(alice->submit(u"/time Mars/Olympus"_s));
    QTRY_COMPARE(
        alice->messages()->entry(alice->messages()->rowCount() - 1).kind, ChatEntry::Kind::Error);
    QVERIFY(alice->submit(u"/echo are you there"_s));
    QTRY_VERIFY(hasRow(*alice, ChatEntry::Kind::Notice, u"The server echoes: are you there"_s));
    QSignalSpy quiz(alice.get(), &ChatClient::quizCommanded);
    QVERIFY(alice->submit(u"/top"_s));
    QCOMPARE(quiz.count(), 1);

    // In a chat window, quit and exit alone are words; leaving is /quit.
    QSignalSpy leaving(alice.get(), &ChatClient::leaveCommanded);
    for (const QString &word : {u"quit"_s, u"exit"_s, u"QUIT"_s}) {
        QVERIFY(alice->submit(word));
    }
    QTRY_VERIFY(hasRow(*bob, ChatEntry::Kind::Message, u"QUIT"_s));
    QVERIFY(hasRow(*bob, ChatEntry::Kind::Message, u"quit"_s));
    QVERIFY(alice->isOnline());
    QCOMPARE(leaving.count(), 0);
    QVERIFY(alice->submit(u"/quit"_s));
    QCOMPARE(leaving.count(), 1);
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
    QTRY_VERIFY(hasRowIn(
        alice->conversations()->direct(u"alice"_s), ChatEntry::Kind::Private, u"note to self"_s));

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

void tst_ChatClient::laterGuestWithTheNameSeesNoPrivateMessages()
{
    // The finding: signing in as bob showed the previous bob's private messages, including the
    // ones he had sent to carol.
    auto carol = online(u"carol"_s);
    QVERIFY(carol);
    {
        auto bob = online(u"bob"_s);
        QVERIFY(bob);
        QVERIFY(bob->submit(u"/msg carol bob's secret to carol"_s));
        QVERIFY(carol->submit(u"/msg bob carol's secret to bob"_s));
        QTRY_VERIFY(hasRowIn(bob->conversations()->direct(u"carol"_s), ChatEntry::Kind::Private,
            u"carol's secret to bob"_s));
        bob->setCurrent(bob->general());
        QVERIFY(bob->say(u"everyone may read this"_s));
        QTRY_COMPARE(bob->messages()->pendingCount(), 0);
        bob->leave();
    }
    auto later = online(u"bob"_s);
    QVERIFY(later);
    QTRY_VERIFY(hasRow(*later, ChatEntry::Kind::Message, u"everyone may read this"_s));
    QCOMPARE(countKind(*later, ChatEntry::Kind::Private), 0);
    QCOMPARE(later->conversations()->all().size(), 1); // no conversation with carol
    // Opened, the conversation with carol (still online) is empty.
    later->setCurrent(later->openDirect(u"carol"_s));
    QTRY_COMPARE(later->current()->history(), Conversation::Fetch::Loaded);
    QCOMPARE(later->messages()->rowCount(), 0);
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

void tst_ChatClient::signInKeepsTheTokenForTheNextStart()
{
    startAccountServer();
    const QString password = u"correct horse"_s;
    QVERIFY(makeAccount(u"alice"_s, password));

    ChatClient first;
    QSignalSpy account(&first, &ChatClient::accountChanged);
    QVERIFY(account.isValid());
    first.signIn(u"127.0.0.1"_s, m_port, u"alice"_s, password);
    QTRY_VERIFY(first.isOnline());
    QVERIFY(first.isAccount());
    QCOMPARE(account.count(), 1);
    QVERIFY(account.at(0).at(0).toBool());
    QVERIFY(hasRow(
        first, ChatEntry::Kind::Notice, u"Signed in to 127.0.0.1:%1 as alice."_s.arg(m_port)));
    const QString token = first.connection().token();
    QVERIFY(!token.isEmpty());
    QTRY_COMPARE(storedToken(u"alice"_s), token);

    // The file holds the token and never the password; only its owner may read it.
    QFile file(first.credentials().filePath());
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    QVERIFY(bytes.contains(token.toLatin1()));
    QVERIFY(!bytes.contains(password.toUtf8()));
    struct stat info = {};
    QCOMPARE(::stat(QFile::encodeName(file.fileName()).constData(), &info), 0);
    QCOMPARE(info.st_mode & 0777, mode_t(0600));
    first.leave();

    // The next start: no password, the name as typed in any case.
    ChatClient next;
    next.connection().setRetryDelays(50, 200);
    QSignalSpy missing(&next, &ChatClient::savedSignInMissing);
    next.resumeSession(u"127.0.0.1"_s, m_port, u"Alice"_s);
    QTRY_VERIFY(next.isOnline());
    QCOMPARE(missing.count(), 0);
    QVERIFY(next.isAccount());
    QCOMPARE(next.name(), u"alice"_s);

    // A reconnect after a server restart comes back with the token too (as a guest name alone
    // it would be refused: alice is an account).
    const quint16 port = m_port;
    QSignalSpy refused(&next, &ChatClient::registrationRefused);
    m_server->shutdown();
    QTRY_COMPARE(next.state(), State::Reconnecting);
    startAccountServer(port);
    QTRY_VERIFY_WITH_TIMEOUT(next.isOnline(), 15000);
    QVERIFY(next.isAccount());
    QCOMPARE(refused.count(), 0);
    QVERIFY(hasRow(next, ChatEntry::Kind::Notice, u"Reconnected as alice."_s));

    // Nothing kept for someone else.
    ChatClient stranger;
    QSignalSpy strangerMissing(&stranger, &ChatClient::savedSignInMissing);
    stranger.resumeSession(u"127.0.0.1"_s, m_port, u"bob"_s);
    QTRY_COMPARE(strangerMissing.count(), 1);
    QCOMPARE(stranger.state(), State::Disconnected);
}

void tst_ChatClient::createAccountFromTheStart()
{
    startAccountServer();
    auto watcher = online(u"watcher"_s);
    QVERIFY(watcher);
    ChatClient carol;
    QSignalSpy created(&carol, &ChatClient::accountCreated);
    QSignalSpy states(&carol, &ChatClient::stateChanged);
    carol.createAccount(u"127.0.0.1"_s, m_port, u"carol"_s, u"a long password"_s);
    QTRY_VERIFY(carol.isOnline());
    QCOMPARE(created.count(), 1);
    QVERIFY(carol.isAccount());
    // Online only once the account existed.
    QCOMPARE(states.at(states.count() - 1).at(0).value<State>(), State::Online);
    QTRY_VERIFY(hasRow(carol, ChatEntry::Kind::Notice,
        u"carol is now an account: sign in with its password from any computer."_s));
    QTRY_COMPARE(storedToken(u"carol"_s), carol.connection().token());
    QTRY_COMPARE(watcher->users()->names(), (QStringList{u"carol"_s, u"watcher"_s}));

    // The name is an account now: no guest may take it, the password signs in.
    carol.leave();
    QTRY_COMPARE(watcher->users()->names(), QStringList{u"watcher"_s});
    ChatClient guest;
    QSignalSpy refused(&guest, &ChatClient::registrationRefused);
    guest.connectToServer(u"127.0.0.1"_s, m_port, u"carol"_s);
    QTRY_COMPARE(refused.count(), 1);
    QCOMPARE(refused.at(0).at(0).toString(), u"auth_required"_s);
    QVERIFY(signedIn(u"carol"_s, u"a long password"_s));

    // A password the server would not take is refused before anyone sees dave come and go.
    ChatClient dave;
    QSignalSpy daveRefused(&dave, &ChatClient::registrationRefused);
    dave.createAccount(u"127.0.0.1"_s, m_port, u"dave"_s, u"short"_s);
    QCOMPARE(daveRefused.count(), 0); // answered later, like the server's refusals
    QTRY_COMPARE(daveRefused.count(), 1);
    QCOMPARE(daveRefused.at(0).at(0).toString(), u"weak_password"_s);
    QCOMPARE(dave.state(), State::Disconnected);
    auto marker = online(u"marker"_s);
    QVERIFY(marker);
    QTRY_VERIFY(watcher->users()->names().contains(u"marker"_s));
    for (int row = 0; row < watcher->messages()->rowCount(); ++row) {
        QVERIFY(watcher->messages()->entry(row).from != u"dave"_s);
    }
}

void tst_ChatClient::guestBecomesAnAccount()
{
    startAccountServer();
    auto gina = online(u"gina"_s);
    QVERIFY(gina);
    QVERIFY(!gina->isAccount());
    QVERIFY(!gina->changePassword(u"x"_s, u"yyyyyyyy"_s)); // guests have none
    QSignalSpy failed(gina.get(), &ChatClient::accountRequestFailed);
    QSignalSpy created(gina.get(), &ChatClient::accountCreated);
    QSignalSpy account(gina.get(), &ChatClient::accountChanged);
    QVERIFY(gina->registerAccount(u"short"_s));
    QTRY_COMPARE(failed.count(), 1);
    QCOMPARE(failed.at(0).at(0).toString(), u"weak_password"_s);
    QVERIFY(!gina->isAccount());

    QVERIFY(gina->registerAccount(u"much longer"_s));
    QVERIFY(!gina->registerAccount(u"much longer"_s)); // one request at a time
    QTRY_COMPARE(created.count(), 1);
    QVERIFY(gina->isAccount());
    QCOMPARE(account.count(), 1);
    QTRY_COMPARE(storedToken(u"gina"_s), gina->connection().token());
    QVERIFY(!gina->connection().token().isEmpty());
    QVERIFY(!gina->registerAccount(u"much longer"_s)); // an account already
    QCOMPARE(failed.count(), 1);
}

void tst_ChatClient::refusedSignInsAreReported()
{
    startAccountServer();
    QVERIFY(makeAccount(u"alice"_s, u"the right one"_s));
    ChatClient client;
    QSignalSpy refused(&client, &ChatClient::registrationRefused);
    client.signIn(u"127.0.0.1"_s, m_port, u"alice"_s, u"the wrong one"_s);
    QTRY_COMPARE(refused.count(), 1);
    QCOMPARE(refused.at(0).at(0).toString(), u"auth_failed"_s);
    QCOMPARE(client.state(), State::Disconnected);
    QCOMPARE(client.connection().token(), QString());
    QCOMPARE(storedToken(u"alice"_s), QString());

    // An unknown name gets the same answer; an account's name without a password another.
    client.signIn(u"127.0.0.1"_s, m_port, u"nobody"_s, u"whatever1"_s);
    QTRY_COMPARE(refused.count(), 2);
    QCOMPARE(refused.at(1).at(0).toString(), u"auth_failed"_s);
    client.connectToServer(u"127.0.0.1"_s, m_port, u"ALICE"_s);
    QTRY_COMPARE(refused.count(), 3);
    QCOMPARE(refused.at(2).at(0).toString(), u"auth_required"_s);

    // A server without guests says so.
    m_server.reset();
    ServerConfig config;
    config.bindAddress = QHostAddress::LocalHost;
    config.port = 0;
    config.guestsAllowed = false;
    config.databaseLocation = m_databaseDir->filePath(u"natter.db"_s);
    m_server = std::make_unique<ChatServer>(config);
    QVERIFY(m_server->start());
    client.connectToServer(u"127.0.0.1"_s, m_server->serverPort(), u"newcomer"_s);
    QTRY_COMPARE(refused.count(), 4);
    QCOMPARE(refused.at(3).at(0).toString(), u"guests_disabled"_s);
}

void tst_ChatClient::tooManyAttemptsAreReported()
{
    startAccountServer();
    QVERIFY(makeAccount(u"alice"_s, u"the right one"_s));
    ChatClient client;
    QSignalSpy refused(&client, &ChatClient::registrationRefused);
    // Five wrong guesses are free; then the server makes the guesser wait.
    for (int attempt = 1; attempt <= 6; ++attempt) {
        client.signIn(u"127.0.0.1"_s, m_port, u"alice"_s, u"guess %1"_s.arg(attempt));
        QTRY_COMPARE(refused.count(), attempt);
    }
    QCOMPARE(refused.at(4).at(0).toString(), u"auth_failed"_s);
    QCOMPARE(refused.at(5).at(0).toString(), u"too_many_attempts"_s);
    QVERIFY2(refused.at(5).at(1).toString().contains(u"try again in"_s),
        qPrintable(refused.at(5).at(1).toString()));
}

void tst_ChatClient::passwordChangeElsewhereEndsTheSession()
{
    startAccountServer();
    QVERIFY(makeAccount(u"alice"_s, u"first password"_s));
    auto alice = signedIn(u"alice"_s, u"first password"_s);
    QVERIFY(alice);
    QTRY_VERIFY(!storedToken(u"alice"_s).isEmpty());
    QSignalSpy ended(alice.get(), &ChatClient::sessionEnded);

    // Alice, on another computer, changes her password.
    TestClient elsewhere;
    QVERIFY(elsewhere.connectTo(m_port));
    elsewhere.send(Frames::helloWithPassword(u"alice"_s, u"first password"_s));
    QVERIFY(elsewhere.waitForFrames(u"welcome"_s, 1));
    elsewhere.send(Frames::passwordChange(u"first password"_s, u"second password"_s));
    QVERIFY(elsewhere.waitForFrames(u"password_changed"_s, 1));

    QTRY_COMPARE(ended.count(), 1);
    QCOMPARE(ended.at(0).at(0).value<ChatClient::SessionEnd>(), ChatClient::SessionEnd::Revoked);
    QCOMPARE(alice->state(), State::Disconnected);
    QCOMPARE(alice->connection().nextRetryMs(), -1); // no reconnecting with a dead token
    QVERIFY(hasRow(*alice, ChatEntry::Kind::Error,
        u"Signed out: the password of alice was changed elsewhere."_s));
    QTRY_COMPARE(storedToken(u"alice"_s), QString());
}

void tst_ChatClient::refusedSavedTokenIsForgotten()
{
    startAccountServer();
    QVERIFY(makeAccount(u"alice"_s, u"first password"_s));
    QString oldToken;
    {
        auto alice = signedIn(u"alice"_s, u"first password"_s);
        QVERIFY(alice);
        oldToken = alice->connection().token();
        alice->leave();
    }
    QTRY_COMPARE(storedToken(u"alice"_s), oldToken);
    // While this computer was off, the password changed elsewhere: the kept token is dead.
    {
        auto elsewhere = signedIn(u"alice"_s, u"first password"_s);
        QVERIFY(elsewhere);
        QTRY_VERIFY(storedToken(u"alice"_s) != oldToken); // (it shares this store)
        QVERIFY(elsewhere->changePassword(u"first password"_s, u"second password"_s));
        QSignalSpy changed(elsewhere.get(), &ChatClient::passwordChanged);
        QTRY_COMPARE(changed.count(), 1);
        elsewhere->credentials().write(elsewhere->credentialKey(), oldToken);
        elsewhere->leave();
    }
    QTRY_COMPARE(storedToken(u"alice"_s), oldToken);

    ChatClient next;
    QSignalSpy ended(&next, &ChatClient::sessionEnded);
    next.resumeSession(u"127.0.0.1"_s, m_port, u"alice"_s);
    QTRY_COMPARE(ended.count(), 1);
    QCOMPARE(
        ended.at(0).at(0).value<ChatClient::SessionEnd>(), ChatClient::SessionEnd::TokenRejected);
    QCOMPARE(next.state(), State::Disconnected);
    QTRY_COMPARE(storedToken(u"alice"_s), QString());
}

void tst_ChatClient::signOutRevokesTheToken()
{
    startAccountServer();
    QVERIFY(makeAccount(u"alice"_s, u"first password"_s));
    auto watcher = online(u"watcher"_s);
    auto alice = signedIn(u"alice"_s, u"first password"_s);
    QVERIFY(alice && watcher);
    const QString token = alice->connection().token();
    QTRY_COMPARE(storedToken(u"alice"_s), token);
    QSignalSpy ended(alice.get(), &ChatClient::sessionEnded);
    alice->signOut();
    QTRY_COMPARE(ended.count(), 1);
    QCOMPARE(ended.at(0).at(0).value<ChatClient::SessionEnd>(), ChatClient::SessionEnd::SignedOut);
    QCOMPARE(alice->state(), State::Disconnected);
    QVERIFY(hasRow(*alice, ChatEntry::Kind::Notice, u"You signed out."_s));
    QTRY_COMPARE(storedToken(u"alice"_s), QString());
    QTRY_VERIFY(hasRow(*watcher, ChatEntry::Kind::Left, u"quit"_s));

    // The server forgot the token too.
    TestClient thief;
    QVERIFY(thief.connectTo(m_port));
    thief.send(Frames::helloWithToken(token));
    QVERIFY(thief.waitForFrames(u"error"_s, 1));
    QCOMPARE(thief.lastOfType(u"error"_s).value("code"_L1).toString(), u"auth_failed"_s);

    // Signing out while offline forgets the token here.
    auto again = signedIn(u"alice"_s, u"first password"_s);
    QVERIFY(again);
    QTRY_VERIFY(!storedToken(u"alice"_s).isEmpty());
    again->leave();
    QSignalSpy endedAgain(again.get(), &ChatClient::sessionEnded);
    again->signOut();
    QTRY_COMPARE(endedAgain.count(), 1);
    QTRY_COMPARE(storedToken(u"alice"_s), QString());
}

void tst_ChatClient::changePassword()
{
    startAccountServer();
    QVERIFY(makeAccount(u"alice"_s, u"first password"_s));
    auto alice = signedIn(u"alice"_s, u"first password"_s);
    QVERIFY(alice);
    const QString token = alice->connection().token();
    QSignalSpy failed(alice.get(), &ChatClient::accountRequestFailed);
    QSignalSpy changed(alice.get(), &ChatClient::passwordChanged);
    QSignalSpy ended(alice.get(), &ChatClient::sessionEnded);

    QVERIFY(alice->changePassword(u"not the password"_s, u"second password"_s));
    QTRY_COMPARE(failed.count(), 1);
    QCOMPARE(failed.at(0).at(0).toString(), u"auth_failed"_s);
    QVERIFY(alice->changePassword(u"first password"_s, u"short"_s));
    QTRY_COMPARE(failed.count(), 2);
    QCOMPARE(failed.at(1).at(0).toString(), u"weak_password"_s);

    QVERIFY(alice->changePassword(u"first password"_s, u"second password"_s));
    QTRY_COMPARE(changed.count(), 1);
    QVERIFY(hasRow(*alice, ChatEntry::Kind::Notice,
        u"Your password was changed; your other sign-ins were signed out."_s));
    // This sign-in goes on with its token.
    QVERIFY(alice->isOnline());
    QCOMPARE(alice->connection().token(), token);
    QCOMPARE(ended.count(), 0);
    QVERIFY(signedIn(u"alice"_s, u"second password"_s));
    ChatClient old;
    QSignalSpy refused(&old, &ChatClient::registrationRefused);
    old.signIn(u"127.0.0.1"_s, m_port, u"alice"_s, u"first password"_s);
    QTRY_COMPARE(refused.count(), 1);
    QCOMPARE(refused.at(0).at(0).toString(), u"auth_failed"_s);
}

void tst_ChatClient::waitingPrivateMessagesDoNotHideTheHistory()
{
    // The finding: the welcome of an account with private messages waiting says "replayed"
    // without any since, and the client took it for a resume: no history, ever.
    startAccountServer();
    QVERIFY(makeAccount(u"alice"_s, u"first password"_s));
    auto bob = online(u"bob"_s);
    QVERIFY(bob);
    for (int i = 1; i <= 60; ++i) {
        bob->say(u"public %1"_s.arg(i));
    }
    QVERIFY(bob->sendPrivate(u"alice"_s, u"while you were away"_s));
    QTRY_COMPARE(bob->conversations()->direct(u"alice"_s)->messages()->pendingCount(), 0);

    auto alice = signedIn(u"alice"_s, u"first password"_s);
    QVERIFY(alice);
    QTRY_VERIFY(hasRowIn(alice->conversations()->direct(u"bob"_s), ChatEntry::Kind::Private,
        u"while you were away"_s));
    QTRY_VERIFY(hasRow(*alice, ChatEntry::Kind::Message, u"public 60"_s));
    QVERIFY(alice->hasOlder());
    QVERIFY(!hasRow(*alice, ChatEntry::Kind::Message, u"public 1"_s));
    QVERIFY(alice->fetchOlder());
    QTRY_VERIFY(hasRow(*alice, ChatEntry::Kind::Message, u"public 1"_s));
    alice->setCurrent(alice->conversations()->direct(u"bob"_s));
    QTRY_COMPARE(alice->current()->history(), Conversation::Fetch::Loaded);
    QCOMPARE(countText(*alice, u"while you were away"_s), 1); // live and in history: shown once
    alice->setCurrent(alice->general());
    QVERIFY(hasRow(
        *alice, ChatEntry::Kind::Notice, u"Signed in to 127.0.0.1:%1 as alice."_s.arg(m_port)));
}

void tst_ChatClient::droppedConnectionEndsAnAccountRequest()
{
    // The finding: a password change whose answer the dropped connection took stayed pending
    // for good, and every later one was refused on the spot.
    startAccountServer();
    QVERIFY(makeAccount(u"alice"_s, u"first password"_s));
    TcpProxy proxy(m_port);
    auto alice = signedIn(u"alice"_s, u"first password"_s, proxy.port());
    QVERIFY(alice);
    QSignalSpy failed(alice.get(), &ChatClient::accountRequestFailed);
    QSignalSpy changed(alice.get(), &ChatClient::passwordChanged);

    QVERIFY(alice->changePassword(u"first password"_s, u"second password"_s));
    proxy.cutAll(); // before the request leaves this process: the server never sees it
    QTRY_COMPARE(failed.count(), 1);
    QCOMPARE(failed.at(0).at(0).toString(), QString());
    QVERIFY(failed.at(0).at(1).toString().contains(u"connection was lost"_s));

    QTRY_VERIFY_WITH_TIMEOUT(alice->isOnline(), 10000);
    QVERIFY(alice->changePassword(u"first password"_s, u"second password"_s));
    QTRY_COMPARE(changed.count(), 1);
    QCOMPARE(failed.count(), 1);
}

void tst_ChatClient::signOutSurvivesADroppedConnection()
{
    // The finding: logout went out on a connection that was dropping, the client came back
    // online with the same token, and the server never revoked it.
    startAccountServer();
    QVERIFY(makeAccount(u"alice"_s, u"first password"_s));
    TcpProxy proxy(m_port);
    auto alice = signedIn(u"alice"_s, u"first password"_s, proxy.port());
    QVERIFY(alice);
    const QString token = alice->connection().token();
    QTRY_COMPARE(storedToken(u"alice"_s, proxy.port()), token);
    QSignalSpy ended(alice.get(), &ChatClient::sessionEnded);

    alice->signOut();
    proxy.cutAll(); // the logout is lost with the connection
    QTRY_COMPARE_WITH_TIMEOUT(ended.count(), 1, 10000);
    QCOMPARE(ended.at(0).at(0).value<ChatClient::SessionEnd>(), ChatClient::SessionEnd::SignedOut);
    QCOMPARE(ended.at(0).at(1).toString(), u"logout"_s); // the server's bye, not the timeout
    QCOMPARE(alice->state(), State::Disconnected);
    QCOMPARE(alice->connection().nextRetryMs(), -1);
    QTRY_COMPARE(storedToken(u"alice"_s, proxy.port()), QString());

    TestClient thief;
    QVERIFY(thief.connectTo(m_port));
    thief.send(Frames::helloWithToken(token));
    QVERIFY(thief.waitForFrames(u"error"_s, 1));
    QCOMPARE(thief.lastOfType(u"error"_s).value("code"_L1).toString(), u"auth_failed"_s);
}

void tst_ChatClient::signOutWhileReconnecting()
{
    // The finding: signing out while reconnecting deleted whatever token was kept, a newer
    // one of another sign-in too, and revoked nothing.
    startAccountServer();
    QVERIFY(makeAccount(u"alice"_s, u"first password"_s));
    TcpProxy proxy(m_port);
    auto alice = signedIn(u"alice"_s, u"first password"_s, proxy.port());
    QVERIFY(alice);
    const QString token = alice->connection().token();
    QTRY_COMPARE(storedToken(u"alice"_s, proxy.port()), token);
    proxy.setRefusing(true);
    proxy.cutAll();
    QTRY_COMPARE(alice->state(), State::Reconnecting);

    // Meanwhile another sign-in on this computer keeps a newer token (the store is shared;
    // this one came by another way, so it is put where alice's own is).
    auto elsewhere = signedIn(u"alice"_s, u"first password"_s);
    QVERIFY(elsewhere);
    const QString newer = elsewhere->connection().token();
    elsewhere->credentials().write(alice->credentialKey(), newer);
    QTRY_COMPARE(storedToken(u"alice"_s, proxy.port()), newer);

    QSignalSpy ended(alice.get(), &ChatClient::sessionEnded);
    alice->signOut();
    QCOMPARE(ended.count(), 0); // waits to tell the server
    proxy.setRefusing(false);
    QTRY_COMPARE_WITH_TIMEOUT(ended.count(), 1, 10000);
    QCOMPARE(ended.at(0).at(0).value<ChatClient::SessionEnd>(), ChatClient::SessionEnd::SignedOut);
    QCOMPARE(ended.at(0).at(1).toString(), u"logout"_s);
    QCOMPARE(storedToken(u"alice"_s, proxy.port()), newer); // the other sign-in's token stays

    TestClient thief;
    QVERIFY(thief.connectTo(m_port));
    thief.send(Frames::helloWithToken(token));
    QVERIFY(thief.waitForFrames(u"error"_s, 1));
    QCOMPARE(thief.lastOfType(u"error"_s).value("code"_L1).toString(), u"auth_failed"_s);
    QVERIFY(elsewhere->isOnline());
}

void tst_ChatClient::newPasswordRules_data()
{
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("repeat");
    QTest::addColumn<ChatClient::PasswordProblem>("problem");
    using P = ChatClient::PasswordProblem;
    QTest::newRow("good") << u"eight ch"_s << u"eight ch"_s << P::None;
    QTest::newRow("seven") << u"seven c"_s << u"seven c"_s << P::TooShort;
    QTest::newRow("differs") << u"eight ch"_s << u"eight cH"_s << P::Mismatch;
    // Eight emoji are eight characters (sixteen UTF-16 units, 32 bytes).
    QTest::newRow("emoji") << u"🙂🙂🙂🙂🙂🙂🙂🙂"_s
                           << u"🙂🙂🙂🙂🙂🙂🙂🙂"_s << P::None;
    QTest::newRow("four emoji") << u"🙂🙂🙂🙂"_s << u"🙂🙂🙂🙂"_s << P::TooShort;
    QTest::newRow("1024 bytes") << QString(1024, u'x') << QString(1024, u'x') << P::None;
    QTest::newRow("1025 bytes") << QString(1025, u'x') << QString(1025, u'x') << P::TooLong;
    QTest::newRow("342 × 3 bytes") << QString(342, u'€') << QString(342, u'€') << P::TooLong;
}

void tst_ChatClient::newPasswordRules()
{
    QFETCH(QString, password);
    QFETCH(QString, repeat);
    QFETCH(ChatClient::PasswordProblem, problem);
    QCOMPARE(ChatClient::checkNewPassword(password, repeat), problem);
}

void tst_ChatClient::moderatorsNoticesAndAKick()
{
    startAccountServer();
    QVERIFY(makeAccount(u"olive"_s, u"olive password"_s));
    {
        auto opened = MessageStore::open(
            {m_databaseDir->filePath(u"natter.db"_s), false, 0, false}); // beside the server
        QVERIFY(std::holds_alternative<std::unique_ptr<MessageStore>>(opened));
        MessageStore &store = *std::get<std::unique_ptr<MessageStore>>(opened);
        QVERIFY(store.accounts().setRole(
            store.accounts().account(u"olive"_s)->id, Protocol::Role::Admin));
    }
    // The welcome says so.
    {
        auto shown = signedIn(u"olive"_s, u"olive password"_s);
        QVERIFY(shown);
        QVERIFY(hasRow(*shown, ChatEntry::Kind::Notice,
            u"You are an admin here: /help lists the moderators' commands."_s));
    }
    TestClient olive;
    QVERIFY(olive.connectTo(m_port));
    olive.send(Frames::helloWithPassword(u"olive"_s, u"olive password"_s));
    QVERIFY(olive.waitForFrames(u"welcome"_s, 1));
    auto bob = online(u"bob"_s);
    QVERIFY(bob);
    QSignalSpy removed(bob.get(), &ChatClient::removed);
    QVERIFY(removed.isValid());

    // An announcement and a refused command show in the chat, where the person is looking.
    olive.send(Frames::announce(u"restart at noon"_s));
    QTRY_VERIFY(
        hasRow(*bob, ChatEntry::Kind::Notice, u"Announcement from olive: restart at noon"_s));
    QVERIFY(bob->submit(u"/kick olive"_s));
    QTRY_VERIFY(
        hasRow(*bob, ChatEntry::Kind::Error, u"only moderators, admins and owners may kick"_s));

    // Put out of a room by its owner: the room goes from the list, the client stays.
    olive.send(Frames::create(u"dev"_s, false));
    QVERIFY(olive.waitForFrames(u"room"_s, 1));
    QVERIFY(bob->joinRoom(u"dev"_s));
    QTRY_VERIFY(bob->conversations()->room(u"dev"_s) && bob->current()->name() == u"dev"_s);
    olive.send(Frames::kick(u"bob"_s, u"off topic"_s, u"dev"_s));
    QTRY_VERIFY(!bob->conversations()->room(u"dev"_s));
    QTRY_VERIFY(
        hasRow(*bob, ChatEntry::Kind::Error, u"bob was put out of #dev by olive: off topic"_s));
    QVERIFY(bob->isOnline());

    // A kick: the person's own notice says who and why, and the client does not come back.
    olive.send(Frames::kick(u"bob"_s, u"spam"_s));
    QTRY_COMPARE(removed.count(), 1);
    QCOMPARE(removed.at(0).at(0).toString(), u"kicked"_s);
    QCOMPARE(removed.at(0).at(1).toString(), u"You were kicked by olive: spam"_s);
    QVERIFY(hasRow(*bob, ChatEntry::Kind::Error, u"You were kicked by olive: spam"_s));
    QCOMPARE(bob->state(), State::Disconnected);
    QCOMPARE(bob->connection().nextRetryMs(), -1); // no reconnecting is scheduled
}

QTEST_GUILESS_MAIN(tst_ChatClient)
#include "tst_chatclient.moc"

#include "chatclient.h"
#include "frames.h"

#include "tcpproxy.h"
#include "testclient.h"
#include "testserver.h"

#include <QFile>
#include <QFont>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;

// Rooms and private conversations in the client core, against a real server with a real SQLite
// file: each message lands in its own conversation and nowhere else, unread counts and mentions
// per conversation, read markers that follow an account to its other devices, joining,
// creating, inviting, topics, parting (here and on another device), history per conversation,
// and resuming across rooms after the connection drops; a big room's presence frames.
class tst_Conversations : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void messagesLandInTheirRoomOnly();
    void unreadAndMentionsPerRoom();
    void openingARoomMarksItRead();
    void readMarkersFollowTheAccount();
    void joinAndLeaveNoticesAreNotUnread();
    void privateRoomByInvitation();
    void privateRoomsAreMarkedAtSignIn();
    void partingRemovesTheRoomEverywhere();
    void historyPagesPerConversation();
    void directConversationsAreRemembered();
    void resumeAcrossRooms();
    void mutedRoomsStayQuietAndStayMuted();
    void roomCommandsNeedARoom();
    void refusedRequestsAreAskedAgain();
    void partingGeneralSticks();
    void unsentIsNotSentUnderTheNextSignIn();
    void signingOutLeavesNothingOnScreen();
    void oneAccountsChoicesAreNotTheNextOnes();
    void readWhileOfflineReachesTheServer();
    void aGuestKeepsItsRoomsAcrossAReconnect();
    void typedRoomsAnswerInTheChat();
    void bigRoomsUpdateMembersFromPresence();

private:
    std::unique_ptr<ChatClient> guest(const QString &name, quint16 port = 0);
    std::unique_ptr<ChatClient> account(const QString &name, quint16 port = 0);
    // Joins room and waits until the client shows it.
    static bool join(ChatClient &client, const QString &room);
    static bool hasText(const Conversation *conversation, const QString &text);

    QTemporaryDir m_home; // XDG_DATA_HOME and XDG_CONFIG_HOME: sign-ins and remembered chats
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ChatServer> m_server;
    QSet<QString> m_accounts;
};

namespace {

const QString Password = u"correct horse"_s;

} // namespace

void tst_Conversations::initTestCase()
{
    QVERIFY(m_home.isValid());
    qputenv("XDG_DATA_HOME", QFile::encodeName(m_home.filePath(u"data"_s)));
    qputenv("XDG_CONFIG_HOME", QFile::encodeName(m_home.filePath(u"config"_s)));
    qputenv("NATTER_CREDENTIAL_STORE", "file");
}

void tst_Conversations::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_server = startTestServer(*m_dir, ServerConfig{});
    QVERIFY(m_server);
    m_accounts.clear();
}

void tst_Conversations::cleanup()
{
    m_server.reset();
    m_dir.reset();
}

std::unique_ptr<ChatClient> tst_Conversations::guest(const QString &name, quint16 port)
{
    auto client = std::make_unique<ChatClient>();
    client->connection().setRetryDelays(50, 200);
    client->connectToServer(u"127.0.0.1"_s, port ? port : m_server->serverPort(), name);
    if (!QTest::qWaitFor([&] { return client->isOnline(); }, 10000)) {
        return nullptr;
    }
    return client;
}

std::unique_ptr<ChatClient> tst_Conversations::account(const QString &name, quint16 port)
{
    if (!m_accounts.contains(name)) {
        TestClient maker;
        if (!maker.join(m_server->serverPort(), name)) {
            return nullptr;
        }
        maker.send(Frames::registerRequest(Password));
        if (!maker.waitForFrames(u"registered"_s, 1)) {
            return nullptr;
        }
        maker.send(Frames::quit());
        if (!maker.waitForDisconnected()) {
            return nullptr;
        }
        m_accounts.insert(name);
    }
    auto client = std::make_unique<ChatClient>();
    client->connection().setRetryDelays(50, 200);
    client->signIn(u"127.0.0.1"_s, port ? port : m_server->serverPort(), name, Password);
    if (!QTest::qWaitFor([&] { return client->isOnline(); }, 10000)) {
        return nullptr;
    }
    return client;
}

bool tst_Conversations::join(ChatClient &client, const QString &room)
{
    if (!client.joinRoom(room)) {
        return false;
    }
    return QTest::qWaitFor([&] {
        return client.current()->key() == room
            && client.current()->history() == Conversation::Fetch::Loaded;
    });
}

bool tst_Conversations::hasText(const Conversation *conversation, const QString &text)
{
    if (!conversation) {
        return false;
    }
    for (int row = 0; row < conversation->messages()->rowCount(); ++row) {
        if (conversation->messages()->entry(row).text == text) {
            return true;
        }
    }
    return false;
}

void tst_Conversations::messagesLandInTheirRoomOnly()
{
    auto alice = guest(u"alice"_s);
    auto bob = guest(u"bob"_s);
    auto carol = guest(u"carol"_s);
    QVERIFY(alice && bob && carol);
    QVERIFY(join(*alice, u"dev"_s));
    QCOMPARE(alice->current()->name(), u"dev"_s);
    QVERIFY(join(*bob, u"dev"_s));
    bob->setCurrent(bob->general());

    QVERIFY(alice->say(u"about the build"_s)); // dev is alice's current room
    Conversation *bobsDev = bob->conversations()->room(u"dev"_s);
    QTRY_VERIFY(hasText(bobsDev, u"about the build"_s));
    QVERIFY(hasText(alice->current(), u"about the build"_s));
    QVERIFY(!hasText(bob->general(), u"about the build"_s));
    alice->setCurrent(alice->general());
    QVERIFY(alice->say(u"to everyone"_s));
    QTRY_VERIFY(hasText(carol->general(), u"to everyone"_s));
    QVERIFY(hasText(bob->general(), u"to everyone"_s));
    QVERIFY(!hasText(carol->general(), u"about the build"_s));
    QCOMPARE(carol->conversations()->room(u"dev"_s), nullptr);
    QVERIFY(!hasText(bobsDev, u"to everyone"_s));
    // The sidebar: a heading, dev and general by name, a heading.
    QCOMPARE(bob->conversations()->rowCount(), 4);
    QCOMPARE(bob->conversations()->index(1).data(ConversationList::NameRole).toString(), u"dev"_s);
    QCOMPARE(
        bob->conversations()->index(2).data(ConversationList::NameRole).toString(), u"general"_s);
    // Its members: who joined it, and later arrivals.
    QTRY_COMPARE(bobsDev->members()->names(), (QStringList{u"alice"_s, u"bob"_s}));
    QVERIFY(join(*carol, u"dev"_s));
    QTRY_COMPARE(bobsDev->members()->names(), (QStringList{u"alice"_s, u"bob"_s, u"carol"_s}));
}

void tst_Conversations::unreadAndMentionsPerRoom()
{
    auto alice = guest(u"alice"_s);
    auto bob = guest(u"bob"_s);
    QVERIFY(alice && bob);
    QVERIFY(join(*alice, u"dev"_s));
    QVERIFY(join(*bob, u"dev"_s));
    bob->setCurrent(bob->general());
    Conversation *dev = bob->conversations()->room(u"dev"_s);
    QSignalSpy attention(bob.get(), &ChatClient::attention);
    QSignalSpy total(bob->conversations(), &ConversationList::totalUnreadChanged);

    alice->say(u"one"_s);
    alice->say(u"two"_s);
    QTRY_COMPARE(dev->unread(), 2);
    QVERIFY(!dev->hasMention());
    QCOMPARE(bob->general()->unread(), 0);
    QCOMPARE(bob->conversations()->totalUnread(), 2);
    QVERIFY(total.count() >= 1);
    QCOMPARE(attention.count(), 0);
    alice->say(u"bob, can you look?"_s);
    QTRY_COMPARE(dev->unread(), 3);
    QVERIFY(dev->hasMention());
    QCOMPARE(attention.count(), 1);
    QCOMPARE(attention.at(0).at(0).toString(), u"alice mentioned you in dev"_s);
    const QModelIndex row = bob->conversations()->indexOf(dev);
    QCOMPARE(row.data(ConversationList::UnreadRole).toInt(), 3);
    QVERIFY(row.data(ConversationList::MentionRole).toBool());
    QVERIFY(row.data(Qt::FontRole).value<QFont>().bold());
    // Messages in the room shown, with the window active, are read as they come.
    alice->setCurrent(alice->general());
    alice->say(u"in general"_s);
    QTRY_VERIFY(hasText(bob->general(), u"in general"_s));
    QCOMPARE(bob->general()->unread(), 0);
    // With the window inactive, they count.
    bob->setViewing(false);
    alice->say(u"while away"_s);
    QTRY_COMPARE(bob->general()->unread(), 1);
    QCOMPARE(bob->conversations()->totalUnread(), 4);
    bob->setViewing(true);
    QCOMPARE(bob->general()->unread(), 0);
    QCOMPARE(bob->conversations()->totalUnread(), 3);
}

void tst_Conversations::openingARoomMarksItRead()
{
    auto alice = guest(u"alice"_s);
    auto bob = guest(u"bob"_s);
    QVERIFY(alice && bob);
    QVERIFY(join(*alice, u"dev"_s));
    QVERIFY(join(*bob, u"dev"_s));
    bob->setCurrent(bob->general());
    Conversation *dev = bob->conversations()->room(u"dev"_s);
    alice->say(u"seen before"_s);
    QTRY_VERIFY(hasText(dev, u"seen before"_s));
    bob->setCurrent(dev);
    bob->setCurrent(bob->general());
    for (const QString &text : {u"first new"_s, u"second new"_s}) {
        alice->say(text);
    }
    QTRY_COMPARE(dev->unread(), 2);
    bob->setCurrent(dev);
    QCOMPARE(dev->unread(), 0);
    // The "new messages" line goes above the first of them.
    const MessageModel *model = dev->messages();
    int marked = -1;
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->index(row).data(MessageModel::UnreadMarkerRole).toBool()) {
            QCOMPARE(marked, -1);
            marked = row;
        }
    }
    QVERIFY(marked >= 0);
    QCOMPARE(model->entry(marked).text, u"first new"_s);
    // Leaving the room takes the line away; nothing is unread when it is next opened.
    bob->setCurrent(bob->general());
    QCOMPARE(model->unreadMarker(), 0);
    bob->setCurrent(dev);
    QCOMPARE(model->unreadMarker(), 0);
}

void tst_Conversations::readMarkersFollowTheAccount()
{
    {
        auto alice = account(u"alice"_s);
        QVERIFY(alice);
        QVERIFY(join(*alice, u"dev"_s));
    }
    auto laptop = account(u"alice"_s);
    QVERIFY(laptop);
    QTRY_VERIFY(laptop->conversations()->room(u"dev"_s)); // from welcome: alice's rooms
    laptop->setViewing(false); // the laptop's window is in the background
    auto bob = guest(u"bob"_s);
    QVERIFY(bob);
    QVERIFY(join(*bob, u"dev"_s));
    for (const QString &text : {u"a"_s, u"b"_s, u"c"_s}) {
        bob->say(text);
    }
    QTRY_COMPARE(laptop->conversations()->room(u"dev"_s)->unread(), 3);
    {
        // Another device signing in now is told the same.
        auto phone = account(u"alice"_s);
        QVERIFY(phone);
        QCOMPARE(phone->conversations()->room(u"dev"_s)->unread(), 3);
        QCOMPARE(phone->general()->unread(), 0);
    }
    laptop->setCurrent(laptop->conversations()->room(u"dev"_s));
    laptop->setViewing(true);
    QTRY_COMPARE(laptop->conversations()->room(u"dev"_s)->unread(), 0); // once its history is in
    // The server is told, and keeps it: a later sign-in finds nothing unread.
    QTRY_VERIFY_WITH_TIMEOUT(
        [this] {
            auto phone = account(u"alice"_s);
            return phone && phone->conversations()->room(u"dev"_s)
                && phone->conversations()->room(u"dev"_s)->unread() == 0;
        }(),
        10000);
}

void tst_Conversations::joinAndLeaveNoticesAreNotUnread()
{
    auto bob = guest(u"bob"_s);
    QVERIFY(bob);
    QVERIFY(join(*bob, u"dev"_s));
    bob->setCurrent(bob->general());
    Conversation *dev = bob->conversations()->room(u"dev"_s);
    auto carol = guest(u"carol"_s);
    QVERIFY(carol);
    QVERIFY(join(*carol, u"dev"_s));
    QTRY_COMPARE(dev->members()->names(), (QStringList{u"bob"_s, u"carol"_s}));
    QCOMPARE(dev->messages()->entry(dev->messages()->rowCount() - 1).kind, ChatEntry::Kind::Joined);
    QCOMPARE(dev->unread(), 0);
    // Hidden: the member list still follows, the view shows no row.
    dev->setShowsPresence(false);
    const int rows = dev->messages()->rowCount();
    auto dave = guest(u"dave"_s);
    QVERIFY(dave);
    QVERIFY(join(*dave, u"dev"_s));
    QTRY_COMPARE(dev->members()->names(), (QStringList{u"bob"_s, u"carol"_s, u"dave"_s}));
    dave.reset();
    QTRY_COMPARE(dev->members()->names(), (QStringList{u"bob"_s, u"carol"_s}));
    QCOMPARE(dev->messages()->rowCount(), rows);
}

void tst_Conversations::privateRoomByInvitation()
{
    auto alice = guest(u"alice"_s);
    auto bob = guest(u"bob"_s);
    QVERIFY(alice && bob);
    QSignalSpy refused(bob.get(), &ChatClient::roomRequestFailed);
    QSignalSpy invited(bob.get(), &ChatClient::invited);
    QVERIFY(alice->createRoom(u"ops"_s, u"on call"_s, true));
    QTRY_COMPARE(alice->current()->key(), u"ops"_s);
    QVERIFY(alice->current()->isPrivate());
    QCOMPARE(alice->current()->topic(), u"on call"_s);

    bob->joinRoom(u"ops"_s);
    QTRY_COMPARE(refused.count(), 1);
    QCOMPARE(refused.at(0).at(0).toString(), u"ops"_s);
    QCOMPARE(refused.at(0).at(1).toString(), u"not_invited"_s);
    QCOMPARE(bob->current(), bob->general());

    QVERIFY(alice->submit(u"/invite bob"_s)); // to the room alice is in
    QTRY_COMPARE(invited.count(), 1);
    QCOMPARE(invited.at(0).at(0).toString(), u"ops"_s);
    QCOMPARE(invited.at(0).at(1).toString(), u"alice"_s);
    QVERIFY(hasText(
        bob->current(), u"alice invited you to the private room ops: /join ops to enter it."_s));
    QVERIFY(bob->submit(u"/join ops"_s));
    QTRY_COMPARE(bob->current()->key(), u"ops"_s);
    QCOMPARE(bob->current()->topic(), u"on call"_s);

    QVERIFY(alice->submit(u"/topic pager rota"_s));
    QTRY_COMPARE(bob->current()->topic(), u"pager rota"_s);
    QVERIFY(hasText(bob->current(), u"alice set the topic: pager rota"_s));
    QVERIFY(bob->submit(u"/topic mine now"_s)); // only the owner may, in a private room
    QTRY_COMPARE(refused.count(), 2);
    QCOMPARE(refused.at(1).at(1).toString(), u"not_owner"_s);
    QCOMPARE(alice->current()->topic(), u"pager rota"_s);
}

void tst_Conversations::privateRoomsAreMarkedAtSignIn()
{
    {
        auto alice = account(u"alice"_s);
        QVERIFY(alice);
        QVERIFY(alice->createRoom(u"ops"_s, u"on call"_s, true));
        QTRY_COMPARE(alice->current()->key(), u"ops"_s);
        QVERIFY(join(*alice, u"dev"_s));
    }
    auto alice = account(u"alice"_s);
    QVERIFY(alice);
    QVERIFY(alice->conversations()->room(u"ops"_s)->isPrivate());
    QCOMPARE(alice->conversations()->room(u"ops"_s)->topic(), u"on call"_s);
    QVERIFY(!alice->conversations()->room(u"dev"_s)->isPrivate());
    QVERIFY(alice->conversations()
                ->indexOf(alice->conversations()->room(u"ops"_s))
                .data(ConversationList::PrivateRole)
                .toBool());
}

void tst_Conversations::partingRemovesTheRoomEverywhere()
{
    auto laptop = account(u"alice"_s);
    QVERIFY(laptop);
    QVERIFY(join(*laptop, u"dev"_s));
    auto phone = account(u"alice"_s);
    QVERIFY(phone);
    QVERIFY(phone->conversations()->room(u"dev"_s));
    QSignalSpy removing(phone->conversations(), &ConversationList::removing);
    QVERIFY(laptop->submit(u"/part"_s)); // the current room, dev
    QTRY_COMPARE(laptop->conversations()->room(u"dev"_s), nullptr);
    QCOMPARE(laptop->current(), laptop->general());
    QTRY_COMPARE(phone->conversations()->room(u"dev"_s), nullptr);
    QCOMPARE(removing.count(), 1);
    // And it stays gone at the next sign-in.
    auto desktop = account(u"alice"_s);
    QVERIFY(desktop);
    QCOMPARE(desktop->conversations()->room(u"dev"_s), nullptr);
    QVERIFY(desktop->conversations()->room(u"general"_s));
}

void tst_Conversations::historyPagesPerConversation()
{
    auto alice = guest(u"alice"_s);
    QVERIFY(alice);
    QVERIFY(join(*alice, u"dev"_s));
    for (int i = 1; i <= 60; ++i) {
        alice->say(u"dev %1"_s.arg(i));
    }
    alice->setCurrent(alice->general());
    alice->say(u"general only"_s);
    QTRY_VERIFY(hasText(alice->general(), u"general only"_s));
    auto bob = guest(u"bob"_s);
    QVERIFY(bob);
    QVERIFY(join(*bob, u"dev"_s));
    Conversation *dev = bob->current();
    QVERIFY(hasText(dev, u"dev 60"_s));
    QVERIFY(!hasText(dev, u"dev 1"_s));
    QVERIFY(!hasText(dev, u"general only"_s));
    QVERIFY(dev->hasOlder());
    QVERIFY(bob->fetchOlder());
    QTRY_VERIFY(hasText(dev, u"dev 1"_s));
    QVERIFY(!dev->hasOlder());
    QVERIFY(!bob->fetchOlder());
    QVERIFY(hasText(bob->general(), u"general only"_s));
    QVERIFY(!hasText(bob->general(), u"dev 60"_s));
}

void tst_Conversations::directConversationsAreRemembered()
{
    auto bob = guest(u"bob"_s);
    QVERIFY(bob);
    {
        auto alice = account(u"alice"_s);
        QVERIFY(alice);
        QVERIFY(alice->submit(u"/msg bob are you there?"_s));
        QTRY_VERIFY(hasText(bob->conversations()->direct(u"alice"_s), u"are you there?"_s));
        QVERIFY(bob->submit(u"/msg alice yes"_s));
        QTRY_VERIFY(hasText(alice->conversations()->direct(u"bob"_s), u"yes"_s));
    }
    auto alice = account(u"alice"_s);
    QVERIFY(alice);
    Conversation *withBob = alice->conversations()->direct(u"bob"_s);
    QVERIFY(withBob); // listed at once, loaded when opened
    QCOMPARE(withBob->history(), Conversation::Fetch::NotAsked);
    alice->setCurrent(withBob);
    QTRY_VERIFY(hasText(withBob, u"yes"_s));
    QVERIFY(hasText(withBob, u"are you there?"_s));
    QVERIFY(!hasText(alice->general(), u"yes"_s));
    // A guest's are not kept: a guest has no past here.
    auto carol = guest(u"carol"_s);
    QVERIFY(carol);
    QCOMPARE(carol->conversations()->all().size(), 1);
}

void tst_Conversations::resumeAcrossRooms()
{
    TcpProxy proxy(m_server->serverPort());
    auto alice = account(u"alice"_s, proxy.port());
    auto bob = guest(u"bob"_s);
    QVERIFY(alice && bob);
    QVERIFY(join(*alice, u"dev"_s));
    QVERIFY(join(*bob, u"dev"_s));
    alice->setCurrent(alice->general());
    proxy.cutAll();
    QTRY_VERIFY(!alice->isOnline());
    bob->say(u"missed in dev"_s);
    bob->setCurrent(bob->general());
    bob->say(u"missed in general"_s);
    bob->submit(u"/msg alice missed in private"_s);
    QTRY_VERIFY(alice->isOnline());
    Conversation *dev = alice->conversations()->room(u"dev"_s);
    QTRY_VERIFY(hasText(dev, u"missed in dev"_s));
    QTRY_VERIFY(hasText(alice->general(), u"missed in general"_s));
    QTRY_VERIFY(hasText(alice->conversations()->direct(u"bob"_s), u"missed in private"_s));
    QVERIFY(!hasText(alice->general(), u"missed in dev"_s));
    QCOMPARE(dev->unread(), 1); // counted once: by the server, not again for the replay
    QCOMPARE(alice->conversations()->direct(u"bob"_s)->unread(), 1);
}

void tst_Conversations::mutedRoomsStayQuietAndStayMuted()
{
    auto alice = guest(u"alice"_s);
    auto bob = guest(u"bob"_s);
    QVERIFY(alice && bob);
    QVERIFY(join(*alice, u"dev"_s));
    QVERIFY(join(*bob, u"dev"_s));
    bob->setCurrent(bob->general());
    Conversation *dev = bob->conversations()->room(u"dev"_s);
    dev->setMuted(true);
    QSignalSpy attention(bob.get(), &ChatClient::attention);
    alice->say(u"bob: muted mention"_s);
    QTRY_COMPARE(dev->unread(), 1);
    QCOMPARE(attention.count(), 0);
    QCOMPARE(bob->conversations()->totalUnread(), 0);
    QVERIFY(!bob->conversations()->indexOf(dev).data(Qt::FontRole).value<QFont>().bold());

    // An account's choices are kept for its next start on this computer.
    {
        auto carol = account(u"carol"_s);
        QVERIFY(carol);
        QVERIFY(join(*carol, u"dev"_s));
        carol->current()->setMuted(true);
        carol->current()->setShowsPresence(false);
        carol->general()->setShowsPresence(false);
    }
    auto carol = account(u"carol"_s);
    QVERIFY(carol);
    QVERIFY(carol->conversations()->room(u"dev"_s)->isMuted());
    QVERIFY(!carol->conversations()->room(u"dev"_s)->showsPresence());
    QVERIFY(!carol->general()->isMuted());
    QVERIFY(!carol->general()->showsPresence());
}

void tst_Conversations::roomCommandsNeedARoom()
{
    auto alice = guest(u"alice"_s);
    auto bob = guest(u"bob"_s);
    QVERIFY(alice && bob);
    QVERIFY(alice->submit(u"/msg bob"_s)); // opens the conversation, sends nothing
    QCOMPARE(alice->current(), alice->conversations()->direct(u"bob"_s));
    QCOMPARE(alice->current()->members()->names(), (QStringList{u"alice"_s, u"bob"_s}));
    for (const QString &command : {u"/topic hello"_s, u"/part"_s, u"/invite carol"_s}) {
        QVERIFY(!alice->submit(command));
    }
    QCOMPARE(alice->messages()->rowCount(), 3);
    QCOMPARE(alice->messages()->entry(0).kind, ChatEntry::Kind::Error);
    QVERIFY(alice->messages()->entry(0).text.contains(u"private conversation"_s));
    QCOMPARE(alice->general()->topic(), QString()); // nothing reached general
}

void tst_Conversations::refusedRequestsAreAskedAgain()
{
    // The finding: rooms opened faster than the history allowance stayed empty for good.
    ServerConfig config;
    config.historyBurst = 2;
    config.historyRate = 20;
    m_server.reset(); // one server per database file
    m_server = startTestServer(*m_dir, config);
    QVERIFY(m_server);
    auto alice = account(u"alice"_s);
    QVERIFY(alice);
    QStringList rooms;
    for (int i = 1; i <= 6; ++i) {
        rooms.append(u"room-%1"_s.arg(i));
        QVERIFY(alice->joinRoom(rooms.last()));
        QTRY_COMPARE(alice->current()->key(), rooms.last());
    }
    // Shown one after another at once: most of what they ask for is refused at first.
    for (const QString &room : std::as_const(rooms)) {
        alice->setCurrent(alice->conversations()->room(room));
    }
    alice->setCurrent(alice->general());
    for (const QString &room : std::as_const(rooms)) {
        Conversation *conversation = alice->conversations()->room(room);
        alice->setCurrent(conversation);
        QTRY_COMPARE(conversation->history(), Conversation::Fetch::Loaded);
        QTRY_COMPARE(conversation->details(), Conversation::Fetch::Loaded);
        QCOMPARE(conversation->members()->names(), QStringList{u"alice"_s});
    }
    for (int row = 0; row < alice->messages()->rowCount(); ++row) { // asked quietly
        QVERIFY(!alice->messages()->entry(row).text.contains(u"slow down"_s));
    }
}

void tst_Conversations::partingGeneralSticks()
{
    auto alice = guest(u"alice"_s);
    QVERIFY(alice);
    TestClient bob;
    QVERIFY(bob.join(m_server->serverPort(), u"bob"_s));
    bob.send(Frames::join(u"dev"_s));
    QVERIFY(bob.waitForFrames(u"room"_s, 1));
    QVERIFY(alice->submit(u"/part"_s)); // general
    QCOMPARE(bob.waitForNext(u"left"_s).value("reason"_L1).toString(), u"part"_s);
    QTRY_VERIFY(!alice->general()->isMember());
    QVERIFY(join(*alice, u"dev"_s));
    alice->setCurrent(alice->general()); // still readable; nobody is told anything
    alice->setCurrent(alice->conversations()->room(u"dev"_s));
    alice->say(u"marker"_s);
    QCOMPARE(bob.waitForNext(u"message"_s).value("text"_L1).toString(), u"marker"_s);
    for (const QJsonObject &joined : bob.framesOfType(u"joined"_s)) {
        QVERIFY2(joined.value("room"_L1).toString() != u"general"_s, "alice joined general again");
    }
}

void tst_Conversations::unsentIsNotSentUnderTheNextSignIn()
{
    TestClient watcher;
    QVERIFY(watcher.join(m_server->serverPort(), u"watcher"_s));
    TcpProxy proxy(m_server->serverPort());
    auto client = guest(u"alice"_s, proxy.port());
    QVERIFY(client);
    proxy.setRefusing(true);
    proxy.cutAll();
    QTRY_VERIFY(!client->isOnline());
    QVERIFY(client->say(u"typed by alice"_s)); // waits for the connection
    client->connectToServer(u"127.0.0.1"_s, m_server->serverPort(), u"bob"_s);
    QTRY_VERIFY(client->isOnline());
    QCOMPARE(client->name(), u"bob"_s);
    client->say(u"said by bob"_s);
    QCOMPARE(watcher.waitForNext(u"message"_s).value("text"_L1).toString(), u"said by bob"_s);
    QCOMPARE(watcher.framesOfType(u"message"_s).size(), 1);
}

void tst_Conversations::signingOutLeavesNothingOnScreen()
{
    auto bob = guest(u"bob"_s);
    auto alice = account(u"alice"_s);
    QVERIFY(alice && bob);
    QVERIFY(join(*alice, u"dev"_s));
    QVERIFY(alice->submit(u"/msg bob a secret"_s));
    QTRY_VERIFY(hasText(alice->current(), u"a secret"_s));
    QSignalSpy ended(alice.get(), &ChatClient::sessionEnded);
    alice->signOut();
    QTRY_COMPARE(ended.count(), 1);
    QCOMPARE(alice->conversations()->all().size(), 1); // a new, empty general
    QCOMPARE(alice->current(), alice->general());
    for (int row = 0; row < alice->messages()->rowCount(); ++row) {
        QCOMPARE(alice->messages()->entry(row).kind, ChatEntry::Kind::Notice);
    }
}

void tst_Conversations::oneAccountsChoicesAreNotTheNextOnes()
{
    auto client = account(u"carol"_s);
    QVERIFY(client);
    client->general()->setMuted(true);
    client->leave();
    client->connectToServer(u"127.0.0.1"_s, m_server->serverPort(), u"dave"_s); // a guest
    QTRY_VERIFY(client->isOnline());
    QVERIFY(!client->general()->isMuted());
    client->leave();
    client->signIn(u"127.0.0.1"_s, m_server->serverPort(), u"carol"_s, Password);
    QTRY_VERIFY(client->isOnline());
    QVERIFY(client->general()->isMuted()); // carol's, again
}

void tst_Conversations::readWhileOfflineReachesTheServer()
{
    TcpProxy proxy(m_server->serverPort());
    auto alice = account(u"alice"_s, proxy.port());
    auto bob = guest(u"bob"_s);
    QVERIFY(alice && bob);
    QVERIFY(join(*alice, u"dev"_s));
    QVERIFY(join(*bob, u"dev"_s));
    alice->setCurrent(alice->general());
    alice->setViewing(false);
    bob->say(u"read while offline"_s);
    Conversation *dev = alice->conversations()->room(u"dev"_s);
    QTRY_COMPARE(dev->unread(), 1);
    proxy.cutAll();
    QTRY_VERIFY(!alice->isOnline());
    alice->setCurrent(dev);
    alice->setViewing(true);
    QCOMPARE(dev->unread(), 0);
    QTRY_VERIFY(alice->isOnline());
    QTRY_VERIFY_WITH_TIMEOUT(
        [this] {
            auto phone = account(u"alice"_s);
            return phone && phone->conversations()->room(u"dev"_s)->unread() == 0;
        }(),
        10000);
}

void tst_Conversations::aGuestKeepsItsRoomsAcrossAReconnect()
{
    TcpProxy proxy(m_server->serverPort());
    auto alice = guest(u"alice"_s, proxy.port());
    auto bob = guest(u"bob"_s);
    QVERIFY(alice && bob);
    QVERIFY(join(*alice, u"dev"_s));
    QVERIFY(join(*bob, u"dev"_s));
    alice->setCurrent(alice->general());
    bob->say(u"unread before"_s);
    QTRY_COMPARE(alice->conversations()->room(u"dev"_s)->unread(), 1);
    proxy.cutAll();
    QTRY_VERIFY(!alice->isOnline());
    QTRY_VERIFY(alice->isOnline());
    Conversation *dev = alice->conversations()->room(u"dev"_s);
    QVERIFY(dev);
    QCOMPARE(dev->unread(), 1); // a guest's welcome says 0: the count here stays
    QTRY_COMPARE(dev->details(), Conversation::Fetch::Loaded); // back in it
    alice->setCurrent(dev);
    alice->say(u"back in dev"_s);
    QTRY_VERIFY(hasText(bob->conversations()->room(u"dev"_s), u"back in dev"_s));
}

void tst_Conversations::typedRoomsAnswerInTheChat()
{
    auto alice = guest(u"alice"_s);
    QVERIFY(alice);
    QVERIFY(alice->createRoom(u"dev"_s, u"builds"_s, false));
    QTRY_COMPARE(alice->current()->key(), u"dev"_s);
    QVERIFY(alice->submit(u"/rooms"_s));
    const auto listing = [&alice] {
        for (int row = 0; row < alice->messages()->rowCount(); ++row) {
            const ChatEntry &entry = alice->messages()->entry(row);
            if (entry.kind == ChatEntry::Kind::Notice && entry.text.startsWith(u"Rooms"_s)) {
                return entry.text;
            }
        }
        return QString();
    };
    QTRY_VERIFY(!listing().isEmpty());
    QCOMPARE(listing().split(u'\n').value(1), u"  #dev — 1 member, joined: builds"_s);
    QVERIFY(listing().contains(u"#general"_s));
}

void tst_Conversations::bigRoomsUpdateMembersFromPresence()
{
    m_server.reset();
    ServerConfig config;
    config.presenceBatch = 2;
    config.presenceIntervalMs = 3'600'000; // the test ends each window itself
    m_server.reset(); // one server per database file
    m_server = startTestServer(*m_dir, config);
    QVERIFY(m_server);
    const auto gone = [this](const QString &name) {
        return QTest::qWaitFor([&] { return !m_server->room().users().contains(name); });
    };
    auto alice = guest(u"alice"_s);
    QVERIFY(alice);
    Conversation *general = alice->general();
    QTRY_VERIFY(general->history() == Conversation::Fetch::Loaded); // no rows come later
    TestClient bob;
    QVERIFY(bob.join(m_server->serverPort(), u"bob"_s));
    QTRY_COMPARE(general->members()->names(), (QStringList{u"alice"_s, u"bob"_s}));

    // Past two people: carol and dave arrive in one presence frame, shown as one row.
    TestClient carol;
    TestClient dave;
    QVERIFY(carol.join(m_server->serverPort(), u"carol"_s));
    QVERIFY(dave.join(m_server->serverPort(), u"dave"_s));
    const int rows = general->messages()->rowCount();
    m_server->flushPresence();
    QTRY_COMPARE(
        general->members()->names(), (QStringList{u"alice"_s, u"bob"_s, u"carol"_s, u"dave"_s}));
    QCOMPARE(general->messages()->rowCount(), rows + 1);
    const ChatEntry arrivals = general->messages()->entry(rows);
    QCOMPARE(arrivals.kind, ChatEntry::Kind::Notice);
    QCOMPARE(arrivals.text, u"→ carol and dave joined"_s);
    QCOMPARE(general->unread(), 0);

    // Departures, for different reasons: one row, without them.
    carol.send(Frames::part(u"general"_s));
    QVERIFY(carol.waitForFrames(u"left"_s, 1));
    dave.send(Frames::quit());
    QVERIFY(gone(u"dave"_s));
    m_server->flushPresence();
    QTRY_COMPARE(general->members()->names(), (QStringList{u"alice"_s, u"bob"_s}));
    QCOMPARE(general->messages()->rowCount(), rows + 2);
    QCOMPARE(general->messages()->entry(rows + 1).text, u"← carol and dave left"_s);

    // Joins and leaves hidden: the members still follow, and no row is added.
    general->setShowsPresence(false);
    TestClient erin;
    TestClient frank;
    QVERIFY(erin.join(m_server->serverPort(), u"erin"_s));
    QVERIFY(frank.join(m_server->serverPort(), u"frank"_s));
    m_server->flushPresence();
    QTRY_COMPARE(
        general->members()->names(), (QStringList{u"alice"_s, u"bob"_s, u"erin"_s, u"frank"_s}));
    QCOMPARE(general->messages()->rowCount(), rows + 2);
}

QTEST_MAIN(tst_Conversations)
#include "tst_conversations.moc"

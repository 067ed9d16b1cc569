#include "chatroom.h"
#include "framecodec.h"
#include "outbox.h"

#include <QJsonArray>
#include <QTest>
#include <QThread>

#include <atomic>
#include <memory>
#include <vector>

using Protocol::ErrorCode;
using namespace Qt::StringLiterals;

// ChatRoom and Outbox without sockets: registration, routing, ordering and batching.
class tst_ChatRoom : public QObject
{
    Q_OBJECT

private slots:
    void joinReturnsWelcomeAndAnnounces();
    void namesAreUniqueIgnoringCase();
    void broadcastEncodesOnceAndSharesBytes();
    void privateMessagesReachOnlyTwo();
    void privateMessageToSelfArrivesOnce();
    void leaveAnnouncesAndFreesName();
    void burstWakesOnce();
    void concurrentSendersSeeOneOrder();
    void closedRoomIsSilent();
    void onlyMembersPost();
    void pipelineHoldsEventsUntilDelivered();
    void newcomerGetsOnlyLaterEvents();
    void repeatedCidIsNotPostedTwice();
    void restoreContinuesIdsAndCids();
    void cidWindowIsBounded();
    void presenceLimitStopsAnnouncements();
    void oneAccountManyConnections();
    void sameNameOtherIdentityIsTaken();
    void cidsArePerSender();
    void offlineAccountMessageIsMarkedUndelivered();
    void revokeClosesOtherConnections();
    void credentialsCheckedBeforeARevokeCannotJoin();
    void accountCidsOutliveItsConnectionsBoundedly();
    void promoteMakesGuestAnAccount();
    void bigRoomsTellTheNetChange();
    void partingABigRoomIsToldToItsOwnConnections();
    void presenceFramesAreBounded();
    void presenceLimitClosesTheWindow();
    void closingFlushesPresence();
};

namespace {

// An outbox as a worker would hold it, counting wake-ups instead of posting events, and the
// membership it joined with.
struct Member
{
    std::atomic<int> wakes{0};
    Outbox outbox{[this] {
        ++wakes;
    }};
    qint64 id = 0; // the membership, once joined
    int revoked = 0; // how often the room asked to close this connection

    // Joins the room as name, by default as a guest session of its own ("g:<name>"); an
    // identity "a:..." joins as an account.
    ChatRoom::Joined join(ChatRoom &room, const QString &name, const QString &identity = {})
    {
        const QString who = identity.isEmpty() ? u"g:"_s + name : identity;
        const ChatRoom::Joined joined = room.join({name, who, who.startsWith(u"a:"_s), {}, &outbox,
            std::nullopt, [this] { ++revoked; }, room.revocations()});
        id = joined.member;
        return joined;
    }

    // What the member was sent after its welcome (joinReturnsWelcomeAndAnnounces checks that).
    QList<QJsonObject> take()
    {
        QList<QJsonObject> frames;
        for (QByteArray bytes : outbox.takeAll()) {
            bytes.chop(1);
            const QJsonObject frame = FrameCodec::decode(bytes).frame;
            if (frame.value("type"_L1).toString() != "welcome"_L1) {
                frames.append(frame);
            }
        }
        return frames;
    }
};

// As the store has it: these accounts are in general (a guest is in it by itself).
void accountsInGeneral(ChatRoom &room, const QStringList &accounts)
{
    room.restore(0, {}, {{u"general"_s, {}, accounts, false, {}, {}}});
}

QString typeOf(const QJsonObject &frame)
{
    return frame.value("type"_L1).toString();
}

QJsonArray names(const QStringList &list)
{
    return QJsonArray::fromStringList(list);
}

QJsonArray departures(const QList<std::pair<QString, QString>> &list)
{
    QJsonArray rows;
    for (const auto &[name, reason] : list) {
        rows.append(QJsonObject{{"name"_L1, name}, {"reason"_L1, reason}});
    }
    return rows;
}

} // namespace

void tst_ChatRoom::joinReturnsWelcomeAndAnnounces()
{
    ChatRoom room(u"hi {name}"_s);
    Member alice;
    Member bob;
    const ChatRoom::Joined first = alice.join(room, u"alice"_s);
    QCOMPARE(first.error, ErrorCode::None);
    QCOMPARE(first.users, QStringList{u"alice"_s});
    QCOMPARE(first.motd, u"hi alice"_s);
    room.say(alice.id, u"anyone?"_s);
    const ChatRoom::Joined second = bob.join(room, u"Bob"_s);
    QCOMPARE(second.users, (QStringList{u"alice"_s, u"Bob"_s}));
    QCOMPARE(second.lastId, 1); // the newcomer can ask for what came before

    const QList<QJsonObject> toAlice = alice.take();
    QCOMPARE(toAlice.size(), 2);
    QCOMPARE(typeOf(toAlice[0]), u"message"_s);
    QCOMPARE(typeOf(toAlice[1]), u"joined"_s);
    QCOMPARE(toAlice[1].value("name"_L1).toString(), u"Bob"_s);
    // The newcomer's outbox starts with its welcome; nobody is told of their own arrival.
    const QList<QByteArray> toBob = bob.outbox.takeAll();
    QCOMPARE(toBob.size(), 1);
    const QJsonObject welcome = FrameCodec::decode(toBob[0].chopped(1)).frame;
    QCOMPARE(typeOf(welcome), u"welcome"_s);
    QCOMPARE(welcome.value("motd"_L1).toString(), u"hi Bob"_s);
    QCOMPARE(welcome.value("last_id"_L1).toInteger(), 1);
    QCOMPARE(welcome.value("user_count"_L1).toInteger(), 2);
    QVERIFY(!welcome.contains("replayed"_L1)); // it did not ask to resume
    QCOMPARE(room.users(), (QStringList{u"alice"_s, u"Bob"_s}));
}

void tst_ChatRoom::namesAreUniqueIgnoringCase()
{
    ChatRoom room;
    Member first;
    Member second;
    QCOMPARE(first.join(room, u"alice"_s).error, ErrorCode::None);
    QCOMPARE(second.join(room, u"ALICE"_s).error, ErrorCode::NameTaken);
    QCOMPARE(second.join(room, u"Alice"_s).error, ErrorCode::NameTaken);
    QCOMPARE(second.take().size(), 0);
    QCOMPARE(room.userCount(), 1);
}

void tst_ChatRoom::broadcastEncodesOnceAndSharesBytes()
{
    ChatRoom room;
    std::vector<std::unique_ptr<Member>> members;
    for (int i = 0; i < 5; ++i) {
        members.push_back(std::make_unique<Member>());
        QCOMPARE(members.back()->join(room, u"user%1"_s.arg(i)).error, ErrorCode::None);
        for (auto &member : members) {
            member->outbox.takeAll();
        }
    }
    room.say(members.front()->id, u"hello"_s);
    const QByteArray first = members.front()->outbox.takeAll().value(0);
    QVERIFY(first.contains(R"("text":"hello")"));
    for (std::size_t i = 1; i < members.size(); ++i) {
        const QByteArray bytes = members[i]->outbox.takeAll().value(0);
        QCOMPARE(bytes, first);
        QCOMPARE(bytes.constData(), first.constData()); // one buffer, shared
    }
    QCOMPARE(room.lastId(), 1);
}

void tst_ChatRoom::privateMessagesReachOnlyTwo()
{
    ChatRoom room;
    Member alice;
    Member bob;
    Member carol;
    alice.join(room, u"alice"_s);
    bob.join(room, u"bob"_s);
    carol.join(room, u"carol"_s);
    alice.take();
    bob.take();
    carol.take();

    QCOMPARE(room.sendPrivate(alice.id, u"BOB"_s, u"psst"_s).error, ErrorCode::None);
    const QList<QJsonObject> toBob = bob.take();
    const QList<QJsonObject> toAlice = alice.take();
    QCOMPARE(toBob.size(), 1);
    QCOMPARE(toAlice, toBob);
    QCOMPARE(toBob[0].value("to"_L1).toString(), u"bob"_s); // the registered spelling
    QCOMPARE(toBob[0].value("from"_L1).toString(), u"alice"_s);
    QCOMPARE(carol.take().size(), 0);
    QCOMPARE(room.sendPrivate(alice.id, u"dave"_s, u"hello?"_s).error, ErrorCode::NoSuchUser);
}

void tst_ChatRoom::privateMessageToSelfArrivesOnce()
{
    ChatRoom room;
    Member alice;
    alice.join(room, u"alice"_s);
    alice.take();
    QCOMPARE(room.sendPrivate(alice.id, u"alice"_s, u"note to self"_s).error, ErrorCode::None);
    QCOMPARE(alice.take().size(), 1);
}

void tst_ChatRoom::leaveAnnouncesAndFreesName()
{
    ChatRoom room;
    Member alice;
    Member bob;
    alice.join(room, u"alice"_s);
    bob.join(room, u"bob"_s);
    alice.take();
    room.leave(bob.id, u"quit"_s);
    const QList<QJsonObject> toAlice = alice.take();
    QCOMPARE(toAlice.size(), 1);
    QCOMPARE(typeOf(toAlice[0]), u"left"_s);
    QCOMPARE(toAlice[0].value("reason"_L1).toString(), u"quit"_s);

    Member newBob; // someone else may take the name now
    QCOMPARE(newBob.join(room, u"bob"_s, u"g:another bob"_s).error, ErrorCode::None);
    room.leave(bob.id, u"quit"_s); // a membership that ended, and unknown ones, are ignored
    room.leave(12345, u"quit"_s);
    QCOMPARE(room.users(), (QStringList{u"alice"_s, u"bob"_s}));
}

void tst_ChatRoom::burstWakesOnce()
{
    ChatRoom room;
    Member alice;
    alice.join(room, u"alice"_s);
    QCOMPARE(alice.wakes.load(), 1); // the welcome
    alice.take();
    for (int i = 0; i < 100; ++i) {
        room.say(alice.id, u"message %1"_s.arg(i));
    }
    QCOMPARE(alice.wakes.load(), 2); // the first was never drained: no further wake needed
    QCOMPARE(alice.take().size(), 100);
    room.say(alice.id, u"after drain"_s);
    QCOMPARE(alice.wakes.load(), 3);
}

void tst_ChatRoom::concurrentSendersSeeOneOrder()
{
    constexpr int Senders = 8;
    constexpr int PerSender = 500;
    ChatRoom room;
    std::vector<std::unique_ptr<Member>> members;
    for (int i = 0; i < Senders; ++i) {
        members.push_back(std::make_unique<Member>());
        members.back()->join(room, u"s%1"_s.arg(i));
    }
    for (auto &member : members) {
        member->outbox.takeAll();
    }

    std::vector<std::unique_ptr<QThread>> threads;
    for (int s = 0; s < Senders; ++s) {
        threads.emplace_back(QThread::create([&room, member = members[s]->id] {
            for (int i = 0; i < PerSender; ++i) {
                room.say(member, QString::number(i));
            }
        }));
        threads.back()->start();
    }
    for (auto &thread : threads) {
        QVERIFY(thread->wait(60000));
    }

    const QList<QJsonObject> reference = members.front()->take();
    QCOMPARE(reference.size(), Senders * PerSender);
    qint64 lastId = 0;
    QHash<QString, int> nextFromSender;
    for (const QJsonObject &frame : reference) {
        const qint64 id = frame.value("id"_L1).toInteger();
        QVERIFY(id > lastId);
        lastId = id;
        const QString from = frame.value("from"_L1).toString();
        QCOMPARE(frame.value("text"_L1).toString().toInt(), nextFromSender[from]++);
    }
    for (std::size_t i = 1; i < members.size(); ++i) {
        QCOMPARE(members[i]->take(), reference);
    }
}

void tst_ChatRoom::closedRoomIsSilent()
{
    ChatRoom room;
    Member alice;
    Member bob;
    alice.join(room, u"alice"_s);
    bob.join(room, u"bob"_s);
    alice.take();
    room.close();
    room.leave(bob.id, u"shutdown"_s);
    room.say(alice.id, u"anyone?"_s);
    QCOMPARE(alice.take().size(), 0);
    Member carol;
    QCOMPARE(carol.join(room, u"carol"_s).error, ErrorCode::ShuttingDown);
}

void tst_ChatRoom::onlyMembersPost()
{
    ChatRoom room;
    Member alice;
    Member bob;
    alice.join(room, u"alice"_s);
    bob.join(room, u"bob"_s);
    room.leave(bob.id, u"quit"_s);
    alice.take();
    // A session's last lines may race its departure: nothing is posted in a name that left.
    QCOMPARE(room.say(bob.id, u"ghost"_s).error, ErrorCode::NotRegistered);
    QCOMPARE(room.sendPrivate(bob.id, u"alice"_s, u"ghost"_s).error, ErrorCode::NotRegistered);
    QCOMPARE(room.say(12345, u"ghost"_s).error, ErrorCode::NotRegistered);
    QCOMPARE(alice.take().size(), 0);
    QCOMPARE(room.lastId(), 0);
}

void tst_ChatRoom::pipelineHoldsEventsUntilDelivered()
{
    ChatRoom room;
    int wakes = 0;
    room.attach([&wakes] { ++wakes; });
    Member alice;
    Member bob;
    alice.join(room, u"alice"_s);
    bob.join(room, u"bob"_s);
    room.say(bob.id, u"one"_s);
    room.sendPrivate(bob.id, u"alice"_s, u"two"_s);
    QCOMPARE(wakes, 1); // one wake for the whole batch
    QCOMPARE(alice.take().size(), 0); // nothing before the store has it

    const StorePipeline::Batch batch = room.takeBatch();
    // two joined, two welcomes, the message, the dm; only the last two are stored
    QCOMPARE(batch.events, 6);
    QCOMPARE(batch.messages.size(), 2);
    QCOMPARE(batch.messages[0].id, 1);
    QCOMPARE(batch.messages[1].to, u"alice"_s);
    QCOMPARE(batch.messages[1].toIdentity, u"g:alice"_s);
    QCOMPARE(batch.messages[1].fromIdentity, u"g:bob"_s);
    QVERIFY(batch.reads.isEmpty()); // nobody asked to resume
    room.deliverBatch({});
    const QList<QJsonObject> toAlice = alice.take();
    QCOMPARE(toAlice.size(), 3); // bob joined, one, two
    QCOMPARE(toAlice[1].value("text"_L1).toString(), u"one"_s);
    QCOMPARE(toAlice[2].value("text"_L1).toString(), u"two"_s);
    room.say(bob.id, u"three"_s);
    QCOMPARE(wakes, 2);
}

void tst_ChatRoom::newcomerGetsOnlyLaterEvents()
{
    ChatRoom room;
    room.attach([] {});
    Member alice;
    Member bob;
    alice.join(room, u"alice"_s);
    room.say(alice.id, u"before bob"_s);
    const ChatRoom::Joined joined = bob.join(room, u"bob"_s);
    room.say(alice.id, u"after bob"_s);
    room.takeBatch();
    room.deliverBatch({}); // the store commits after bob joined
    const QList<QJsonObject> toBob = bob.take();
    // bob's replay covers ids up to joined.lastId; live traffic starts after it.
    QCOMPARE(joined.lastId, 1);
    QCOMPARE(toBob.size(), 1);
    QCOMPARE(toBob[0].value("text"_L1).toString(), u"after bob"_s);
    QCOMPARE(toBob[0].value("id"_L1).toInteger(), 2);
}

void tst_ChatRoom::repeatedCidIsNotPostedTwice()
{
    ChatRoom room;
    Member alice;
    Member bob;
    alice.join(room, u"alice"_s);
    bob.join(room, u"bob"_s);
    alice.take();
    const ChatRoom::Posted first = room.say(bob.id, u"hi"_s, u"c1"_s);
    const ChatRoom::Posted again = room.say(bob.id, u"hi"_s, u"c1"_s);
    QVERIFY(!first.repeated);
    QVERIFY(again.repeated);
    QCOMPARE(again.id, first.id);
    const ChatRoom::Posted other = room.say(alice.id, u"hi"_s, u"c1"_s); // cids are per sender
    QVERIFY(!other.repeated);
    const ChatRoom::Posted dm = room.sendPrivate(bob.id, u"alice"_s, u"psst"_s, u"c2"_s);
    QVERIFY(room.sendPrivate(bob.id, u"alice"_s, u"psst"_s, u"c2"_s).repeated);
    const QList<QJsonObject> toAlice = alice.take();
    QCOMPARE(toAlice.size(), 3);
    QCOMPARE(toAlice[0].value("cid"_L1).toString(), u"c1"_s);
    QCOMPARE(toAlice[2].value("id"_L1).toInteger(), dm.id);
    QCOMPARE(room.lastId(), 3);
}

void tst_ChatRoom::restoreContinuesIdsAndCids()
{
    ChatRoom room;
    room.restore(
        41, {{40, u"bob"_s, {}, u"old"_s, 0, u"c9"_s, u"g:bob"_s, {}, false, u"general"_s}}, {});
    Member bob;
    bob.join(room, u"bob"_s);
    QVERIFY(room.say(bob.id, u"old"_s, u"c9"_s).repeated);
    QCOMPARE(room.say(bob.id, u"new"_s).id, 42);
}

void tst_ChatRoom::cidWindowIsBounded()
{
    ChatRoom room;
    Member alice;
    Member bob;
    alice.join(room, u"alice"_s);
    bob.join(room, u"bob"_s);
    for (int i = 0; i <= ChatRoom::CidsPerSender; ++i) {
        room.say(bob.id, u"x"_s, QString::number(i));
    }
    // Another sender's cids take no room in bob's window.
    for (int i = 0; i < ChatRoom::CidsPerSender; ++i) {
        room.say(alice.id, u"x"_s, u"a%1"_s.arg(i));
    }
    QVERIFY(room.say(bob.id, u"x"_s, QString::number(ChatRoom::CidsPerSender)).repeated);
    QVERIFY(room.say(bob.id, u"x"_s, u"1"_s).repeated); // the oldest bob still remembers
    QVERIFY(!room.say(bob.id, u"x"_s, u"0"_s).repeated); // forgotten: outside the window
    QVERIFY(room.say(alice.id, u"x"_s, u"a0"_s).repeated);
}

void tst_ChatRoom::presenceLimitStopsAnnouncements()
{
    ChatRoom room({}, 2);
    Member alice;
    Member bob;
    Member carol;
    alice.join(room, u"alice"_s);
    QCOMPARE(bob.join(room, u"bob"_s).userCount, 2);
    QCOMPARE(alice.take().size(), 1); // bob's arrival, still announced
    const ChatRoom::Joined third = carol.join(room, u"carol"_s);
    QCOMPARE(third.userCount, 3);
    QCOMPARE(third.users, (QStringList{u"alice"_s, u"bob"_s})); // the first two by name
    QCOMPARE(alice.take().size(), 0); // past the limit: no joined
    room.say(carol.id, u"hi"_s);
    QCOMPARE(alice.take().size(), 1); // but chat flows to everyone
    QCOMPARE(carol.take().size(), 1);
    // Leaving mirrors joining: 3 -> 2 is not announced (as 2 -> 3 was not), 2 -> 1 is.
    room.leave(alice.id, u"quit"_s);
    QCOMPARE(carol.take().size(), 0);
    room.leave(bob.id, u"quit"_s);
    QCOMPARE(carol.take().size(), 1);
    room.sendUsers(carol.id);
    const QList<QJsonObject> users = carol.take();
    QCOMPARE(users[0].value("user_count"_L1).toInt(), 1);
}

void tst_ChatRoom::oneAccountManyConnections()
{
    ChatRoom room;
    accountsInGeneral(room, {u"a:1"_s});
    Member carol;
    Member first;
    Member second;
    carol.join(room, u"carol"_s);
    QCOMPARE(first.join(room, u"alice"_s, u"a:1"_s).error, ErrorCode::None);
    const ChatRoom::Joined joined = second.join(room, u"alice"_s, u"a:1"_s);
    QCOMPARE(joined.error, ErrorCode::None);
    QVERIFY(joined.member != first.id);
    // One person: listed and counted once, announced once.
    QCOMPARE(joined.users, (QStringList{u"alice"_s, u"carol"_s}));
    QCOMPARE(joined.userCount, 2);
    QCOMPARE(room.users(), (QStringList{u"alice"_s, u"carol"_s}));
    QCOMPARE(room.userCount(), 2);
    const QList<QJsonObject> toCarol = carol.take();
    QCOMPARE(toCarol.size(), 1);
    QCOMPARE(typeOf(toCarol[0]), u"joined"_s);
    QCOMPARE(toCarol[0].value("name"_L1).toString(), u"alice"_s);
    QCOMPARE(first.take().size(), 0); // its own second connection is no arrival
    room.sendUsers(second.id);
    const QList<QJsonObject> users = second.take();
    QCOMPARE(users.size(), 1);
    QCOMPARE(users[0].value("user_count"_L1).toInt(), 2);

    // A private message reaches every connection of the recipient ...
    QCOMPARE(room.sendPrivate(carol.id, u"alice"_s, u"to both"_s).error, ErrorCode::None);
    const QList<QJsonObject> toFirst = first.take();
    QCOMPARE(toFirst.size(), 1);
    QCOMPARE(toFirst[0].value("text"_L1).toString(), u"to both"_s);
    QCOMPARE(second.take(), toFirst);
    QCOMPARE(carol.take(), toFirst);
    // ... and of the sender.
    QCOMPARE(room.sendPrivate(first.id, u"carol"_s, u"from one"_s).error, ErrorCode::None);
    const QList<QJsonObject> echo = second.take();
    QCOMPARE(echo.size(), 1);
    QCOMPARE(echo[0].value("text"_L1).toString(), u"from one"_s);
    QCOMPARE(echo[0].value("from"_L1).toString(), u"alice"_s);
    QCOMPARE(first.take(), echo);
    QCOMPARE(carol.take(), echo);

    // Leaving one connection is no departure; leaving the last is.
    room.leave(first.id, u"quit"_s);
    QCOMPARE(carol.take().size(), 0);
    QCOMPARE(room.users(), (QStringList{u"alice"_s, u"carol"_s}));
    QCOMPARE(room.say(first.id, u"ghost"_s).error, ErrorCode::NotRegistered);
    QCOMPARE(room.sendPrivate(carol.id, u"alice"_s, u"still there?"_s).error, ErrorCode::None);
    QCOMPARE(second.take().size(), 1);
    QCOMPARE(first.take().size(), 0); // a connection that ended gets nothing more
    carol.take();
    room.leave(second.id, u"bye"_s);
    const QList<QJsonObject> left = carol.take();
    QCOMPARE(left.size(), 1);
    QCOMPARE(typeOf(left[0]), u"left"_s);
    QCOMPARE(left[0].value("name"_L1).toString(), u"alice"_s);
    QCOMPARE(left[0].value("reason"_L1).toString(), u"bye"_s);
    QCOMPARE(room.users(), QStringList{u"carol"_s});
}

void tst_ChatRoom::sameNameOtherIdentityIsTaken()
{
    ChatRoom room;
    Member holder;
    Member other;
    Member account;
    QCOMPARE(holder.join(room, u"alice"_s, u"g:x"_s).error, ErrorCode::None);
    holder.take();
    QCOMPARE(other.join(room, u"alice"_s, u"g:y"_s).error, ErrorCode::NameTaken);
    QCOMPARE(account.join(room, u"Alice"_s, u"a:1"_s).error, ErrorCode::NameTaken);
    QCOMPARE(other.outbox.takeAll().size(), 0); // not even a welcome
    QCOMPARE(account.outbox.takeAll().size(), 0);
    QCOMPARE(holder.take().size(), 0); // nobody joined
    QCOMPARE(room.userCount(), 1);
}

void tst_ChatRoom::cidsArePerSender()
{
    ChatRoom room;
    accountsInGeneral(room, {u"a:4"_s});
    Member alice;
    Member mallory;
    Member bob;
    alice.join(room, u"alice"_s);
    mallory.join(room, u"mallory"_s);
    bob.join(room, u"bob"_s);
    alice.take();
    mallory.take();
    bob.take();

    const ChatRoom::Posted fromAlice = room.say(alice.id, u"mine"_s, u"c1"_s);
    const ChatRoom::Posted fromMallory = room.say(mallory.id, u"also mine"_s, u"c1"_s);
    QCOMPARE(fromAlice.error, ErrorCode::None);
    QCOMPARE(fromMallory.error, ErrorCode::None);
    QVERIFY(!fromAlice.repeated);
    QVERIFY(!fromMallory.repeated); // another sender's cid cannot suppress alice's or hers
    QVERIFY(fromMallory.id != fromAlice.id);
    const QList<QJsonObject> toBob = bob.take();
    QCOMPARE(toBob.size(), 2);
    QCOMPARE(toBob[0].value("text"_L1).toString(), u"mine"_s);
    QCOMPARE(toBob[1].value("text"_L1).toString(), u"also mine"_s);

    const ChatRoom::Posted again = room.say(alice.id, u"mine"_s, u"c1"_s);
    QVERIFY(again.repeated);
    QCOMPARE(again.id, fromAlice.id);
    QCOMPARE(bob.take().size(), 0);
    QCOMPARE(mallory.take().size(), 2); // the two originals only
    QCOMPARE(room.lastId(), 2);

    // The window belongs to the identity: another connection of the same account shares it.
    Member first;
    Member second;
    first.join(room, u"dave"_s, u"a:4"_s);
    second.join(room, u"dave"_s, u"a:4"_s);
    const ChatRoom::Posted fromFirst = room.say(first.id, u"once"_s, u"c1"_s);
    QVERIFY(!fromFirst.repeated);
    const ChatRoom::Posted fromSecond = room.say(second.id, u"once"_s, u"c1"_s);
    QVERIFY(fromSecond.repeated);
    QCOMPARE(fromSecond.id, fromFirst.id);
}

void tst_ChatRoom::offlineAccountMessageIsMarkedUndelivered()
{
    ChatRoom room;
    room.attach([] {});
    Member alice;
    alice.join(room, u"alice"_s);
    room.takeBatch();
    room.deliverBatch({});
    alice.take();

    const ChatRoom::Offline bob{u"Bob"_s, u"a:2"_s};
    const ChatRoom::Posted posted
        = room.sendPrivate(alice.id, u"bob"_s, u"when you are back"_s, u"c1"_s, bob);
    QCOMPARE(posted.error, ErrorCode::None);
    QVERIFY(!posted.repeated);
    QCOMPARE(room.sendPrivate(alice.id, u"carol"_s, u"hello?"_s).error, ErrorCode::NoSuchUser);

    const StorePipeline::Batch batch = room.takeBatch();
    QCOMPARE(batch.messages.size(), 1);
    const StoredMessage &message = batch.messages[0];
    QCOMPARE(message.id, posted.id);
    QCOMPARE(message.from, u"alice"_s);
    QCOMPARE(message.fromIdentity, u"g:alice"_s);
    QCOMPARE(message.to, u"Bob"_s); // as the account spells it
    QCOMPARE(message.toIdentity, u"a:2"_s);
    QCOMPARE(message.text, u"when you are back"_s);
    QVERIFY(message.undelivered);
    room.deliverBatch({});
    const QList<QJsonObject> toAlice = alice.take(); // the sender's copy
    QCOMPARE(toAlice.size(), 1);
    QCOMPARE(toAlice[0].value("to"_L1).toString(), u"Bob"_s);
    QCOMPARE(room.lastId(), posted.id);

    // At sign-in, the account asks the store for what waited for it.
    Member bobMember;
    QCOMPARE(bobMember.join(room, u"Bob"_s, u"a:2"_s).error, ErrorCode::None);
    const StorePipeline::Batch signIn = room.takeBatch();
    QCOMPARE(signIn.reads.size(), 1);
    QCOMPARE(signIn.reads[0].viewer, u"a:2"_s);
    QVERIFY(signIn.reads[0].takeUndelivered);
    room.deliverBatch({});
}

void tst_ChatRoom::revokeClosesOtherConnections()
{
    ChatRoom room;
    Member first;
    Member second;
    Member third;
    Member bob;
    first.join(room, u"alice"_s, u"a:1"_s);
    second.join(room, u"alice"_s, u"a:1"_s);
    third.join(room, u"alice"_s, u"a:1"_s);
    bob.join(room, u"bob"_s, u"a:2"_s);
    room.revoke(u"a:1"_s, first.id);
    QCOMPARE(first.revoked, 0); // the connection that asked stays
    QCOMPARE(second.revoked, 1);
    QCOMPARE(third.revoked, 1);
    QCOMPARE(bob.revoked, 0); // another account is untouched
    room.leave(second.id, u"revoked"_s);
    room.revoke(u"a:1"_s, third.id);
    QCOMPARE(first.revoked, 1);
    QCOMPARE(second.revoked, 1); // it has left
    QCOMPARE(third.revoked, 1);
    room.revoke(u"a:9"_s, 0); // nobody online: nothing to close
    QCOMPARE(bob.revoked, 0);
}

void tst_ChatRoom::credentialsCheckedBeforeARevokeCannotJoin()
{
    // A sign-in checked its password, then the password changed: it must not get in.
    ChatRoom room;
    Member owner;
    owner.join(room, u"alice"_s, u"a:1"_s);
    const qint64 checkedAt = room.revocations();
    room.revoke(u"a:1"_s, owner.id);
    Member stale;
    const ChatRoom::Joined refused = room.join(
        {u"alice"_s, u"a:1"_s, true, {}, &stale.outbox, std::nullopt, [] {}, checkedAt});
    QCOMPARE(refused.error, ErrorCode::AuthFailed);
    QCOMPARE(room.userCount(), 1);
    // Checked after it: welcome. Another account's earlier check is not affected.
    QCOMPARE(stale.join(room, u"alice"_s, u"a:1"_s).error, ErrorCode::None);
    Member bob;
    QCOMPARE(room.join({u"bob"_s, u"a:2"_s, true, {}, &bob.outbox, std::nullopt, [] {}, checkedAt})
                 .error,
        ErrorCode::None);
}

void tst_ChatRoom::accountCidsOutliveItsConnectionsBoundedly()
{
    ChatRoom room;
    QStringList accounts{u"a:1"_s};
    for (int i = 0; i < ChatRoom::OfflineWindows; ++i) {
        accounts.append(u"a:%1"_s.arg(100 + i));
    }
    accountsInGeneral(room, accounts);
    Member alice;
    alice.join(room, u"alice"_s, u"a:1"_s);
    for (int i = 0; i < ChatRoom::CidsPerSender; ++i) {
        room.say(alice.id, u"x"_s, u"c%1"_s.arg(i));
    }
    room.leave(alice.id, u"disconnected"_s);
    alice.join(room, u"alice"_s, u"a:1"_s);
    // The newest OfflineCids are still known after she comes back; older ones are not.
    const qint64 last = ChatRoom::CidsPerSender - 1;
    QVERIFY(room.say(alice.id, u"x"_s, u"c%1"_s.arg(last)).repeated);
    QVERIFY(room.say(alice.id, u"x"_s, u"c%1"_s.arg(last - ChatRoom::OfflineCids + 1)).repeated);
    QVERIFY(!room.say(alice.id, u"x"_s, u"c%1"_s.arg(last - ChatRoom::OfflineCids)).repeated);
    room.leave(alice.id, u"disconnected"_s);
    // OfflineWindows other accounts come and go: hers is the oldest, and goes.
    for (int i = 0; i < ChatRoom::OfflineWindows; ++i) {
        Member other;
        other.join(room, u"user%1"_s.arg(i), u"a:%1"_s.arg(100 + i));
        room.say(other.id, u"x"_s, u"mine"_s);
        room.leave(other.id, u"disconnected"_s);
    }
    alice.join(room, u"alice"_s, u"a:1"_s);
    QVERIFY(!room.say(alice.id, u"x"_s, u"c%1"_s.arg(last)).repeated);
}

void tst_ChatRoom::promoteMakesGuestAnAccount()
{
    ChatRoom room;
    room.attach([] {});
    Member dave;
    Member bob;
    dave.join(room, u"dave"_s, u"g:dave"_s);
    bob.join(room, u"bob"_s);
    room.takeBatch();
    room.deliverBatch({});
    dave.take();
    bob.take();

    room.promote(dave.id, u"a:5"_s);
    QCOMPARE(room.sendPrivate(bob.id, u"dave"_s, u"welcome aboard"_s).error, ErrorCode::None);
    const StorePipeline::Batch batch = room.takeBatch();
    QCOMPARE(batch.messages.size(), 1);
    QCOMPARE(batch.messages[0].to, u"dave"_s);
    QCOMPARE(batch.messages[0].toIdentity, u"a:5"_s);
    QVERIFY(!batch.messages[0].undelivered);
    room.deliverBatch({});
    const QList<QJsonObject> toDave = dave.take();
    QCOMPARE(toDave.size(), 1);
    QCOMPARE(toDave[0].value("text"_L1).toString(), u"welcome aboard"_s);
    QCOMPARE(bob.take(), toDave);

    // The account may now sign in from elsewhere under the name; the old guest session may not.
    Member elsewhere;
    Member guest;
    QCOMPARE(elsewhere.join(room, u"dave"_s, u"a:5"_s).error, ErrorCode::None);
    QCOMPARE(guest.join(room, u"dave"_s, u"g:dave"_s).error, ErrorCode::NameTaken);
}

void tst_ChatRoom::bigRoomsTellTheNetChange()
{
    ChatRoom room({}, std::numeric_limits<int>::max(), 2);
    Member alice;
    Member bob;
    alice.join(room, u"alice"_s);
    bob.join(room, u"bob"_s);
    // Two people are a small room: bob is announced at once.
    QCOMPARE(alice.take().size(), 1);
    room.flushPresence();
    QCOMPARE(alice.take().size(), 0); // nothing waited

    Member carol;
    Member dave;
    Member erin;
    carol.join(room, u"carol"_s); // the third: the room is big now
    dave.join(room, u"dave"_s);
    room.leave(dave.id, u"quit"_s); // came and went
    room.leave(bob.id, u"disconnected"_s);
    Member bobAgain;
    bobAgain.join(room, u"bob"_s); // went and came back
    erin.join(room, u"Erin"_s);
    QCOMPARE(alice.take().size(), 0); // all of it waits
    room.flushPresence();
    QList<QJsonObject> frames = alice.take();
    QCOMPARE(frames.size(), 1);
    QCOMPARE(typeOf(frames[0]), u"presence"_s);
    QCOMPARE(frames[0].value("room"_L1).toString(), u"general"_s);
    QCOMPARE(frames[0].value("joined"_L1).toArray(), names({u"carol"_s, u"Erin"_s}));
    QCOMPARE(frames[0].value("left"_L1).toArray(), QJsonArray());
    QVERIFY(!frames[0].value("ts"_L1).toString().isEmpty());
    // Delivered to the people in the room, those who came in the window included.
    QCOMPARE(erin.take().size(), 1);
    QCOMPARE(dave.take().size(), 0);

    // Departures carry their last reason, in the order they happened.
    room.leave(erin.id, u"timeout"_s);
    room.leave(carol.id, u"quit"_s);
    room.flushPresence();
    frames = alice.take();
    QCOMPARE(frames.size(), 1);
    QCOMPARE(frames[0].value("joined"_L1).toArray(), QJsonArray());
    QCOMPARE(frames[0].value("left"_L1).toArray(),
        departures({{u"Erin"_s, u"timeout"_s}, {u"carol"_s, u"quit"_s}}));

    // Small again (alice and bob): one by one, and what waited comes first.
    Member frank;
    frank.join(room, u"frank"_s);
    room.leave(frank.id, u"quit"_s); // 3 -> 2: still counted as big while frank is in it
    room.leave(bobAgain.id, u"quit"_s); // 2 -> 1: small; the window closes before it
    frames = alice.take();
    QCOMPARE(frames.size(), 1); // frank came and went: no presence frame at all
    QCOMPARE(typeOf(frames[0]), u"left"_s);
    QCOMPARE(frames[0].value("name"_L1).toString(), u"bob"_s);
}

void tst_ChatRoom::partingABigRoomIsToldToItsOwnConnections()
{
    ChatRoom room({}, std::numeric_limits<int>::max(), 1);
    Member alice;
    Member bob;
    alice.join(room, u"alice"_s);
    bob.join(room, u"bob"_s);
    room.flushPresence();
    alice.take();
    bob.take();
    QCOMPARE(room.partRoom(bob.id, u"general"_s), ErrorCode::None);
    // Bob's connections are out of the room the presence frame goes to: told now.
    QList<QJsonObject> frames = bob.take();
    QCOMPARE(frames.size(), 1);
    QCOMPARE(typeOf(frames[0]), u"left"_s);
    QCOMPARE(frames[0].value("reason"_L1).toString(), u"part"_s);
    QCOMPARE(alice.take().size(), 0);
    room.flushPresence();
    frames = alice.take();
    QCOMPARE(frames.size(), 1);
    QCOMPARE(frames[0].value("left"_L1).toArray(), departures({{u"bob"_s, u"part"_s}}));
    QCOMPARE(bob.take().size(), 0);
}

void tst_ChatRoom::presenceFramesAreBounded()
{
    // Everyone is batched: 601 arrivals, then 550 departures and 3 arrivals.
    ChatRoom room({}, std::numeric_limits<int>::max(), 0);
    Member alice;
    alice.join(room, u"alice"_s);
    std::vector<std::unique_ptr<Member>> others;
    for (int i = 0; i < 600; ++i) {
        others.push_back(std::make_unique<Member>());
        others.back()->join(room, u"p%1"_s.arg(i));
    }
    room.flushPresence();
    QList<QJsonObject> frames = alice.take();
    QCOMPARE(frames.size(), 2);
    QCOMPARE(frames[0].value("joined"_L1).toArray().size(), Protocol::MaxPresenceNames);
    QCOMPARE(frames[0].value("joined"_L1).toArray().first().toString(), u"alice"_s);
    QCOMPARE(frames[1].value("joined"_L1).toArray().size(), 101);
    QCOMPARE(frames[1].value("joined"_L1).toArray().last().toString(), u"p599"_s);

    for (int i = 0; i < 550; ++i) {
        room.leave(others[i]->id, u"slow_consumer"_s);
    }
    std::vector<std::unique_ptr<Member>> late(3);
    for (int i = 0; i < 3; ++i) {
        late[i] = std::make_unique<Member>();
        late[i]->join(room, u"late%1"_s.arg(i));
    }
    room.flushPresence();
    const QList<QByteArray> bytes = alice.outbox.takeAll();
    QCOMPARE(bytes.size(), 2);
    qsizetype joined = 0;
    qsizetype left = 0;
    for (QByteArray line : bytes) {
        QVERIFY(line.size() < Protocol::DefaultMaxFrameBytes);
        line.chop(1);
        const QJsonObject frame = FrameCodec::decode(line).frame;
        const qsizetype count
            = frame.value("joined"_L1).toArray().size() + frame.value("left"_L1).toArray().size();
        QVERIFY(count <= Protocol::MaxPresenceNames);
        joined += frame.value("joined"_L1).toArray().size();
        left += frame.value("left"_L1).toArray().size();
    }
    QCOMPARE(joined, 3);
    QCOMPARE(left, 550);
}

void tst_ChatRoom::presenceLimitClosesTheWindow()
{
    ChatRoom room({}, 3, 1);
    Member alice;
    Member bob;
    Member carol;
    Member dave;
    alice.join(room, u"alice"_s);
    bob.join(room, u"bob"_s); // batched
    carol.join(room, u"carol"_s); // batched
    QCOMPARE(alice.take().size(), 0);
    // Past the limit nothing is announced; what waited happened before, and is told first.
    dave.join(room, u"dave"_s);
    QList<QJsonObject> frames = alice.take();
    QCOMPARE(frames.size(), 1);
    QCOMPARE(frames[0].value("joined"_L1).toArray(), names({u"bob"_s, u"carol"_s}));
    room.leave(dave.id, u"quit"_s);
    room.flushPresence();
    QCOMPARE(alice.take().size(), 0);
}

void tst_ChatRoom::closingFlushesPresence()
{
    ChatRoom room({}, std::numeric_limits<int>::max(), 1);
    Member alice;
    Member bob;
    alice.join(room, u"alice"_s);
    bob.join(room, u"bob"_s);
    alice.take();
    room.close();
    const QList<QJsonObject> frames = alice.take();
    QCOMPARE(frames.size(), 1);
    QCOMPARE(frames[0].value("joined"_L1).toArray(), names({u"bob"_s}));
}

QTEST_APPLESS_MAIN(tst_ChatRoom)
#include "tst_chatroom.moc"

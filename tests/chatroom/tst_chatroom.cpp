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
};

namespace {

// An outbox as a worker would hold it, counting wake-ups instead of posting events.
struct Member
{
    std::atomic<int> wakes{0};
    Outbox outbox{[this] {
        ++wakes;
    }};

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

QString typeOf(const QJsonObject &frame)
{
    return frame.value("type"_L1).toString();
}

} // namespace

void tst_ChatRoom::joinReturnsWelcomeAndAnnounces()
{
    ChatRoom room(u"hi {name}"_s);
    Member alice;
    Member bob;
    const ChatRoom::Joined first = room.join(u"alice"_s, &alice.outbox);
    QCOMPARE(first.error, ErrorCode::None);
    QCOMPARE(first.users, QStringList{u"alice"_s});
    QCOMPARE(first.motd, u"hi alice"_s);
    room.say(u"alice"_s, u"anyone?"_s);
    const ChatRoom::Joined second = room.join(u"Bob"_s, &bob.outbox);
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
    QCOMPARE(room.join(u"alice"_s, &first.outbox).error, ErrorCode::None);
    QCOMPARE(room.join(u"ALICE"_s, &second.outbox).error, ErrorCode::NameTaken);
    QCOMPARE(room.join(u"Alice"_s, &second.outbox).error, ErrorCode::NameTaken);
    QCOMPARE(second.take().size(), 0);
    QCOMPARE(room.userCount(), 1);
}

void tst_ChatRoom::broadcastEncodesOnceAndSharesBytes()
{
    ChatRoom room;
    std::vector<std::unique_ptr<Member>> members;
    for (int i = 0; i < 5; ++i) {
        members.push_back(std::make_unique<Member>());
        QCOMPARE(room.join(u"user%1"_s.arg(i), &members.back()->outbox).error, ErrorCode::None);
        for (auto &member : members) {
            member->outbox.takeAll();
        }
    }
    room.say(u"user0"_s, u"hello"_s);
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
    room.join(u"alice"_s, &alice.outbox);
    room.join(u"bob"_s, &bob.outbox);
    room.join(u"carol"_s, &carol.outbox);
    alice.take();
    bob.take();
    carol.take();

    QCOMPARE(room.sendPrivate(u"alice"_s, u"BOB"_s, u"psst"_s).error, ErrorCode::None);
    const QList<QJsonObject> toBob = bob.take();
    const QList<QJsonObject> toAlice = alice.take();
    QCOMPARE(toBob.size(), 1);
    QCOMPARE(toAlice, toBob);
    QCOMPARE(toBob[0].value("to"_L1).toString(), u"bob"_s); // the registered spelling
    QCOMPARE(toBob[0].value("from"_L1).toString(), u"alice"_s);
    QCOMPARE(carol.take().size(), 0);
    QCOMPARE(room.sendPrivate(u"alice"_s, u"dave"_s, u"hello?"_s).error, ErrorCode::NoSuchUser);
}

void tst_ChatRoom::privateMessageToSelfArrivesOnce()
{
    ChatRoom room;
    Member alice;
    room.join(u"alice"_s, &alice.outbox);
    alice.take();
    QCOMPARE(room.sendPrivate(u"alice"_s, u"alice"_s, u"note to self"_s).error, ErrorCode::None);
    QCOMPARE(alice.take().size(), 1);
}

void tst_ChatRoom::leaveAnnouncesAndFreesName()
{
    ChatRoom room;
    Member alice;
    Member bob;
    room.join(u"alice"_s, &alice.outbox);
    room.join(u"bob"_s, &bob.outbox);
    alice.take();
    room.leave(u"bob"_s, u"quit"_s);
    const QList<QJsonObject> toAlice = alice.take();
    QCOMPARE(toAlice.size(), 1);
    QCOMPARE(typeOf(toAlice[0]), u"left"_s);
    QCOMPARE(toAlice[0].value("reason"_L1).toString(), u"quit"_s);

    Member newBob;
    QCOMPARE(room.join(u"bob"_s, &newBob.outbox).error, ErrorCode::None);
    room.leave(u"nobody"_s, u"quit"_s); // unknown names are ignored
    QCOMPARE(room.users(), (QStringList{u"alice"_s, u"bob"_s}));
}

void tst_ChatRoom::burstWakesOnce()
{
    ChatRoom room;
    Member alice;
    room.join(u"alice"_s, &alice.outbox);
    QCOMPARE(alice.wakes.load(), 1); // the welcome
    alice.take();
    for (int i = 0; i < 100; ++i) {
        room.say(u"alice"_s, u"message %1"_s.arg(i));
    }
    QCOMPARE(alice.wakes.load(), 2); // the first was never drained: no further wake needed
    QCOMPARE(alice.take().size(), 100);
    room.say(u"alice"_s, u"after drain"_s);
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
        room.join(u"s%1"_s.arg(i), &members.back()->outbox);
    }
    for (auto &member : members) {
        member->outbox.takeAll();
    }

    std::vector<std::unique_ptr<QThread>> threads;
    for (int s = 0; s < Senders; ++s) {
        threads.emplace_back(QThread::create([&room, s] {
            for (int i = 0; i < PerSender; ++i) {
                room.say(u"s%1"_s.arg(s), QString::number(i));
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
    room.join(u"alice"_s, &alice.outbox);
    room.join(u"bob"_s, &bob.outbox);
    alice.take();
    room.close();
    room.leave(u"bob"_s, u"shutdown"_s);
    room.say(u"alice"_s, u"anyone?"_s);
    QCOMPARE(alice.take().size(), 0);
    Member carol;
    QCOMPARE(room.join(u"carol"_s, &carol.outbox).error, ErrorCode::ShuttingDown);
}

void tst_ChatRoom::onlyMembersPost()
{
    ChatRoom room;
    Member alice;
    Member bob;
    room.join(u"alice"_s, &alice.outbox);
    room.join(u"bob"_s, &bob.outbox);
    room.leave(u"bob"_s, u"quit"_s);
    alice.take();
    // A session's last lines may race its departure: nothing is posted in a name that left.
    QCOMPARE(room.say(u"bob"_s, u"ghost"_s).error, ErrorCode::NotRegistered);
    QCOMPARE(room.sendPrivate(u"bob"_s, u"alice"_s, u"ghost"_s).error, ErrorCode::NotRegistered);
    QCOMPARE(room.say(u"nobody"_s, u"ghost"_s).error, ErrorCode::NotRegistered);
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
    room.join(u"alice"_s, &alice.outbox);
    room.join(u"bob"_s, &bob.outbox);
    room.say(u"bob"_s, u"one"_s);
    room.sendPrivate(u"bob"_s, u"alice"_s, u"two"_s);
    QCOMPARE(wakes, 1); // one wake for the whole batch
    QCOMPARE(alice.take().size(), 0); // nothing before the store has it

    const StorePipeline::Batch batch = room.takeBatch();
    // two joined, two welcomes, the message, the dm; only the last two are stored
    QCOMPARE(batch.events, 6);
    QCOMPARE(batch.messages.size(), 2);
    QCOMPARE(batch.messages[0].id, 1);
    QCOMPARE(batch.messages[1].to, u"alice"_s);
    QVERIFY(batch.reads.isEmpty()); // nobody asked to resume
    room.deliverBatch({});
    const QList<QJsonObject> toAlice = alice.take();
    QCOMPARE(toAlice.size(), 3); // bob joined, one, two
    QCOMPARE(toAlice[1].value("text"_L1).toString(), u"one"_s);
    QCOMPARE(toAlice[2].value("text"_L1).toString(), u"two"_s);
    room.say(u"bob"_s, u"three"_s);
    QCOMPARE(wakes, 2);
}

void tst_ChatRoom::newcomerGetsOnlyLaterEvents()
{
    ChatRoom room;
    room.attach([] {});
    Member alice;
    Member bob;
    room.join(u"alice"_s, &alice.outbox);
    room.say(u"alice"_s, u"before bob"_s);
    const ChatRoom::Joined joined = room.join(u"bob"_s, &bob.outbox);
    room.say(u"alice"_s, u"after bob"_s);
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
    room.join(u"alice"_s, &alice.outbox);
    room.join(u"bob"_s, &bob.outbox);
    alice.take();
    const ChatRoom::Posted first = room.say(u"bob"_s, u"hi"_s, u"c1"_s);
    const ChatRoom::Posted again = room.say(u"BOB"_s, u"hi"_s, u"c1"_s);
    QVERIFY(!first.repeated);
    QVERIFY(again.repeated);
    QCOMPARE(again.id, first.id);
    const ChatRoom::Posted other = room.say(u"alice"_s, u"hi"_s, u"c1"_s); // cids are per sender
    QVERIFY(!other.repeated);
    const ChatRoom::Posted dm = room.sendPrivate(u"bob"_s, u"alice"_s, u"psst"_s, u"c2"_s);
    QVERIFY(room.sendPrivate(u"bob"_s, u"alice"_s, u"psst"_s, u"c2"_s).repeated);
    const QList<QJsonObject> toAlice = alice.take();
    QCOMPARE(toAlice.size(), 3);
    QCOMPARE(toAlice[0].value("cid"_L1).toString(), u"c1"_s);
    QCOMPARE(toAlice[2].value("id"_L1).toInteger(), dm.id);
    QCOMPARE(room.lastId(), 3);
}

void tst_ChatRoom::restoreContinuesIdsAndCids()
{
    ChatRoom room;
    room.restore(41, {{40, u"bob"_s, {}, u"old"_s, 0, u"c9"_s}});
    Member bob;
    room.join(u"bob"_s, &bob.outbox);
    QVERIFY(room.say(u"bob"_s, u"old"_s, u"c9"_s).repeated);
    QCOMPARE(room.say(u"bob"_s, u"new"_s).id, 42);
}

void tst_ChatRoom::cidWindowIsBounded()
{
    ChatRoom room;
    Member bob;
    room.join(u"bob"_s, &bob.outbox);
    for (int i = 0; i <= ChatRoom::CidWindow; ++i) {
        room.say(u"bob"_s, u"x"_s, QString::number(i));
    }
    QVERIFY(room.say(u"bob"_s, u"x"_s, QString::number(ChatRoom::CidWindow)).repeated);
    QVERIFY(!room.say(u"bob"_s, u"x"_s, u"0"_s).repeated); // forgotten: outside the window
}

void tst_ChatRoom::presenceLimitStopsAnnouncements()
{
    ChatRoom room({}, 2);
    Member alice;
    Member bob;
    Member carol;
    room.join(u"alice"_s, &alice.outbox);
    QCOMPARE(room.join(u"bob"_s, &bob.outbox).userCount, 2);
    QCOMPARE(alice.take().size(), 1); // bob's arrival, still announced
    const ChatRoom::Joined third = room.join(u"carol"_s, &carol.outbox);
    QCOMPARE(third.userCount, 3);
    QCOMPARE(third.users, (QStringList{u"alice"_s, u"bob"_s})); // the first two by name
    QCOMPARE(alice.take().size(), 0); // past the limit: no joined
    room.say(u"carol"_s, u"hi"_s);
    QCOMPARE(alice.take().size(), 1); // but chat flows to everyone
    QCOMPARE(carol.take().size(), 1);
    // Leaving mirrors joining: 3 -> 2 is not announced (as 2 -> 3 was not), 2 -> 1 is.
    room.leave(u"alice"_s, u"quit"_s);
    QCOMPARE(carol.take().size(), 0);
    room.leave(u"bob"_s, u"quit"_s);
    QCOMPARE(carol.take().size(), 1);
    room.sendUsers(u"carol"_s);
    const QList<QJsonObject> users = carol.take();
    QCOMPARE(users[0].value("user_count"_L1).toInt(), 1);
}

QTEST_APPLESS_MAIN(tst_ChatRoom)
#include "tst_chatroom.moc"

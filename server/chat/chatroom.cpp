#include "chatroom.h"

#include "framecodec.h"
#include "frames.h"
#include "metrics.h"
#include "outbox.h"

#include <QJsonArray>

#include <algorithm>

using Protocol::ErrorCode;
using namespace Qt::StringLiterals;

namespace {

// The stored copy of the sender's message id, in whatever room or conversation it went to.
MessageStore::Query resendQuery(const QString &identity, qint64 id)
{
    MessageStore::Query query{identity, id - 1, id + 1, 1, false, false};
    query.ownOnly = true;
    return query;
}

} // namespace

ChatRoom::Event ChatRoom::bytesEvent(const QByteArray &frame)
{
    Event event;
    event.frames = {frame};
    return event;
}

ChatRoom::Event ChatRoom::frameEvent(const QJsonObject &frame)
{
    return bytesEvent(FrameCodec::encode(frame));
}

ChatRoom::Event ChatRoom::roomEvent(const QJsonObject &frame, const QString &room)
{
    Event event = frameEvent(frame);
    event.room = room;
    return event;
}

ChatRoom::Event ChatRoom::readEvent(Read read)
{
    Event event;
    event.read = std::move(read);
    return event;
}

qsizetype ChatRoom::waitingForStore() const
{
    std::unique_lock locker(m_mutex);
    return m_pending.size();
}

void ChatRoom::setMotd(const QString &motd)
{
    std::unique_lock locker(m_mutex);
    m_motd = motd;
}

ChatRoom::ChatRoom(QString motd, int presenceLimit, int presenceBatch)
    : m_motd(std::move(motd))
    , m_presenceLimit(presenceLimit)
    , m_presenceBatch(presenceBatch)
{
}

ChatRoom::Joined ChatRoom::join(const Newcomer &newcomer)
{
    std::unique_lock locker(m_mutex);
    if (m_closed) {
        return {ErrorCode::ShuttingDown, 0, {}, 0, 0, {}};
    }
    if (m_revokedAt.value(newcomer.identity) > newcomer.checkedAt) {
        return {ErrorCode::AuthFailed, 0, {}, 0, 0, {}};
    }
    const QString k = key(newcomer.name);
    auto person = m_people.find(k);
    if (person != m_people.end() && person->identity != newcomer.identity) {
        return {ErrorCode::NameTaken, 0, {}, 0, 0, {}};
    }
    if (const RemotePeople::Person *elsewhere = m_remote.byName(k);
        elsewhere && elsewhere->identity != newcomer.identity) {
        return {ErrorCode::NameTaken, 0, {}, 0, 0, {}}; // on another server of the cluster
    }
    if (person == m_people.end()) {
        QMap<QString, qint64> rooms;
        const QSet<QString> keys = newcomer.account
            ? m_directory.roomsOf(newcomer.identity)
            : QSet<QString>{QString::fromLatin1(Protocol::DefaultRoom)};
        for (const QString &room : keys) {
            rooms.insert(room, 0); // the membership's own start applies
        }
        // The newcomer's own joined is the last event it does not receive. Online on another
        // server already, it is no news.
        const Person arriving{newcomer.name, newcomer.identity, {}, {}, rooms};
        const bool news = !m_remote.hasIdentity(newcomer.identity);
        for (auto room = rooms.cbegin(); room != rooms.cend(); ++room) {
            ++m_roomSizes[room.key()];
            if (news) {
                announceLocked(arriving, room.key());
            }
        }
        person = m_people.insert(k, arriving);
        m_identityKeys.insert(newcomer.identity, k);
    }
    const qint64 id = ++m_lastMember;
    person->members.append(id);
    m_members.insert(id,
        Member{k, newcomer.outbox, m_lastSeq, newcomer.revoke, -1, newcomer.address,
            newcomer.dismiss});
    peopleChangedLocked();
    QString motd = m_motdOverride.isEmpty() ? m_motd : m_motdOverride;
    motd.replace("{name}"_L1, person->name);
    const Joined joined{ErrorCode::None, id, usersLocked(), userCountLocked(), m_lastId, motd};

    QJsonArray rooms;
    for (const QString &room : person->rooms.keys()) {
        const RoomDirectory::Room *info = m_directory.find(room);
        rooms.append(QJsonObject{{"room"_L1, info ? info->name : room},
            {"topic"_L1, info ? info->topic : QString()}, {"private"_L1, info && info->isPrivate}});
    }
    QJsonObject welcomeFrame
        = Frames::withRole(Frames::welcome(person->name, joined.users, joined.userCount, motd,
                               joined.lastId, newcomer.account, newcomer.token),
            newcomer.role);
    welcomeFrame.insert("rooms"_L1, rooms);
    Read welcome{Read::Kind::Welcome, {}, welcomeFrame, newcomer.since, {}};
    MessageStore::Query query{newcomer.identity, newcomer.since.value_or(m_lastId), m_lastId + 1, 0,
        true, newcomer.account, person->rooms.keys()};
    query.countUnread = newcomer.account;
    if (newcomer.since && *newcomer.since < m_lastId) {
        query.limit = Protocol::MaxReplay;
    }
    if (query.limit > 0 || query.takeUndelivered) {
        welcome.query = query;
    }
    queueForLocked(id, readEvent(welcome));
    return joined;
}

void ChatRoom::leave(qint64 member, const QString &reason)
{
    std::unique_lock locker(m_mutex);
    const auto found = m_members.constFind(member);
    if (found == m_members.constEnd()) {
        return;
    }
    const auto person = m_people.find(found->key);
    m_members.erase(found);
    peopleChangedLocked();
    person->members.removeOne(member);
    if (!person->members.isEmpty()) {
        return; // still online through another connection
    }
    m_cids.senderLeft(person->identity,
        [this](const QString &identity) { return m_identityKeys.contains(identity); });
    const Person gone = *person;
    if (!gone.identity.startsWith(u"a:"_s)) {
        m_directory.forgetInvitations(gone.identity);
    }
    m_identityKeys.remove(person->identity);
    m_identityKeys.remove(person->formerIdentity);
    m_people.erase(person);
    const bool news = !m_remote.hasIdentity(gone.identity); // else still online elsewhere
    for (const QString &room : gone.rooms.keys()) {
        leftRoomLocked(room);
        if (news) {
            announceLocked(gone, room, reason);
        }
    }
}

void ChatRoom::announceLocked(
    const Person &person, const QString &room, const QString &reason, const QString &alsoTo)
{
    if (m_closed) {
        return;
    }
    if (m_people.size() >= m_presenceLimit) {
        // Nothing is announced from here on; what waited happened before, and is told first,
        // so no window stays open over changes it never heard of.
        queueAllPresenceLocked();
        return;
    }
    const bool joined = reason.isEmpty();
    const RoomDirectory::Room *info = m_directory.find(room);
    const QString name = info ? info->name : room;
    const auto frame = [&] {
        return joined ? Frames::joined(person.name, Protocol::timestampNow(), name)
                      : Frames::left(person.name, reason, Protocol::timestampNow(), name);
    };
    // The people in the room, the one coming or going included.
    if (m_roomSizes.value(room) + (joined ? 0 : 1) > m_presenceBatch) {
        // A frame per person for each of N people is O(N) frames per arrival: in a big room
        // they wait for flushPresence() instead, which tells everyone at once.
        if (joined) {
            m_presence.arrived(room, person.name);
        } else {
            m_presence.departed(room, person.name, reason);
        }
        if (!alsoTo.isEmpty()) {
            // A part: its own connections are out of the room, where the presence frame goes,
            // and need to know now that they have left it.
            Event event = frameEvent(frame());
            event.to = alsoTo;
            queueLocked(std::move(event));
        }
        return;
    }
    if (m_presence.isPending(room)) {
        // The room has just become small: what waited comes first, so its changes are read in
        // the order they happened.
        queuePresenceLocked(m_presence.take(room));
    }
    Event event = roomEvent(frame(), room);
    event.alsoTo = alsoTo;
    queueLocked(std::move(event));
}

void ChatRoom::leftRoomLocked(const QString &room)
{
    const auto size = m_roomSizes.find(room);
    if (size != m_roomSizes.end() && --*size <= 0) {
        m_roomSizes.erase(size);
    }
}

void ChatRoom::queuePresenceLocked(const PresenceBatch::Change &change)
{
    if (change.joined.isEmpty() && change.left.isEmpty()) {
        return; // they came and went, or went and came back
    }
    const RoomDirectory::Room *info = m_directory.find(change.room);
    const QString name = info ? info->name : change.room;
    const QString ts = Protocol::timestampNow();
    // One event, so the frames of a big change stay together in the room's order.
    Event event;
    event.room = change.room;
    qsizetype joined = 0;
    qsizetype left = 0;
    while (joined < change.joined.size() || left < change.left.size()) {
        const QStringList arriving = change.joined.mid(joined, Protocol::MaxPresenceNames);
        joined += arriving.size();
        QJsonArray leaving;
        for (; left < change.left.size()
             && arriving.size() + leaving.size() < Protocol::MaxPresenceNames;
             ++left) {
            leaving.append(
                Frames::presenceDeparture(change.left.at(left).name, change.left.at(left).reason));
        }
        event.frames.append(FrameCodec::encode(Frames::presence(name, arriving, leaving, ts)));
    }
    queueLocked(std::move(event));
}

void ChatRoom::flushPresence()
{
    std::unique_lock locker(m_mutex);
    flushPresenceLocked();
}

void ChatRoom::flushPresenceLocked()
{
    if (m_presence.isEmpty()) {
        return;
    }
    if (m_closed || m_people.size() >= m_presenceLimit) {
        m_presence.clear(); // past the limit nothing is announced
        return;
    }
    queueAllPresenceLocked();
}

void ChatRoom::queueAllPresenceLocked()
{
    for (const PresenceBatch::Change &change : m_presence.takeAll()) {
        queuePresenceLocked(change);
    }
}

QStringList ChatRoom::roomMembersLocked(const QString &room) const
{
    QMap<QString, QString> members; // in the users' order, each person once
    for (auto person = m_people.cbegin(); person != m_people.cend(); ++person) {
        if (person->rooms.contains(room)) {
            members.insert(person.key(), person->name);
        }
    }
    if (m_remote.size() > 0) {
        for (const RemotePeople::Person &person : m_remote.people()) {
            if (person.rooms.contains(room)) {
                members.insert(key(person.name), person.name);
            }
        }
    }
    QStringList names;
    for (const QString &name : std::as_const(members)) {
        if (names.size() == m_presenceLimit) {
            break;
        }
        names.append(name);
    }
    return names;
}

Protocol::ErrorCode ChatRoom::joinRoom(qint64 member, const QString &room)
{
    std::unique_lock locker(m_mutex);
    const auto found = m_members.constFind(member);
    if (m_closed || found == m_members.constEnd()) {
        return ErrorCode::ShuttingDown;
    }
    Person &person = *m_people.find(found->key);
    const QString k = RoomDirectory::key(room);
    if (!person.rooms.contains(k)
        && (person.rooms.size() >= Protocol::MaxRoomsPerPerson
            || (!m_directory.find(k) && m_directory.size() >= MaxRooms))) {
        return ErrorCode::TooManyRooms;
    }
    Event changes;
    if (m_sequencedByStore && !m_directory.find(k)) {
        // In a cluster, a room of that name may be on another server still unknown here (a
        // private one, say): make a room with create, which finds out.
        return ErrorCode::NoSuchRoom;
    }
    if (m_directory.create(room, false, person.identity)) {
        changes.roomChanges.append(RoomChange::created(k, room, {}, false, person.identity));
    }
    const RoomDirectory::Room *info = m_directory.find(k);
    if (info->isPrivate && !person.rooms.contains(k)
        && !m_directory.takeInvitation(k, person.identity)) {
        return ErrorCode::NotInvited;
    }
    enterLocked(person, k, changes);
    queueRoomLocked(member, person,
        Frames::room(info->name, info->topic, roomMembersLocked(k), m_lastId, info->isPrivate));
    return ErrorCode::None;
}

bool ChatRoom::isIn(qint64 member, const QString &room) const
{
    std::unique_lock locker(m_mutex);
    const Person *person = personLocked(member);
    return person && person->rooms.contains(RoomDirectory::key(room));
}

void ChatRoom::queueRoomLocked(qint64 member, const Person &person, const QJsonObject &frame)
{
    Read read{Read::Kind::Room, {}, frame, {}, {}};
    if (person.identity.startsWith(u"a:"_s)) {
        // Its unread count is the store's to tell, after the join that set its marker.
        MessageStore::Query query{person.identity, m_lastId, m_lastId + 1, 0, true, false};
        query.rooms = {RoomDirectory::key(frame.value("room"_L1).toString())};
        query.privateMessages = false;
        query.countUnread = true;
        read.query = query;
    }
    queueForLocked(member, readEvent(read));
}

void ChatRoom::enterLocked(Person &person, const QString &room, Event changes)
{
    const bool entering = !person.rooms.contains(room);
    if (entering) {
        person.rooms.insert(room, m_lastSeq);
        peopleChangedLocked();
        ++m_roomSizes[room];
        if (person.identity.startsWith(u"a:"_s)) {
            m_directory.addAccount(room, person.identity);
            changes.roomChanges.append(
                RoomChange::of(RoomChange::Kind::Join, room, person.identity));
            // What was said before it joined is history, not unread.
            changes.roomChanges.append(RoomChange::readUpTo(room, person.identity, m_lastId));
        }
    }
    if (!changes.roomChanges.isEmpty()) {
        queueLocked(std::move(changes));
    }
    if (entering) {
        announceLocked(person, room);
    }
}

Protocol::ErrorCode ChatRoom::createRoom(
    qint64 member, const QString &room, bool isPrivate, const QString &topic)
{
    std::unique_lock locker(m_mutex);
    const auto found = m_members.constFind(member);
    if (m_closed || found == m_members.constEnd()) {
        return ErrorCode::ShuttingDown;
    }
    Person &person = *m_people.find(found->key);
    if (person.rooms.size() >= Protocol::MaxRoomsPerPerson || m_directory.size() >= MaxRooms) {
        return ErrorCode::TooManyRooms;
    }
    if (!m_directory.create(room, isPrivate, person.identity, topic)) {
        return ErrorCode::RoomExists;
    }
    const QString k = RoomDirectory::key(room);
    if (m_sequencedByStore) {
        m_unconfirmedRooms.insert(k);
    }
    Event changes;
    changes.roomChanges.append(RoomChange::created(k, room, topic, isPrivate, person.identity));
    enterLocked(person, k, std::move(changes));
    queueRoomLocked(
        member, person, Frames::room(room, topic, roomMembersLocked(k), m_lastId, isPrivate));
    return ErrorCode::None;
}

Protocol::ErrorCode ChatRoom::invite(
    qint64 member, const QString &room, const QString &name, const std::optional<Offline> &offline)
{
    std::unique_lock locker(m_mutex);
    const Person *inviter = personLocked(member);
    if (m_closed || !inviter) {
        return ErrorCode::ShuttingDown;
    }
    const QString k = RoomDirectory::key(room);
    const RoomDirectory::Room *info = roomForLocked(*inviter, k);
    if (!info) {
        return ErrorCode::NoSuchRoom;
    }
    if (!inviter->rooms.contains(k)) {
        return ErrorCode::NotMember;
    }
    const auto guest = m_people.constFind(key(name));
    const RemotePeople::Person *elsewhere = m_remote.byName(key(name));
    const QString identity = guest != m_people.constEnd() ? guest->identity
        : elsewhere                                       ? elsewhere->identity
        : offline                                         ? offline->identity
                                                          : QString();
    if (identity.isEmpty()) {
        return ErrorCode::NoSuchUser;
    }
    m_directory.invite(k, identity);
    Event event = frameEvent(Frames::invited(info->name, inviter->name));
    event.to = identity;
    if (identity.startsWith(u"a:"_s)) {
        RoomChange change = RoomChange::of(RoomChange::Kind::Invite, k, identity);
        change.by = inviter->name;
        event.roomChanges.append(change);
    }
    queueLocked(std::move(event));
    return ErrorCode::None;
}

Protocol::ErrorCode ChatRoom::markRead(qint64 member, const QString &room, qint64 id)
{
    std::unique_lock locker(m_mutex);
    const Person *person = personLocked(member);
    if (m_closed || !person) {
        return ErrorCode::ShuttingDown;
    }
    const QString k = RoomDirectory::key(room);
    if (!roomForLocked(*person, k)) {
        return ErrorCode::NoSuchRoom;
    }
    if (!person->rooms.contains(k)) {
        return ErrorCode::NotMember;
    }
    if (person->identity.startsWith(u"a:"_s)) {
        Event event;
        event.roomChanges.append(RoomChange::readUpTo(k, person->identity, std::min(id, m_lastId)));
        queueLocked(std::move(event));
    }
    return ErrorCode::None;
}

Protocol::ErrorCode ChatRoom::setTopic(qint64 member, const QString &room, const QString &topic)
{
    std::unique_lock locker(m_mutex);
    const Person *person = personLocked(member);
    if (m_closed || !person) {
        return ErrorCode::ShuttingDown;
    }
    const QString k = RoomDirectory::key(room);
    const RoomDirectory::Room *info = roomForLocked(*person, k);
    if (!info) {
        return ErrorCode::NoSuchRoom;
    }
    if (!person->rooms.contains(k)) {
        return ErrorCode::NotMember;
    }
    if (info->isPrivate && info->owner != person->identity) {
        return ErrorCode::NotOwner;
    }
    m_directory.setTopic(k, topic);
    Event event = roomEvent(Frames::topicChanged(info->name, topic, person->name), k);
    event.roomChanges.append(RoomChange::newTopic(k, topic, person->name));
    queueLocked(std::move(event));
    return ErrorCode::None;
}

Protocol::ErrorCode ChatRoom::partRoom(qint64 member, const QString &room)
{
    std::unique_lock locker(m_mutex);
    const auto found = m_members.constFind(member);
    if (m_closed || found == m_members.constEnd()) {
        return ErrorCode::ShuttingDown;
    }
    Person &person = *m_people.find(found->key);
    const QString k = RoomDirectory::key(room);
    if (!roomForLocked(person, k)) {
        return ErrorCode::NoSuchRoom;
    }
    if (!person.rooms.contains(k)) {
        return ErrorCode::NotMember;
    }
    person.rooms.remove(k);
    peopleChangedLocked();
    leftRoomLocked(k);
    // Its own connections hear of it too.
    announceLocked(person, k, u"part"_s, person.identity);
    if (person.identity.startsWith(u"a:"_s)) {
        m_directory.removeAccount(k, person.identity);
        Event change;
        change.roomChanges.append(RoomChange::of(RoomChange::Kind::Part, k, person.identity));
        queueLocked(std::move(change));
    }
    return ErrorCode::None;
}

void ChatRoom::sendRooms(qint64 member)
{
    std::unique_lock locker(m_mutex);
    const Person *person = personLocked(member);
    if (!person) {
        return;
    }
    QJsonArray rooms;
    const auto &all = m_directory.rooms();
    for (auto room = all.cbegin(); room != all.cend(); ++room) {
        if (room->isPrivate && !person->rooms.contains(room.key())) {
            continue; // nobody outside it knows it is there
        }
        // Its accounts, and the guests in it now.
        qsizetype members = room->accounts.size();
        for (const Person &other : m_people) {
            members += other.rooms.contains(room.key()) && !room->accounts.contains(other.identity)
                ? 1
                : 0;
        }
        rooms.append(Frames::roomEntry(
            room->name, room->topic, members, person->rooms.contains(room.key()), room->isPrivate));
    }
    queueForLocked(member, frameEvent(Frames::rooms(rooms)));
}

ChatRoom::Posted ChatRoom::say(
    qint64 member, const QString &text, const QString &cid, const QString &room)
{
    std::unique_lock locker(m_mutex);
    const QString k = RoomDirectory::key(room);
    const Person *sender = personLocked(member);
    if (!m_closed && sender && !roomForLocked(*sender, k)) {
        return {ErrorCode::NoSuchRoom, 0, false};
    }
    if (!m_closed && sender && !sender->rooms.contains(k)) {
        return {ErrorCode::NotMember, 0, false};
    }
    return postLocked(member,
        {m_lastId + 1, {}, {}, text, QDateTime::currentMSecsSinceEpoch(), cid, {}, {}, false, k},
        {}, {});
}

ChatRoom::Posted ChatRoom::sendPrivate(qint64 member, const QString &to, const QString &text,
    const QString &cid, const std::optional<Offline> &offline)
{
    std::unique_lock locker(m_mutex);
    return postLocked(member,
        {m_lastId + 1, {}, {}, text, QDateTime::currentMSecsSinceEpoch(), cid, {}, {}, false, {}},
        to, offline);
}

ChatRoom::Posted ChatRoom::postLocked(
    qint64 member, StoredMessage message, const QString &to, const std::optional<Offline> &offline)
{
    if (m_closed) {
        return {ErrorCode::ShuttingDown, 0, false};
    }
    const Person *sender = personLocked(member);
    if (!sender) {
        return {ErrorCode::NotRegistered, 0, false}; // it has left: nothing more in its name
    }
    message.from = sender->name;
    message.fromIdentity = sender->identity;
    if (const auto id = m_cids.find(sender->identity, message.cid)) {
        // A retry of something already posted: the sender gets the stored copy again (clients
        // drop an id they already have), and nobody else hears of it.
        queueForLocked(member,
            readEvent({Read::Kind::Resend, resendQuery(sender->identity, *id), {}, {}, {}}));
        return {ErrorCode::None, *id, true};
    }
    if (!to.isEmpty()) {
        const auto recipient = m_people.constFind(key(to));
        const RemotePeople::Person *elsewhere
            = recipient == m_people.constEnd() ? m_remote.byName(key(to)) : nullptr;
        if (recipient != m_people.constEnd()) {
            message.to = recipient->name;
            message.toIdentity = recipient->identity;
        } else if (elsewhere) {
            // Online on another server, which delivers it once it is stored. An account's waits
            // until that server says it arrived: it may have gone meanwhile.
            message.to = elsewhere->name;
            message.toIdentity = elsewhere->identity;
            message.undelivered = message.toIdentity.startsWith(u"a:"_s);
        } else if (offline) {
            message.to = offline->name;
            message.toIdentity = offline->identity;
            // Online after all (it signed in while its account was looked up)?
            message.undelivered = !m_identityKeys.contains(offline->identity);
        } else {
            return {ErrorCode::NoSuchUser, 0, false};
        }
    }
    if (m_sequencedByStore) {
        if (!message.cid.isEmpty()) {
            QSet<QString> &cids = m_unsequencedCids[message.fromIdentity];
            if (cids.contains(message.cid)) {
                return {ErrorCode::None, 0, true}; // the first, once stored, is its answer
            }
            cids.insert(message.cid);
        }
        if (m_pending.isEmpty() && m_unsequenced.isEmpty() && m_wake) {
            m_wake();
        }
        m_unsequenced.append(std::move(message));
        return {ErrorCode::None, 0, false};
    }
    const qint64 id = message.id;
    m_lastId = id;
    m_cids.remember(message.fromIdentity, message.cid, id);
    Event event = messageEvent(message);
    event.message = std::move(message);
    queueLocked(std::move(event));
    return {ErrorCode::None, id, false};
}

ChatRoom::Event ChatRoom::messageEvent(const StoredMessage &message)
{
    Event event;
    if (message.isPrivate()) {
        event.to = message.toIdentity;
    } else {
        event.room = message.room;
    }
    event.alsoTo = message.fromIdentity; // its acknowledgement, even if it parts meanwhile
    event.frames = {FrameCodec::encode(message.toFrame())};
    return event;
}

void ChatRoom::setSequencedByStore(bool sequenced)
{
    std::unique_lock locker(m_mutex);
    m_sequencedByStore = sequenced;
}

QList<qint64> ChatRoom::deliverStored(const QList<StoredMessage> &messages)
{
    std::unique_lock locker(m_mutex);
    QList<qint64> arrived;
    for (const StoredMessage &message : messages) {
        if (message.id <= m_lastId) {
            continue; // delivered already
        }
        m_lastId = message.id;
        // From any server: a client that retries on this one after losing another is known.
        m_cids.remember(message.fromIdentity, message.cid, message.id);
        if (!message.cid.isEmpty()) {
            const auto waiting = m_unsequencedCids.find(message.fromIdentity);
            if (waiting != m_unsequencedCids.end() && waiting->remove(message.cid)
                && waiting->isEmpty()) {
                m_unsequencedCids.erase(waiting);
            }
        }
        if (message.undelivered && m_identityKeys.contains(message.toIdentity)) {
            arrived.append(message.id);
        }
        if (!message.isPrivate() && m_unconfirmedRooms.contains(message.room)) {
            continue; // another server's room of that name (settleCreations)
        }
        queueLocked(messageEvent(message));
    }
    return arrived;
}

void ChatRoom::sendUsers(qint64 member)
{
    std::unique_lock locker(m_mutex);
    queueForLocked(member, frameEvent(Frames::users(usersLocked(), userCountLocked())));
}

Protocol::ErrorCode ChatRoom::sendHistory(
    qint64 member, MessageStore::Query query, const QString &room)
{
    std::unique_lock locker(m_mutex);
    const Person *person = personLocked(member);
    if (!person) {
        return ErrorCode::NotRegistered;
    }
    query.viewer = person->identity;
    query.takeUndelivered = false;
    if (room.isEmpty()) {
        // As before rooms: general, if it is in it, and its private messages.
        const QString general = QString::fromLatin1(Protocol::DefaultRoom);
        query.rooms = person->rooms.contains(general) ? QStringList{general} : QStringList{};
        query.privateMessages = true;
    } else {
        const QString k = RoomDirectory::key(room);
        if (!roomForLocked(*person, k)) {
            return ErrorCode::NoSuchRoom;
        }
        if (!person->rooms.contains(k)) {
            return ErrorCode::NotMember;
        }
        query.rooms = {k};
        query.privateMessages = false;
    }
    // The store answers after committing the whole batch, later messages included; the page
    // must hold only what came before the request, as the live traffic brings the rest.
    query.before = std::min(query.before, m_lastId + 1);
    queueForLocked(member,
        readEvent({Read::Kind::History, query, {}, {},
            room.isEmpty() ? QJsonObject{} : QJsonObject{{"room"_L1, query.rooms.value(0)}}}));
    return ErrorCode::None;
}

void ChatRoom::sendConversation(
    qint64 member, MessageStore::Query query, const QString &with, const QString &name)
{
    std::unique_lock locker(m_mutex);
    const Person *person = personLocked(member);
    if (!person) {
        return;
    }
    query.viewer = person->identity;
    query.takeUndelivered = false;
    query.rooms = {};
    query.privateMessages = true;
    query.with = with;
    query.before = std::min(query.before, m_lastId + 1);
    queueForLocked(member, readEvent({Read::Kind::History, query, {}, {}, {{"with"_L1, name}}}));
}

std::optional<QString> ChatRoom::identityOf(const QString &name) const
{
    std::unique_lock locker(m_mutex);
    const auto person = m_people.constFind(key(name));
    return person == m_people.constEnd() ? std::nullopt : std::optional(person->identity);
}

void ChatRoom::sendAfterQueued(qint64 member, const QByteArray &frame)
{
    std::unique_lock locker(m_mutex);
    queueForLocked(member, bytesEvent(frame));
}

void ChatRoom::promote(qint64 member, const QString &identity)
{
    std::unique_lock locker(m_mutex);
    const auto found = m_members.constFind(member);
    if (found == m_members.constEnd()) {
        return;
    }
    Person &person = *m_people.find(found->key);
    // Events already queued for the guest still find it by its old identity.
    person.formerIdentity = person.identity;
    person.identity = identity;
    ++m_peopleVersion; // the cluster's other servers learn the name is an account's now
    m_identityKeys.insert(identity, found->key);
    m_cids.rename(person.formerIdentity, identity);
    m_directory.rename(person.formerIdentity, identity);
    Event event;
    event.transfer = Transfer{person.formerIdentity, identity};
    // Its rooms are the account's now, for good.
    for (const QString &room : person.rooms.keys()) {
        m_directory.addAccount(room, identity);
        event.roomChanges.append(RoomChange::of(RoomChange::Kind::Join, room, identity));
        event.roomChanges.append(RoomChange::readUpTo(room, identity, m_lastId));
    }
    queueLocked(std::move(event));
}

void ChatRoom::revoke(const QString &identity, qint64 except)
{
    std::unique_lock locker(m_mutex);
    m_revokedAt.insert(identity, ++m_revocations);
    const auto k = m_identityKeys.constFind(identity);
    if (k == m_identityKeys.constEnd()) {
        return;
    }
    for (const qint64 other : m_people.constFind(*k)->members) {
        const auto connection = m_members.constFind(other);
        if (other != except && connection->revoke) {
            connection->revoke();
        }
    }
}

qint64 ChatRoom::revocations() const
{
    std::unique_lock locker(m_mutex);
    return m_revocations;
}

const RoomDirectory::Room *ChatRoom::roomForLocked(const Person &person, const QString &key) const
{
    const RoomDirectory::Room *room = m_directory.find(key);
    return room && (!room->isPrivate || person.rooms.contains(key)) ? room : nullptr;
}

const ChatRoom::Person *ChatRoom::personLocked(qint64 member) const
{
    const auto found = m_members.constFind(member);
    if (found == m_members.constEnd()) {
        return nullptr;
    }
    const auto person = m_people.constFind(found->key);
    return person == m_people.constEnd() ? nullptr : &*person;
}

void ChatRoom::queueForLocked(qint64 member, Event event)
{
    if (!m_members.contains(member)) {
        return;
    }
    event.toMember = member;
    queueLocked(std::move(event));
}

void ChatRoom::announce(const QByteArray &frame)
{
    std::unique_lock locker(m_mutex);
    queueLocked(bytesEvent(frame));
}

std::optional<ChatRoom::Online> ChatRoom::online(const QString &name) const
{
    std::unique_lock locker(m_mutex);
    const auto person = m_people.constFind(key(name));
    if (person == m_people.constEnd()) {
        return std::nullopt;
    }
    Online found{person->name, person->identity, person->rooms.keys(), {}};
    for (const qint64 id : person->members) {
        const QHostAddress address = m_members.value(id).address;
        if (!address.isNull() && !found.addresses.contains(address)) {
            found.addresses.append(address);
        }
    }
    return found;
}

std::optional<ChatRoom::RoomInfo> ChatRoom::roomInfo(const QString &room) const
{
    std::unique_lock locker(m_mutex);
    const RoomDirectory::Room *info = m_directory.find(RoomDirectory::key(room));
    return info ? std::optional(RoomInfo{info->name, info->owner, info->isPrivate}) : std::nullopt;
}

int ChatRoom::dismiss(const QString &identity, const QJsonObject &notice, const QString &reason)
{
    std::unique_lock locker(m_mutex);
    if (reason == "banned"_L1) {
        // A sign-in checked against the bans before this one, and not yet joined, is refused
        // when it comes to join, as after a password change.
        m_revokedAt.insert(identity, ++m_revocations);
    }
    const Person *person = personOfIdentityLocked(identity);
    if (!person) {
        return 0;
    }
    for (const qint64 id : person->members) {
        const auto member = m_members.constFind(id);
        if (member->dismiss) {
            member->dismiss(notice, reason);
        }
    }
    return int(person->members.size());
}

int ChatRoom::dismissAddresses(const std::function<bool(const QHostAddress &)> &covered,
    const QJsonObject &notice, const QString &reason)
{
    std::unique_lock locker(m_mutex);
    int count = 0;
    for (const Member &member : std::as_const(m_members)) {
        if (member.dismiss && covered(member.address)) {
            member.dismiss(notice, reason);
            ++count;
        }
    }
    return count;
}

void ChatRoom::noticeRooms(
    const QStringList &rooms, const QJsonObject &notice, const QString &alsoTo)
{
    std::unique_lock locker(m_mutex);
    for (const QString &room : rooms) {
        const RoomDirectory::Room *info = m_directory.find(room);
        QJsonObject frame = notice;
        frame.insert("room"_L1, info ? info->name : room);
        Event event = roomEvent(frame, room);
        event.alsoTo = alsoTo;
        queueLocked(std::move(event));
    }
}

void ChatRoom::noticePerson(const QString &identity, const QJsonObject &notice)
{
    std::unique_lock locker(m_mutex);
    if (!personOfIdentityLocked(identity)) {
        return;
    }
    Event event = frameEvent(notice);
    event.to = identity;
    queueLocked(std::move(event));
}

Protocol::ErrorCode ChatRoom::removeFromRoom(const QString &room, const QString &identity,
    const QString &reason, const QJsonObject &notice, const QString &alsoTo)
{
    std::unique_lock locker(m_mutex);
    const QString k = RoomDirectory::key(room);
    const RoomDirectory::Room *info = m_directory.find(k);
    if (!info) {
        return ErrorCode::NoSuchRoom;
    }
    const auto local = m_identityKeys.constFind(identity);
    Person *person = local == m_identityKeys.constEnd() ? nullptr : &*m_people.find(*local);
    const bool here = person && person->rooms.contains(k);
    const bool account = identity.startsWith(u"a:"_s);
    if (!here && !(account && info->accounts.contains(identity))) {
        return ErrorCode::NotMember;
    }
    if (here) {
        person->rooms.remove(k);
        peopleChangedLocked();
        leftRoomLocked(k);
        announceLocked(*person, k, reason, person->identity);
    }
    QJsonObject frame = notice;
    frame.insert("room"_L1, info->name);
    Event event = roomEvent(frame, k);
    event.alsoTo = alsoTo;
    if (account) {
        m_directory.removeAccount(k, identity);
        event.roomChanges.append(RoomChange::of(RoomChange::Kind::Part, k, identity));
    }
    queueLocked(std::move(event));
    if (here) {
        // It is out of the room, where the notice went: its own connections hear it too.
        Event own = frameEvent(frame);
        own.to = identity;
        queueLocked(std::move(own));
    }
    return ErrorCode::None;
}

void ChatRoom::setMotdOverride(const QString &motd)
{
    std::unique_lock locker(m_mutex);
    m_motdOverride = motd;
}

QStringList ChatRoom::users() const
{
    std::unique_lock locker(m_mutex);
    return usersLocked();
}

int ChatRoom::userCount() const
{
    std::unique_lock locker(m_mutex);
    return userCountLocked();
}

qint64 ChatRoom::lastId() const
{
    std::unique_lock locker(m_mutex);
    return m_lastId;
}

void ChatRoom::close()
{
    std::unique_lock locker(m_mutex);
    flushPresenceLocked(); // the last word on who was there, before the byes
    m_closed = true;
}

void ChatRoom::restore(
    qint64 lastId, const QList<StoredMessage> &withCid, const QList<MessageStore::Room> &rooms)
{
    std::unique_lock locker(m_mutex);
    m_directory.restore(rooms);
    m_lastId = std::max(m_lastId, lastId);
    for (const StoredMessage &message : withCid) {
        m_cids.remember(message.fromIdentity, message.cid, message.id);
    }
}

void ChatRoom::attach(std::function<void()> wake)
{
    std::unique_lock locker(m_mutex);
    m_wake = std::move(wake);
}

StorePipeline::Batch ChatRoom::takeBatch()
{
    {
        std::unique_lock locker(m_mutex);
        m_inFlight += std::exchange(m_pending, {});
    }
    // Only the store thread touches the batch in flight.
    Batch batch;
    {
        std::unique_lock locker(m_mutex);
        batch.unsequenced = std::exchange(m_unsequenced, {});
    }
    batch.events = m_inFlight.size() + batch.unsequenced.size();
    for (const Event &event : std::as_const(m_inFlight)) {
        if (event.message) {
            batch.messages.append(*event.message);
        }
        if (event.transfer) {
            batch.transfers.append(*event.transfer);
        }
        batch.roomChanges += event.roomChanges;
        if (event.read && event.read->query) {
            batch.reads.append(*event.read->query);
        }
    }
    return batch;
}

void ChatRoom::deliverBatch(const QList<MessageStore::Page> &pages)
{
    // Replies are encoded before taking the lock: a page can be large.
    QList<Event> events = std::exchange(m_inFlight, {});
    qsizetype nextPage = 0;
    for (Event &event : events) {
        if (event.read) {
            const bool hasPage = event.read->query.has_value();
            const MessageStore::Page page
                = hasPage && nextPage < pages.size() ? pages.at(nextPage) : MessageStore::Page{};
            nextPage += hasPage ? 1 : 0;
            event.frames = answer(*event.read, page);
        }
    }
    std::unique_lock locker(m_mutex);
    deliverLocked(events);
}

QJsonObject ChatRoom::withUnread(QJsonObject frame, const QHash<QString, int> &unread)
{
    if (frame.contains("rooms"_L1)) { // a welcome: each of its rooms
        QJsonArray rooms = frame.value("rooms"_L1).toArray();
        for (qsizetype i = 0; i < rooms.size(); ++i) {
            QJsonObject room = rooms.at(i).toObject();
            room.insert(
                "unread"_L1, unread.value(RoomDirectory::key(room.value("room"_L1).toString())));
            rooms.replace(i, room);
        }
        frame.insert("rooms"_L1, rooms);
    } else {
        frame.insert(
            "unread"_L1, unread.value(RoomDirectory::key(frame.value("room"_L1).toString())));
    }
    return frame;
}

QList<QByteArray> ChatRoom::answer(const Read &read, const MessageStore::Page &page)
{
    QList<QByteArray> frames;
    if (page.failed) {
        return failedAnswer(read);
    }
    switch (read.kind) {
    case Read::Kind::Welcome: {
        QJsonObject welcome = read.welcome;
        if (read.since && page.more) {
            // Too much to replay: the newest part follows, and the client can page the rest.
            // (Messages that waited for an offline account may come before it.)
            const auto first = std::find_if(page.messages.cbegin(), page.messages.cend(),
                [&read](const StoredMessage &message) { return message.id > *read.since; });
            welcome = Frames::withReplay(welcome, page.messages.size(), *read.since,
                first == page.messages.cend() ? *read.since + 1 : first->id);
        } else if (read.since || !page.messages.isEmpty()) {
            // Without since, what follows is what waited for an offline account.
            welcome = Frames::withReplay(welcome, page.messages.size());
        }
        frames.append(FrameCodec::encode(withUnread(welcome, page.unread)));
        for (const StoredMessage &message : page.messages) {
            frames.append(FrameCodec::encode(message.toFrame()));
        }
        break;
    }
    case Read::Kind::Room:
        frames.append(FrameCodec::encode(withUnread(read.welcome, page.unread)));
        break;
    case Read::Kind::History: {
        QJsonArray messages;
        for (const StoredMessage &message : page.messages) {
            messages.append(message.toFrame());
        }
        QJsonObject history = Frames::history(messages, page.more);
        for (auto field = read.about.constBegin(); field != read.about.constEnd(); ++field) {
            history.insert(field.key(), field.value());
        }
        frames.append(FrameCodec::encode(history));
        break;
    }
    case Read::Kind::Resend:
        for (const StoredMessage &message : page.messages) {
            frames.append(FrameCodec::encode(message.toFrame()));
        }
        break;
    }
    return frames;
}

// An empty page would look like the whole range: no replay, a history without `more`. The client
// is told instead, and can ask again.
QList<QByteArray> ChatRoom::failedAnswer(const Read &read)
{
    QList<QByteArray> frames;
    QJsonObject error;
    switch (read.kind) {
    case Read::Kind::Welcome:
        frames.append(FrameCodec::encode(read.welcome));
        error = Frames::error(ErrorCode::StorageFailed,
            read.since ? u"the messages since %1 could not be read; ask for them again with "
                         "history"_s.arg(*read.since)
                       : u"the history could not be read"_s);
        break;
    case Read::Kind::Room:
        frames.append(FrameCodec::encode(read.welcome));
        return frames;
    case Read::Kind::History:
        error = Frames::error(
            ErrorCode::StorageFailed, u"the history could not be read; try again later"_s);
        for (auto field = read.about.constBegin(); field != read.about.constEnd(); ++field) {
            error.insert(field.key(), field.value());
        }
        break;
    case Read::Kind::Resend:
        error = Frames::error(ErrorCode::StorageFailed,
            u"the stored copy of the message could not be read; try again later"_s);
        break;
    }
    frames.append(FrameCodec::encode(error));
    return frames;
}

QStringList ChatRoom::usersLocked() const
{
    QStringList names;
    names.reserve(std::min<qsizetype>(m_people.size(), m_presenceLimit));
    if (m_remote.size() == 0) {
        for (const Person &person : m_people) {
            if (names.size() == m_presenceLimit) {
                break;
            }
            names.append(person.name);
        }
        return names;
    }
    // With the cluster's other servers: everyone once, in the same order.
    QMap<QString, QString> everyone;
    for (auto person = m_people.cbegin(); person != m_people.cend(); ++person) {
        everyone.insert(person.key(), person->name);
    }
    for (const RemotePeople::Person &person : m_remote.people()) {
        everyone.insert(key(person.name), person.name);
    }
    for (const QString &name : std::as_const(everyone)) {
        if (names.size() == m_presenceLimit) {
            break;
        }
        names.append(name);
    }
    return names;
}

int ChatRoom::userCountLocked() const
{
    qsizetype count = m_people.size();
    for (const RemotePeople::Person &person : m_remote.people()) {
        count += m_identityKeys.contains(person.identity) ? 0 : 1;
    }
    return int(count);
}

void ChatRoom::peopleChangedLocked()
{
    m_seats.clear();
    ++m_peopleVersion;
}

std::optional<QByteArray> ChatRoom::presenceSnapshot(const QString &node, bool force)
{
    std::unique_lock locker(m_mutex);
    if (!force && m_publishedVersion == m_peopleVersion) {
        return std::nullopt;
    }
    m_publishedVersion = m_peopleVersion;
    QList<RemotePeople::Person> people;
    people.reserve(m_people.size());
    for (const Person &person : std::as_const(m_people)) {
        people.append({person.name, person.identity, person.rooms.keys()});
    }
    return RemotePeople::encode(node, people);
}

void ChatRoom::applyPresence(const QByteArray &snapshot, const QString &ownNode, qint64 nowMs)
{
    QString node;
    QList<RemotePeople::Person> people;
    if (!RemotePeople::decode(snapshot, &node, &people) || node == ownNode) {
        return;
    }
    std::unique_lock locker(m_mutex);
    announceRemoteLocked(m_remote.update(node, people, nowMs));
}

void ChatRoom::expirePresence(qint64 nowMs)
{
    std::unique_lock locker(m_mutex);
    announceRemoteLocked(m_remote.expire(nowMs));
}

void ChatRoom::applyRoomChanges(const QList<RoomChange> &changes)
{
    std::unique_lock locker(m_mutex);
    for (const RoomChange &change : changes) {
        const QString &k = change.room;
        const auto local = m_identityKeys.constFind(change.name);
        Person *person = local == m_identityKeys.constEnd() ? nullptr : &*m_people.find(*local);
        switch (change.kind) {
        case RoomChange::Kind::Create:
            m_directory.create(change.name, change.isPrivate, change.owner, change.topic);
            break;
        case RoomChange::Kind::Topic:
            if (const RoomDirectory::Room *info = m_directory.find(k);
                info && info->topic != change.topic) {
                m_directory.setTopic(k, change.topic);
                queueLocked(
                    roomEvent(Frames::topicChanged(info->name, change.topic, change.by), k));
            }
            break;
        case RoomChange::Kind::Invite:
            if (const RoomDirectory::Room *info = m_directory.find(k); info
                && !info->invited.contains(change.name) && !info->accounts.contains(change.name)) {
                m_directory.invite(k, change.name);
                Event event = frameEvent(Frames::invited(info->name, change.by));
                event.to = change.name;
                queueLocked(std::move(event));
            }
            break;
        case RoomChange::Kind::Join:
            m_directory.addAccount(k, change.name);
            // The same account, signed in here too, is in the room here as well.
            if (person && !person->rooms.contains(k)) {
                if (const RoomDirectory::Room *info = m_directory.find(k)) {
                    person->rooms.insert(k, m_lastSeq);
                    peopleChangedLocked();
                    ++m_roomSizes[k];
                    announceLocked(*person, k);
                    for (const qint64 member : std::as_const(person->members)) {
                        queueRoomLocked(member, *person,
                            Frames::room(info->name, info->topic, roomMembersLocked(k), m_lastId,
                                info->isPrivate));
                    }
                }
            }
            break;
        case RoomChange::Kind::Part:
            m_directory.removeAccount(k, change.name);
            if (person && person->rooms.contains(k)) {
                person->rooms.remove(k);
                peopleChangedLocked();
                leftRoomLocked(k);
                announceLocked(*person, k, u"part"_s, person->identity);
            }
            break;
        case RoomChange::Kind::Read:
            break;
        }
    }
}

void ChatRoom::settleCreations(
    const QStringList &made, const QList<MessageStore::Room> &madeElsewhere)
{
    std::unique_lock locker(m_mutex);
    for (const QString &room : made) {
        m_unconfirmedRooms.remove(room);
    }
    for (const MessageStore::Room &room : madeElsewhere) {
        const QString k = RoomDirectory::key(room.name);
        m_unconfirmedRooms.remove(k);
        m_directory.restore({room});
        // Whoever entered this server's room of that name is out of the real one unless it
        // would let them in.
        for (Person &person : m_people) {
            const bool allowed = !room.isPrivate || room.owner == person.identity
                || room.members.contains(person.identity) || room.invited.contains(person.identity);
            if (person.rooms.contains(k) && !allowed) {
                person.rooms.remove(k);
                peopleChangedLocked();
                leftRoomLocked(k);
                announceLocked(person, k, u"part"_s, person.identity);
            }
        }
    }
}

void ChatRoom::announceRemoteLocked(const RemotePeople::Change &change)
{
    // Someone also online here came or went elsewhere: no news to anyone here. Nor is a name
    // that went under one identity and came under another (a guest who registered).
    QSet<QString> renamed;
    for (const RemotePeople::Person &person : change.arrived) {
        for (const RemotePeople::Person &gone : change.departed) {
            if (key(gone.name) == key(person.name)) {
                renamed.insert(key(person.name));
            }
        }
    }
    for (const RemotePeople::Person &person : change.arrived) {
        if (!m_identityKeys.contains(person.identity) && !renamed.contains(key(person.name))) {
            for (const QString &room : person.rooms) {
                announceLocked(Person{person.name, person.identity, {}, {}, {}}, room);
            }
        }
    }
    for (const RemotePeople::Person &person : change.departed) {
        if (!m_identityKeys.contains(person.identity) && !renamed.contains(key(person.name))) {
            for (const QString &room : person.rooms) {
                announceLocked(
                    Person{person.name, person.identity, {}, {}, {}}, room, u"disconnected"_s);
            }
        }
    }
    for (const auto &[person, room] : change.entered) {
        if (!m_identityKeys.contains(person.identity)) {
            announceLocked(Person{person.name, person.identity, {}, {}, {}}, room);
        }
    }
    for (const auto &[person, room] : change.parted) {
        if (!m_identityKeys.contains(person.identity)) {
            announceLocked(Person{person.name, person.identity, {}, {}, {}}, room, u"part"_s);
        }
    }
}

void ChatRoom::queueLocked(Event event)
{
    event.seq = ++m_lastSeq;
    if (!m_wake) {
        if (event.read) {
            event.frames = answer(*event.read, {});
        }
        deliverLocked({event});
        return;
    }
    m_pending.append(std::move(event));
    if (m_pending.size() == 1) {
        m_wake();
    }
}

void ChatRoom::deliverLocked(const QList<Event> &events)
{
    // Each membership's share of the batch is gathered first and pushed once: one lock of its
    // outbox however many events it gets. An event for a room walks the room's seats, a flat
    // list kept until someone comes, goes, joins or parts, instead of looking the room up in
    // every person's rooms.
    struct Share
    {
        const Member *member = nullptr;
        QList<QByteArray> frames;
    };
    std::vector<Share> shares;
    std::array<quint64, 3> delivered{}; // by Metrics::Delivery
    const auto give = [&shares, &delivered](const Member &member, const Event &event) {
        if (member.joinSeq >= event.seq) {
            return;
        }
        delivered[std::size_t(!event.message  ? Metrics::Delivery::Other
                : event.message->to.isEmpty() ? Metrics::Delivery::Message
                                              : Metrics::Delivery::Dm)]
            += quint64(event.frames.size());
        if (member.share < 0) {
            member.share = qsizetype(shares.size());
            shares.push_back({&member, {}});
        }
        shares[std::size_t(member.share)].frames.append(event.frames);
    };
    const auto giveIdentity = [&](const QString &identity, const Event &event) {
        if (const Person *person = personOfIdentityLocked(identity)) {
            for (const qint64 id : person->members) {
                give(*m_members.constFind(id), event);
            }
        }
    };
    for (const Event &event : events) {
        if (event.toMember != 0) {
            const auto member = m_members.constFind(event.toMember);
            if (member != m_members.constEnd()) {
                give(*member, event);
            }
        } else if (!event.room.isEmpty()) {
            for (const Seat &seat : seatsLocked(event.room)) {
                if (seat.enteredAt < event.seq) {
                    give(*seat.member, event);
                }
            }
            // The sender's copy is its acknowledgement, even if it has left the room since.
            const Person *sender = personOfIdentityLocked(event.alsoTo);
            if (sender && sender->identity == event.alsoTo
                && sender->rooms.value(event.room, std::numeric_limits<qint64>::max())
                    >= event.seq) {
                giveIdentity(event.alsoTo, event);
            }
        } else if (event.to.isEmpty()) {
            for (const Member &member : std::as_const(m_members)) {
                give(member, event);
            }
        } else {
            giveIdentity(event.to, event);
            if (!event.alsoTo.isEmpty() && event.alsoTo != event.to) {
                giveIdentity(event.alsoTo, event);
            }
        }
    }
    for (std::size_t kind = 0; kind < delivered.size(); ++kind) {
        Metrics::instance().delivered(Metrics::Delivery(kind), delivered[kind]);
    }
    for (const Share &share : shares) {
        share.member->share = -1;
        share.member->outbox->push(share.frames);
    }
}

const std::vector<ChatRoom::Seat> &ChatRoom::seatsLocked(const QString &room)
{
    auto seats = m_seats.find(room);
    if (seats == m_seats.end()) {
        std::vector<Seat> list;
        for (const Person &person : std::as_const(m_people)) {
            const auto entered = person.rooms.constFind(room);
            if (entered != person.rooms.constEnd()) {
                for (const qint64 id : person.members) {
                    list.push_back({&*m_members.constFind(id), *entered});
                }
            }
        }
        seats = m_seats.insert(room, std::move(list));
    }
    return *seats;
}

const ChatRoom::Person *ChatRoom::personOfIdentityLocked(const QString &identity) const
{
    if (identity.isEmpty()) {
        return nullptr;
    }
    const auto k = m_identityKeys.constFind(identity);
    return k == m_identityKeys.constEnd() ? nullptr : &*m_people.constFind(*k);
}

#include "conversationrouter.h"

#include "credentialstore.h"
#include "framefields.h"
#include "frames.h"
#include "frametype.h"
#include "framevalidator.h"
#include "protocol.h"

#include <QDateTime>
#include <QJsonObject>
#include <QScopedValueRollback>
#include <QSet>

using Protocol::ErrorCode;
using Protocol::FrameType;
using namespace Qt::StringLiterals;

ConversationRouter::ConversationRouter(ChatConnection &connection, QObject *parent)
    : QObject(parent)
    , m_connection(connection)
    , m_conversations(this)
    , m_readTimer(this)
    , m_retryTimer(this)
{
    connect(&m_conversations, &QAbstractItemModel::rowsInserted, this,
        [this](const QModelIndex &, int first, int last) {
            for (int row = first; row <= last; ++row) {
                Conversation *conversation = m_conversations.at(m_conversations.index(row));
                if (!conversation) {
                    continue;
                }
                if (online()) { // else the welcome applies them, for the right person
                    applyPreferences(conversation);
                }
                connect(
                    conversation, &Conversation::preferencesChanged, this, [this, conversation] {
                        if (!m_applyingPreferences) {
                            memory().save(conversation);
                        }
                    });
            }
        });
    // The server counts read against the same flood allowance as chat: a few every two
    // seconds at most, however busy the room.
    m_readTimer.setSingleShot(true);
    m_readTimer.setInterval(2000);
    connect(&m_readTimer, &QTimer::timeout, this, &ConversationRouter::reportRead);
    m_retryTimer.setSingleShot(true);
    m_retryTimer.setInterval(1000);
    connect(&m_retryTimer, &QTimer::timeout, this, [this] { load(current()); });
    reset();
}

bool ConversationRouter::fetchOlder(Conversation *conversation)
{
    const qint64 oldest = conversation->messages()->minId();
    if (!conversation->hasOlder() || conversation->isFetchingOlder() || !online() || oldest <= 0) {
        return false;
    }
    conversation->setFetchingOlder(true);
    return m_connection.send(conversation->isRoom()
            ? Frames::roomHistoryRequest(conversation->name(), oldest)
            : Frames::conversationHistoryRequest(conversation->name(), oldest));
}

void ConversationRouter::addNotice(const QString &text, ChatEntry::Kind kind)
{
    addNotice(current(), text, kind);
}

void ConversationRouter::addNotice(
    Conversation *conversation, const QString &text, ChatEntry::Kind kind)
{
    ChatEntry entry;
    entry.kind = kind;
    entry.msecsSinceEpoch = QDateTime::currentMSecsSinceEpoch();
    entry.text = text;
    conversation->messages()->append(std::move(entry));
}

ChatEntry ConversationRouter::entryFor(const QJsonObject &frame) const
{
    ChatEntry entry;
    entry.msecsSinceEpoch = FrameFields::timestamp(frame.value("ts"_L1));
    entry.kind = Protocol::frameType(frame) == FrameType::Dm ? ChatEntry::Kind::Private
                                                             : ChatEntry::Kind::Message;
    entry.id = frame.value("id"_L1).toInteger();
    entry.from = frame.value("from"_L1).toString();
    entry.to = frame.value("to"_L1).toString();
    entry.text = frame.value("text"_L1).toString();
    entry.own = entry.from.compare(m_connection.name(), Qt::CaseInsensitive) == 0;
    return entry;
}

bool ConversationRouter::mentionsMe(const QString &text)
{
    if (m_mentionFor != m_connection.name()) { // made once per name, not per message
        m_mentionFor = m_connection.name();
        m_mention = QRegularExpression(
            u"(^|\\W)%1($|\\W)"_s.arg(QRegularExpression::escape(m_connection.name())),
            QRegularExpression::CaseInsensitiveOption);
    }
    return m_mention.match(text).hasMatch();
}

void ConversationRouter::reset()
{
    m_current = nullptr;
    m_conversations.clear();
    m_joining.clear();
    m_unreported.clear();
    setCurrent(m_conversations.addRoom(QString::fromLatin1(Protocol::DefaultRoom)));
}

Conversation *ConversationRouter::general() const
{
    // Kept even after parting it: the history stays readable, and /join general comes back.
    return m_conversations.room(QString::fromLatin1(Protocol::DefaultRoom));
}

void ConversationRouter::setCurrent(Conversation *conversation)
{
    if (!conversation || conversation == m_current) {
        return;
    }
    if (m_current) {
        m_current->messages()->setUnreadMarker(0); // placed again if it is unread next time
    }
    m_current = conversation;
    load(conversation);
    seen(conversation); // the "new messages" line is in place before it is shown
    emit currentChanged(conversation);
}

Conversation *ConversationRouter::openDirect(const QString &name)
{
    Conversation *conversation = m_conversations.direct(name);
    if (!conversation) {
        conversation = m_conversations.addDirect(name);
        conversation->members()->setSelf(m_connection.name());
        conversation->members()->reset({m_connection.name(), name});
        rememberDirects();
    }
    return conversation;
}

void ConversationRouter::closeDirect(Conversation *conversation)
{
    if (!conversation || conversation->isRoom()) {
        return;
    }
    if (conversation == current()) {
        setCurrent(general());
    }
    m_conversations.remove(conversation);
    rememberDirects();
}

void ConversationRouter::setViewing(bool viewing)
{
    m_viewing = viewing;
    seen(current());
}

Conversation *ConversationRouter::conversationFor(const QJsonObject &frame)
{
    if (Protocol::frameType(frame) == FrameType::Dm) {
        const QString from = frame.value("from"_L1).toString();
        const bool own
            = from.isEmpty() || from.compare(m_connection.name(), Qt::CaseInsensitive) == 0;
        return openDirect(own ? frame.value("to"_L1).toString() : from);
    }
    const QString room = frame.value("room"_L1).toString();
    return room.isEmpty() ? general() : m_conversations.room(room);
}

void ConversationRouter::deliver(Conversation *conversation, std::vector<ChatEntry> rows)
{
    int fresh = 0;
    bool addressed = false;
    for (const ChatEntry &entry : rows) {
        const bool message
            = entry.kind == ChatEntry::Kind::Message || entry.kind == ChatEntry::Kind::Private;
        // The server counts a room's unread, not a private conversation's.
        const bool counted = conversation->isRoom() && entry.id <= m_replayedUpTo;
        if (!message || entry.own || counted) {
            continue;
        }
        ++fresh;
        const bool toMe = entry.kind == ChatEntry::Kind::Private || mentionsMe(entry.text);
        addressed = addressed || toMe;
        if (toMe && !conversation->isMuted()) {
            emit attention(entry.kind == ChatEntry::Kind::Private
                    ? tr("Private message from %1").arg(entry.from)
                    : tr("%1 mentioned you in %2").arg(entry.from, conversation->name()),
                entry.text);
        }
    }
    conversation->messages()->append(std::move(rows));
    if (conversation == current() && m_viewing) {
        seen(conversation);
    } else {
        conversation->addUnread(fresh, addressed);
    }
}

void ConversationRouter::load(Conversation *conversation)
{
    if (!online()) {
        return;
    }
    if (conversation->isRoom() && conversation->isMember()
        && conversation->details() == Conversation::Fetch::NotAsked) {
        // A join of a room one is in changes nothing on the server; its answer tells who is in
        // it now (and counts as a read, not as chat).
        conversation->setDetails(Conversation::Fetch::Asked);
        m_connection.send(Frames::join(conversation->name()));
    }
    if (conversation->history() == Conversation::Fetch::NotAsked) {
        conversation->setHistory(Conversation::Fetch::Asked);
        m_connection.send(conversation->isRoom()
                ? Frames::roomHistoryRequest(conversation->name(), 0)
                : Frames::conversationHistoryRequest(conversation->name(), 0));
    }
}

void ConversationRouter::seen(Conversation *conversation)
{
    if (conversation != current() || !m_viewing
        || conversation->history() != Conversation::Fetch::Loaded) {
        return;
    }
    if (conversation->unread() > 0) {
        conversation->placeUnreadMarker();
        conversation->markRead();
    }
    if (conversation->isRoom() && m_connection.isAccount()
        && conversation->messages()->maxId() > conversation->reportedRead()) {
        if (!m_unreported.contains(conversation->key())) {
            m_unreported.append(conversation->key());
        }
        if (!m_readTimer.isActive()) {
            reportRead();
            m_readTimer.start();
        }
    }
}

void ConversationRouter::reportRead()
{
    if (!online()) {
        return; // kept for the next welcome
    }
    // A few per tick: reads count against chat's allowance, and the rest wait for the next.
    constexpr int PerTick = 3;
    for (int sent = 0; sent < PerTick && !m_unreported.isEmpty();) {
        Conversation *room = m_conversations.room(m_unreported.takeFirst());
        const qint64 newest = room ? room->messages()->maxId() : 0;
        if (room && newest > room->reportedRead()) {
            room->setReportedRead(newest);
            m_connection.send(Frames::read(room->name(), newest));
            ++sent;
        }
    }
    if (!m_unreported.isEmpty()) {
        m_readTimer.start();
    }
}

void ConversationRouter::onWelcome(const QJsonObject &welcome, bool resumed)
{
    const qint64 lastId = welcome.value("last_id"_L1).toInteger();
    bool reset = false;
    for (Conversation *conversation : m_conversations.all()) {
        if (lastId < conversation->messages()->maxId()) {
            // A server with a new database counts from 1 again: old ids must not hide new
            // messages.
            conversation->messages()->forgetIds();
            reset = true;
        }
    }
    if (reset) {
        addNotice(tr("The server's history was reset."));
    }
    // What a resumed welcome counts as unread includes the replay that follows it.
    m_replayedUpTo = resumed && m_connection.isAccount() ? lastId : 0;

    const bool account = m_connection.isAccount();
    QSet<QString> listed;
    for (const QJsonValue &value : welcome.value("rooms"_L1).toArray()) {
        const QJsonObject room = value.toObject();
        Conversation *conversation = m_conversations.addRoom(room.value("room"_L1).toString());
        conversation->members()->setSelf(m_connection.name());
        conversation->setMember(true);
        conversation->setTopic(room.value("topic"_L1).toString());
        conversation->setPrivate(room.value("private"_L1).toBool());
        if (account) { // a guest's count is the server's 0: the one here is truer
            conversation->setUnread(room.value("unread"_L1).toInt());
        }
        listed.insert(conversation->key());
    }
    for (Conversation *conversation : m_conversations.rooms()) {
        if (listed.contains(conversation->key()) || !conversation->isMember()) {
            continue;
        }
        if (!account && resumed) {
            // A guest that reconnects is a new session, in general alone: back into its rooms,
            // before anything unsent goes to them (a private one needs a new invitation).
            conversation->setDetails(Conversation::Fetch::Asked);
            m_connection.send(Frames::join(conversation->name()));
        } else if (conversation == general()) {
            conversation->setMember(false); // left, and kept readable (see general())
        } else {
            // Left on another device while this one was away.
            if (conversation == current()) {
                setCurrent(general());
            }
            m_conversations.remove(conversation);
        }
    }
    // Everyone online is in welcome; it is general's member list.
    general()->members()->setSelf(m_connection.name());
    general()->members()->reset(FrameFields::names(welcome.value("users"_L1)));
    if (general()->isMember()) {
        general()->setDetails(Conversation::Fetch::Loaded);
    }
    if (account) {
        for (const QString &person : memory().directs()) {
            openDirect(person);
        }
    }
    for (Conversation *conversation : m_conversations.all()) {
        applyPreferences(conversation); // the account is known only now
    }
    load(current()); // the others when first shown
    seen(current());
    reportRead(); // what was read while the connection was down
}

void ConversationRouter::onConnectionLost()
{
    for (Conversation *conversation : m_conversations.all()) {
        // Unanswered requests went with the connection, and who came and went meanwhile is
        // not replayed: asked again when next shown.
        conversation->forgetRequests();
        if (conversation->isRoom()) {
            conversation->setDetails(Conversation::Fetch::NotAsked);
            conversation->members()->reset({});
        }
    }
}

void ConversationRouter::onInvited(const QJsonObject &frame)
{
    const QString room = frame.value("room"_L1).toString();
    const QString by = frame.value("by"_L1).toString();
    addNotice(tr("%1 invited you to the private room %2: /join %2 to enter it.").arg(by, room));
    emit invited(room, by);
    emit attention(tr("%1 invited you to %2").arg(by, room), tr("/join %1").arg(room));
}

void ConversationRouter::onRooms(const QJsonObject &frame)
{
    const QJsonArray rooms = frame.value("rooms"_L1).toArray();
    if (std::exchange(m_roomsTyped, false)) {
        addNotice(roomListText(rooms));
    }
    emit roomListReceived(rooms);
}

bool ConversationRouter::send(const QJsonObject &frame)
{
    if (m_connection.send(frame)) {
        return true;
    }
    addNotice(tr("Not sent: you are offline."), ChatEntry::Kind::Error);
    return false;
}

ConversationMemory ConversationRouter::memory() const
{
    return ConversationMemory(m_connection.isAccount()
            ? CredentialStore::key(m_connection.host(), m_connection.port(), m_connection.name())
            : QString());
}

void ConversationRouter::applyPreferences(Conversation *conversation)
{
    const QScopedValueRollback applying(m_applyingPreferences, true); // not a new choice
    memory().apply(conversation);
}

void ConversationRouter::rememberDirects() const
{
    QStringList people;
    for (Conversation *conversation : m_conversations.all()) {
        if (!conversation->isRoom()) {
            people.append(conversation->name());
        }
    }
    memory().setDirects(people);
}

void ConversationRouter::onRoom(const QJsonObject &frame)
{
    Conversation *conversation = m_conversations.addRoom(frame.value("room"_L1).toString());
    conversation->setTopic(frame.value("topic"_L1).toString());
    conversation->setPrivate(frame.value("private"_L1).toBool());
    conversation->members()->setSelf(m_connection.name());
    conversation->members()->reset(FrameFields::names(frame.value("members"_L1)));
    conversation->setDetails(Conversation::Fetch::Loaded);
    conversation->setMember(true);
    if (conversation->history() != Conversation::Fetch::Loaded) {
        conversation->setUnread(frame.value("unread"_L1).toInt());
    }
    if (conversation->key() == m_joining) {
        m_joining.clear();
        setCurrent(conversation);
        emit roomOpened(conversation);
    }
}

void ConversationRouter::onHistory(const QJsonObject &frame)
{
    Conversation *conversation = frame.contains("with"_L1)
        ? m_conversations.direct(frame.value("with"_L1).toString())
        : frame.contains("room"_L1) ? m_conversations.room(frame.value("room"_L1).toString())
                                    : general();
    if (!conversation) {
        return; // left meanwhile
    }
    std::vector<ChatEntry> older;
    for (const QJsonValue &message : frame.value("messages"_L1).toArray()) {
        older.push_back(entryFor(message.toObject()));
    }
    conversation->messages()->insertHistory(std::move(older));
    conversation->setHasOlder(frame.value("more"_L1).toBool());
    conversation->setFetchingOlder(false);
    if (conversation->history() != Conversation::Fetch::Loaded) {
        conversation->setHistory(Conversation::Fetch::Loaded);
        seen(conversation);
    }
}

Conversation *ConversationRouter::applyPresence(
    const QString &room, const QString &person, bool joined, const QString &reason)
{
    const bool me = person.compare(m_connection.name(), Qt::CaseInsensitive) == 0;
    Conversation *conversation = room.isEmpty() ? general() : m_conversations.room(room);
    if (me && joined && !conversation) {
        // Joined on another device: shown here too.
        conversation = m_conversations.addRoom(room);
        conversation->members()->setSelf(m_connection.name());
    }
    if (me && joined && conversation) {
        conversation->setMember(true);
    }
    if (!conversation) {
        return nullptr;
    }
    // Out of the room: parted, or put out by its owner or a moderator (whose notice follows).
    const bool putOut = reason == "kicked"_L1 || reason == "banned"_L1;
    if (me && !joined && (reason == "part"_L1 || putOut)) {
        if (conversation == current()) {
            setCurrent(general());
        }
        conversation->setMember(false);
        const QString said = putOut ? tr("You are no longer in %1.").arg(conversation->name())
                                    : tr("You left %1.").arg(conversation->name());
        if (conversation == general()) {
            conversation->members()->reset({});
            addNotice(conversation, said);
        } else {
            addNotice(said);
            m_conversations.remove(conversation);
        }
        return nullptr;
    }
    if (joined) {
        conversation->members()->add(person);
    } else {
        conversation->members()->remove(person);
    }
    return conversation;
}

void ConversationRouter::onJoinedOrLeft(const QJsonObject &frame, bool joined)
{
    const QString person = frame.value("name"_L1).toString();
    const QString reason = frame.value("reason"_L1).toString();
    Conversation *conversation
        = applyPresence(frame.value("room"_L1).toString(), person, joined, reason);
    if (!conversation || !conversation->showsPresence()) {
        return;
    }
    ChatEntry entry;
    entry.msecsSinceEpoch = FrameFields::timestamp(frame.value("ts"_L1));
    entry.from = person;
    entry.kind = joined ? ChatEntry::Kind::Joined : ChatEntry::Kind::Left;
    entry.text = reason;
    std::vector<ChatEntry> rows;
    rows.push_back(std::move(entry));
    deliver(conversation, std::move(rows));
}

QString ConversationRouter::someNames(const QStringList &names)
{
    constexpr qsizetype Shown = 5;
    if (names.size() <= 1) {
        return names.value(0);
    }
    if (names.size() <= Shown) {
        return tr("%1 and %2").arg(names.first(names.size() - 1).join(tr(", ")), names.last());
    }
    const qsizetype others = names.size() - Shown;
    const QString shown = names.first(Shown).join(tr(", "));
    return others == 1 ? tr("%1 and 1 other").arg(shown)
                       : tr("%1 and %2 others").arg(shown).arg(others);
}

void ConversationRouter::onPresence(const QJsonObject &frame)
{
    if (!FrameValidator::validatePresence(frame).isValid()) {
        return; // nothing in it can be trusted to change the lists
    }
    const QString room = frame.value("room"_L1).toString();
    const QStringList joined = FrameFields::names(frame.value("joined"_L1));
    QStringList left;
    QSet<QString> reasons;
    for (const QString &person : joined) {
        applyPresence(room, person, true, {});
    }
    for (const QJsonValue &value : frame.value("left"_L1).toArray()) {
        const QJsonObject departure = value.toObject();
        left.append(departure.value("name"_L1).toString());
        reasons.insert(departure.value("reason"_L1).toString());
        applyPresence(room, left.last(), false, departure.value("reason"_L1).toString());
    }
    // Looked up again: the person's own part may have taken it away.
    Conversation *conversation = m_conversations.room(room);
    if (!conversation || !conversation->showsPresence() || (joined.isEmpty() && left.isEmpty())) {
        return;
    }
    // One row for the whole frame, however many names: a row each would bury the chat.
    QStringList parts;
    if (!joined.isEmpty()) {
        parts.append(tr("→ %1 joined").arg(someNames(joined)));
    }
    if (!left.isEmpty()) {
        const QString reason = reasons.size() == 1 ? *reasons.cbegin() : QString();
        parts.append(reason.isEmpty() || reason == "quit"_L1
                ? tr("← %1 left").arg(someNames(left))
                : tr("← %1 left (%2)").arg(someNames(left), reason));
    }
    ChatEntry entry;
    entry.kind = ChatEntry::Kind::Notice;
    entry.msecsSinceEpoch = FrameFields::timestamp(frame.value("ts"_L1));
    entry.text = parts.join(tr("; "));
    std::vector<ChatEntry> rows;
    rows.push_back(std::move(entry));
    deliver(conversation, std::move(rows));
}

void ConversationRouter::onTopic(const QJsonObject &frame)
{
    Conversation *conversation = m_conversations.room(frame.value("room"_L1).toString());
    if (!conversation) {
        return;
    }
    const QString topic = frame.value("topic"_L1).toString();
    conversation->setTopic(topic);
    const QString by = frame.value("by"_L1).toString();
    addNotice(conversation,
        topic.isEmpty() ? tr("%1 cleared the topic.").arg(by)
                        : tr("%1 set the topic: %2").arg(by, topic));
}

Conversation *ConversationRouter::onRefusal(const QJsonObject &frame)
{
    const QString codeName = frame.value("code"_L1).toString();
    const ErrorCode code = Protocol::errorCodeFromName(codeName);
    const QString message = frame.value("message"_L1).toString();
    const QString room = frame.value("room"_L1).toString();
    const QString with = frame.value("with"_L1).toString();
    Conversation *about = !room.isEmpty() ? m_conversations.room(room)
        : !with.isEmpty()                 ? m_conversations.direct(with)
                                          : nullptr;
    // The answer to a join or create the person asked for. Refusals of its topic, or of the
    // request itself for flooding, name no room.
    const bool unnamed = room.isEmpty() && with.isEmpty() && !frame.contains("cid"_L1)
        && (code == ErrorCode::RateLimited || code == ErrorCode::BadText
            || code == ErrorCode::TextTooLong);
    if (!m_joining.isEmpty() && (Conversation::keyOf(room) == m_joining || unnamed)) {
        emit joinFailed(std::exchange(m_joining, {}), codeName, message);
    }
    if (!room.isEmpty()) {
        emit roomRequestFailed(room, codeName, message);
    }
    if (!about) {
        return current();
    }
    switch (code) {
    case ErrorCode::RateLimited:
        // Only what the client asks by itself names a room or a person here (a page, who is
        // in a room): asked again shortly, without troubling the person.
        about->forgetRequests();
        m_retryTimer.start();
        return nullptr;
    case ErrorCode::NoSuchUser:
        // Nobody on the other end: nothing to page, and nothing more to ask.
        about->setHistory(Conversation::Fetch::Loaded);
        about->setHasOlder(false);
        seen(about);
        break;
    case ErrorCode::NotMember:
    case ErrorCode::NotInvited:
    case ErrorCode::NoSuchRoom:
        about->setMember(false);
        break;
    default:
        break;
    }
    return about;
}

bool ConversationRouter::joinRoom(const QString &room)
{
    if (Conversation *known = m_conversations.room(room); known && known->isMember()) {
        setCurrent(known); // in it already
        emit roomOpened(known);
        return true;
    }
    if (!send(Frames::join(room))) {
        return false;
    }
    m_joining = Conversation::keyOf(room);
    return true;
}

bool ConversationRouter::createRoom(const QString &room, const QString &topic, bool isPrivate)
{
    if (!send(Frames::create(room, isPrivate, topic))) {
        return false;
    }
    m_joining = Conversation::keyOf(room);
    return true;
}

bool ConversationRouter::partRoom(const QString &room)
{
    return send(Frames::part(room));
}

bool ConversationRouter::setTopic(const QString &room, const QString &topic)
{
    return send(Frames::topic(room, topic));
}

bool ConversationRouter::invite(const QString &room, const QString &name)
{
    return send(Frames::invite(room, name));
}

bool ConversationRouter::requestRoomList(bool typed)
{
    m_roomsTyped = typed;
    return send(Frames::roomsRequest());
}

QString ConversationRouter::roomListText(const QJsonArray &rooms)
{
    QStringList lines{tr("Rooms (/join ROOM to go to one):")};
    for (const QJsonValue &value : rooms) {
        const QJsonObject room = value.toObject();
        const int members = room.value("members"_L1).toInt();
        QString line = u"  %1%2 — %3"_s.arg(room.value("private"_L1).toBool() ? u"🔒 "_s : u"#"_s,
            room.value("room"_L1).toString(),
            members == 1 ? tr("1 member") : tr("%1 members").arg(members));
        if (room.value("joined"_L1).toBool()) {
            line += tr(", joined");
        }
        if (const QString topic = room.value("topic"_L1).toString(); !topic.isEmpty()) {
            line += u": "_s + topic;
        }
        lines.append(line);
    }
    return lines.join(u'\n');
}

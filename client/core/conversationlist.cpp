#include "conversationlist.h"

#include <QFont>

#include <algorithm>

namespace {

using Owned = std::vector<std::unique_ptr<Conversation>>;

Owned::const_iterator findKey(const Owned &list, const QString &key)
{
    return std::lower_bound(list.cbegin(), list.cend(), key,
        [](const std::unique_ptr<Conversation> &c, const QString &k) { return c->key() < k; });
}

Conversation *found(const Owned &list, const QString &name)
{
    const QString key = Conversation::keyOf(name);
    const auto at = findKey(list, key);
    return at != list.cend() && (*at)->key() == key ? at->get() : nullptr;
}

} // namespace

ConversationList::ConversationList(QObject *parent)
    : QAbstractListModel(parent)
{
}

ConversationList::~ConversationList() = default;

int ConversationList::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : firstDirectRow() + int(m_directs.size());
}

QVariant ConversationList::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const Conversation *c = at(index);
    if (!c) {
        switch (role) {
        case Qt::DisplayRole:
        case NameRole:
            return index.row() == 0 ? tr("Rooms") : tr("Direct messages");
        case KindRole:
            return QVariant::fromValue(RowKind::Heading);
        default:
            return {};
        }
    }
    switch (role) {
    case Qt::DisplayRole:
        return c->unread() > 0 ? tr("%1 (%2)").arg(c->name()).arg(c->unread()) : c->name();
    case Qt::EditRole:
    case NameRole:
        return c->name();
    case Qt::ToolTipRole:
        return c->isRoom() ? (c->topic().isEmpty() ? c->name() : c->topic())
                           : tr("Private conversation with %1").arg(c->name());
    case Qt::FontRole:
        if (c->unread() > 0 && !c->isMuted()) {
            QFont font;
            font.setBold(true);
            return font;
        }
        return {};
    case KindRole:
        return QVariant::fromValue(c->isRoom() ? RowKind::Room : RowKind::Direct);
    case ConversationRole:
        return QVariant::fromValue(static_cast<QObject *>(const_cast<Conversation *>(c)));
    case UnreadRole:
        return c->unread();
    case MentionRole:
        return c->hasMention();
    case MutedRole:
        return c->isMuted();
    case PrivateRole:
        return c->isPrivate();
    case TopicRole:
        return c->topic();
    default:
        return {};
    }
}

Qt::ItemFlags ConversationList::flags(const QModelIndex &index) const
{
    // A heading can be neither selected nor activated.
    return at(index) ? Qt::ItemIsEnabled | Qt::ItemIsSelectable : Qt::NoItemFlags;
}

Conversation *ConversationList::room(const QString &name) const
{
    return found(m_rooms, name);
}

Conversation *ConversationList::direct(const QString &name) const
{
    return found(m_directs, name);
}

Conversation *ConversationList::addRoom(const QString &name)
{
    Conversation *existing = room(name);
    return existing ? existing : add(Conversation::Kind::Room, name);
}

Conversation *ConversationList::addDirect(const QString &name)
{
    Conversation *existing = direct(name);
    return existing ? existing : add(Conversation::Kind::Direct, name);
}

Conversation *ConversationList::add(Conversation::Kind kind, const QString &name)
{
    Owned &list = kind == Conversation::Kind::Room ? m_rooms : m_directs;
    auto conversation = std::make_unique<Conversation>(kind, name);
    const auto position = findKey(list, conversation->key());
    const int offset = int(position - list.cbegin());
    const int row = kind == Conversation::Kind::Room ? 1 + offset : firstDirectRow() + offset;
    Conversation *added = conversation.get();
    connect(added, &Conversation::changed, this, [this, added] { onChanged(added); });
    beginInsertRows({}, row, row);
    list.insert(list.begin() + offset, std::move(conversation));
    endInsertRows();
    onChanged(added);
    return added;
}

void ConversationList::remove(Conversation *conversation)
{
    const int row = rowOf(conversation);
    if (row < 0) {
        return;
    }
    emit removing(conversation);
    Owned &list = conversation->isRoom() ? m_rooms : m_directs;
    const auto position = std::find_if(list.begin(), list.end(),
        [conversation](const std::unique_ptr<Conversation> &c) { return c.get() == conversation; });
    beginRemoveRows({}, row, row);
    std::unique_ptr<Conversation> taken = std::move(*position);
    list.erase(position);
    endRemoveRows();
    taken->disconnect(this);
    taken.release()->deleteLater(); // a frame handler up the stack may still hold it
    onChanged(nullptr);
}

void ConversationList::clear()
{
    const QList<Conversation *> everything = all();
    for (Conversation *conversation : everything) {
        remove(conversation);
    }
}

QModelIndex ConversationList::indexOf(const Conversation *conversation) const
{
    const int row = rowOf(conversation);
    return row < 0 ? QModelIndex() : index(row);
}

int ConversationList::rowOf(const Conversation *conversation) const
{
    if (!conversation) {
        return -1;
    }
    const auto same = [conversation](const std::unique_ptr<Conversation> &c) {
        return c.get() == conversation;
    };
    if (const auto r = std::find_if(m_rooms.cbegin(), m_rooms.cend(), same); r != m_rooms.cend()) {
        return 1 + int(r - m_rooms.cbegin());
    }
    if (const auto d = std::find_if(m_directs.cbegin(), m_directs.cend(), same);
        d != m_directs.cend()) {
        return firstDirectRow() + int(d - m_directs.cbegin());
    }
    return -1;
}

Conversation *ConversationList::at(const QModelIndex &index) const
{
    if (!index.isValid() || index.model() != this) {
        return nullptr;
    }
    const int row = index.row();
    if (row >= 1 && row < firstDirectRow() - 1) {
        return m_rooms.at(std::size_t(row - 1)).get();
    }
    if (row >= firstDirectRow() && row < rowCount()) {
        return m_directs.at(std::size_t(row - firstDirectRow())).get();
    }
    return nullptr;
}

QList<Conversation *> ConversationList::all() const
{
    QList<Conversation *> list = rooms();
    for (const auto &c : m_directs) {
        list.append(c.get());
    }
    return list;
}

QList<Conversation *> ConversationList::rooms() const
{
    QList<Conversation *> list;
    for (const auto &c : m_rooms) {
        list.append(c.get());
    }
    return list;
}

int ConversationList::totalUnread() const
{
    return m_totalUnread;
}

void ConversationList::onChanged(Conversation *conversation)
{
    if (const QModelIndex at = indexOf(conversation); at.isValid()) {
        emit dataChanged(at, at);
    }
    int total = 0;
    for (const Conversation *c : all()) {
        total += c->isMuted() ? 0 : c->unread();
    }
    if (total != std::exchange(m_totalUnread, total)) {
        emit totalUnreadChanged(total);
    }
}

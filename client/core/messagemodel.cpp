#include "messagemodel.h"

#include <QDateTime>

using namespace Qt::StringLiterals;

#include <algorithm>

int MessageModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

QVariant MessageModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const ChatEntry &e = m_entries[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case TextRole:
        return e.text;
    case KindRole:
        return int(e.kind);
    case OwnRole:
        return e.own;
    case IdRole:
        return e.id;
    case TimeRole:
        return QDateTime::fromMSecsSinceEpoch(e.msecsSinceEpoch).toLocalTime();
    case TimestampRole:
        return e.msecsSinceEpoch;
    case FromRole:
        return e.from;
    case ToRole:
        return e.to;
    case HistoryRole:
        return e.history;
    case PendingRole:
        return e.pending;
    case UnreadMarkerRole:
        return e.id != 0 && e.id == m_unreadMarker;
    case MentionRole:
        return isMention(e);
    case NewDayRole: {
        if (index.row() == 0) {
            return true;
        }
        const ChatEntry &previous = m_entries[std::size_t(index.row() - 1)];
        return QDateTime::fromMSecsSinceEpoch(previous.msecsSinceEpoch).date()
            != QDateTime::fromMSecsSinceEpoch(e.msecsSinceEpoch).date();
    }
    default:
        return {};
    }
}

QHash<int, QByteArray> MessageModel::roleNames() const
{
    return {{KindRole, "kind"}, {OwnRole, "own"}, {IdRole, "id"}, {TimeRole, "time"},
        {FromRole, "from"}, {ToRole, "to"}, {TextRole, "text"}, {HistoryRole, "history"},
        {PendingRole, "pending"}, {NewDayRole, "newDay"}, {UnreadMarkerRole, "unreadMarker"},
        {MentionRole, "mention"}};
}

void MessageModel::intern(ChatEntry &entry)
{
    for (QString *name : {&entry.from, &entry.to}) {
        if (name->isEmpty()) {
            continue;
        }
        const auto known = m_names.constFind(*name);
        if (known != m_names.constEnd()) {
            *name = *known;
        } else {
            m_names.insert(*name, *name);
        }
    }
    entry.text.squeeze();
}

void MessageModel::append(ChatEntry entry)
{
    std::vector<ChatEntry> one;
    one.push_back(std::move(entry));
    append(std::move(one));
}

void MessageModel::append(std::vector<ChatEntry> entries)
{
    const qint64 newest = m_maxId;
    dropSeen(entries);
    // Live rows come in the order they happened. Only a message older than one shown (a late
    // copy, a replay after a page of newer history) has to find its place.
    const auto late = std::stable_partition(entries.begin(), entries.end(),
        [newest](const ChatEntry &entry) { return entry.id <= 0 || entry.id > newest; });
    std::vector<ChatEntry> older(
        std::make_move_iterator(late), std::make_move_iterator(entries.end()));
    entries.erase(late, entries.end());
    insertAt(firstPendingRow(), std::move(entries));
    place(std::move(older));
}

void MessageModel::insertHistory(std::vector<ChatEntry> entries)
{
    for (ChatEntry &entry : entries) {
        entry.history = true;
    }
    dropSeen(entries);
    place(std::move(entries));
}

void MessageModel::dropSeen(std::vector<ChatEntry> &entries)
{
    const auto seen = [this](const ChatEntry &entry) {
        if (entry.id <= 0) {
            return false;
        }
        if (m_ids.contains(entry.id)) {
            return true;
        }
        m_ids.insert(entry.id);
        m_maxId = std::max(m_maxId, entry.id);
        m_minId = m_minId == 0 ? entry.id : std::min(m_minId, entry.id);
        return false;
    };
    entries.erase(std::remove_if(entries.begin(), entries.end(), seen), entries.end());
}

void MessageModel::insertAt(int row, std::vector<ChatEntry> entries)
{
    if (entries.empty()) {
        return;
    }
    for (ChatEntry &entry : entries) {
        intern(entry);
    }
    beginInsertRows({}, row, row + int(entries.size()) - 1);
    m_entries.insert(m_entries.begin() + row, std::make_move_iterator(entries.begin()),
        std::make_move_iterator(entries.end()));
    endInsertRows();
}

int MessageModel::rowForTime(qint64 msecsSinceEpoch) const
{
    int row = firstPendingRow();
    while (
        row > m_orderedFrom && m_entries[std::size_t(row - 1)].msecsSinceEpoch > msecsSinceEpoch) {
        --row;
    }
    return row;
}

void MessageModel::place(std::vector<ChatEntry> entries)
{
    if (entries.empty()) {
        return;
    }
    // Rows without an id (none come from the server, but the model takes them) go by time.
    const auto timed = std::stable_partition(
        entries.begin(), entries.end(), [](const ChatEntry &entry) { return entry.id > 0; });
    std::vector<ChatEntry> notices(
        std::make_move_iterator(timed), std::make_move_iterator(entries.end()));
    entries.erase(timed, entries.end());
    std::stable_sort(entries.begin(), entries.end(),
        [](const ChatEntry &a, const ChatEntry &b) { return a.id < b.id; });

    // Where each message goes, in rows of the model as it is now. One walk down the rows: the
    // messages are in id order, and so are the rows that hold messages.
    const int end = firstPendingRow();
    std::vector<int> rows(entries.size());
    int next = m_orderedFrom; // the first message row with an id above the current entry's
    int lowest = m_orderedFrom; // positions never go back up: ids stay in order
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const ChatEntry &entry = entries[i];
        while (next < end && m_entries[std::size_t(next)].id <= entry.id) {
            ++next;
        }
        // The notices between the message before it and the one after it: it goes after those
        // that happened before it.
        int row = next;
        while (row > lowest && m_entries[std::size_t(row - 1)].id <= 0
            && m_entries[std::size_t(row - 1)].msecsSinceEpoch > entry.msecsSinceEpoch) {
            --row;
        }
        rows[i] = lowest = std::max(row, lowest);
    }
    // One insert per place, from the bottom up so that the rows above keep their numbers.
    std::size_t last = entries.size();
    while (last > 0) {
        std::size_t first = last - 1;
        while (first > 0 && rows[first - 1] == rows[last - 1]) {
            --first;
        }
        insertAt(rows[first],
            std::vector<ChatEntry>(std::make_move_iterator(entries.begin() + std::ptrdiff_t(first)),
                std::make_move_iterator(entries.begin() + std::ptrdiff_t(last))));
        last = first;
    }
    for (ChatEntry &notice : notices) {
        const int row = rowForTime(notice.msecsSinceEpoch);
        insertAt(row, {std::move(notice)});
    }
}

void MessageModel::appendPending(ChatEntry entry, const QString &cid)
{
    entry.pending = true;
    intern(entry);
    const int row = int(m_entries.size());
    beginInsertRows({}, row, row);
    m_entries.push_back(std::move(entry));
    m_pendingCids.push_back(cid);
    endInsertRows();
}

std::optional<ChatEntry> MessageModel::resolvePending(const QString &cid)
{
    const auto found = std::find(m_pendingCids.begin(), m_pendingCids.end(), cid);
    if (found == m_pendingCids.end()) {
        return std::nullopt;
    }
    const int row = firstPendingRow() + int(found - m_pendingCids.begin());
    beginRemoveRows({}, row, row);
    ChatEntry entry = std::move(m_entries[std::size_t(row)]);
    m_entries.erase(m_entries.begin() + row);
    m_pendingCids.erase(found);
    endRemoveRows();
    entry.pending = false;
    return entry;
}

std::vector<ChatEntry> MessageModel::takeAllPending()
{
    std::vector<ChatEntry> taken;
    if (m_pendingCids.empty()) {
        return taken;
    }
    const int first = firstPendingRow();
    beginRemoveRows({}, first, int(m_entries.size()) - 1);
    taken.assign(std::make_move_iterator(m_entries.begin() + first),
        std::make_move_iterator(m_entries.end()));
    m_entries.erase(m_entries.begin() + first, m_entries.end());
    m_pendingCids.clear();
    endRemoveRows();
    for (ChatEntry &entry : taken) {
        entry.pending = false;
    }
    return taken;
}

void MessageModel::clear()
{
    beginResetModel();
    m_entries.clear();
    m_entries.shrink_to_fit();
    m_pendingCids.clear();
    forgetIds();
    m_orderedFrom = 0;
    endResetModel();
}

void MessageModel::forgetIds()
{
    m_ids.clear();
    m_maxId = 0;
    m_minId = 0;
    m_orderedFrom = firstPendingRow();
}

int MessageModel::rowOfId(qint64 id) const
{
    if (id <= 0 || !m_ids.contains(id)) {
        return -1;
    }
    const auto found = std::find_if(m_entries.crbegin(), m_entries.crend(),
        [id](const ChatEntry &entry) { return entry.id == id; });
    return found == m_entries.crend() ? -1 : int(m_entries.crend() - found) - 1;
}

void MessageModel::setUnreadMarker(qint64 id)
{
    if (id == m_unreadMarker) {
        return;
    }
    const int before = rowOfId(std::exchange(m_unreadMarker, id));
    for (const int row : {before, rowOfId(id)}) {
        if (row >= 0) {
            emit dataChanged(index(row), index(row), {UnreadMarkerRole});
        }
    }
}

void MessageModel::setSelfName(const QString &name)
{
    if (name == m_selfName) {
        return;
    }
    m_selfName = name;
    // As ChatClient finds mentions: the name between non-word characters, ignoring case.
    m_mention = name.isEmpty()
        ? QRegularExpression()
        : QRegularExpression(u"(^|\\W)%1($|\\W)"_s.arg(QRegularExpression::escape(name)),
            QRegularExpression::CaseInsensitiveOption);
    if (!m_entries.empty()) {
        emit dataChanged(index(0), index(rowCount() - 1), {MentionRole});
    }
}

bool MessageModel::isMention(const ChatEntry &entry) const
{
    return !m_selfName.isEmpty() && !entry.own
        && (entry.kind == ChatEntry::Kind::Message || entry.kind == ChatEntry::Kind::Private)
        && m_mention.match(entry.text).hasMatch();
}

#include "roomdirectorymodel.h"

#include <QJsonObject>

#include <algorithm>

using namespace Qt::StringLiterals;

int RoomDirectoryModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rooms.size());
}

int RoomDirectoryModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RoomDirectoryModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const Entry &room = m_rooms.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case RoomColumn: {
            const QString name = room.isPrivate ? u"🔒 "_s + room.name : room.name;
            return room.joined ? tr("%1 (joined)").arg(name) : name;
        }
        case TopicColumn:
            return room.topic;
        case MembersColumn:
            return room.members;
        default:
            return {};
        }
    case Qt::ToolTipRole: {
        QStringList lines;
        lines << (room.topic.isEmpty() ? tr("%1 has no topic").arg(room.name) : room.topic);
        if (room.isPrivate) {
            lines << tr("Private: its members invite who may join");
        }
        if (room.joined) {
            lines << tr("You are in it");
        }
        lines << (room.members == 1 ? tr("1 member") : tr("%1 members").arg(room.members));
        return lines.join(u'\n');
    }
    case Qt::TextAlignmentRole:
        return index.column() == MembersColumn ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                                               : QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    case NameRole:
        return room.name;
    case TopicRole:
        return room.topic;
    case MembersRole:
        return room.members;
    case PrivateRole:
        return room.isPrivate;
    case JoinedRole:
        return room.joined;
    case SortRole:
        switch (index.column()) {
        case RoomColumn:
            return room.name;
        case TopicColumn:
            return room.topic;
        case MembersColumn:
            return room.members;
        default:
            return {};
        }
    case FilterRole:
        switch (index.column()) {
        case RoomColumn:
            return room.name;
        case TopicColumn:
            return room.topic;
        default:
            return {}; // "2" should find rooms named 2, not every room with two members
        }
    default:
        return {};
    }
}

QVariant RoomDirectoryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal) {
        return {};
    }
    if (role == Qt::TextAlignmentRole) {
        return section == MembersColumn ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                                        : QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    }
    if (role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
    case RoomColumn:
        return tr("Room");
    case TopicColumn:
        return tr("Topic");
    case MembersColumn:
        return tr("Members");
    default:
        return {};
    }
}

void RoomDirectoryModel::reset(const QJsonArray &rooms)
{
    QList<Entry> entries;
    entries.reserve(rooms.size());
    for (const QJsonValue &value : rooms) {
        const QJsonObject object = value.toObject();
        Entry entry;
        entry.name = object.value("room"_L1).toString();
        if (entry.name.isEmpty()) {
            continue;
        }
        entry.topic = object.value("topic"_L1).toString();
        entry.members = object.value("members"_L1).toInt();
        entry.isPrivate = object.value("private"_L1).toBool();
        entry.joined = object.value("joined"_L1).toBool();
        entries.append(std::move(entry));
    }
    std::stable_sort(entries.begin(), entries.end(), [](const Entry &a, const Entry &b) {
        return a.name.compare(b.name, Qt::CaseInsensitive) < 0;
    });
    beginResetModel();
    m_rooms = std::move(entries);
    endResetModel();
}

int RoomDirectoryModel::rowOf(const QString &room) const
{
    const auto found = std::find_if(m_rooms.cbegin(), m_rooms.cend(),
        [&room](const Entry &entry) { return entry.name.compare(room, Qt::CaseInsensitive) == 0; });
    return found == m_rooms.cend() ? -1 : int(found - m_rooms.cbegin());
}

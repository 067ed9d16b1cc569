#include "messagemodel.h"

#include <QDateTime>

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
    default:
        return {};
    }
}

QHash<int, QByteArray> MessageModel::roleNames() const
{
    return {{KindRole, "kind"}, {OwnRole, "own"}, {IdRole, "id"}, {TimeRole, "time"},
        {FromRole, "from"}, {ToRole, "to"}, {TextRole, "text"}};
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
    if (entries.empty()) {
        return;
    }
    const int first = int(m_entries.size());
    beginInsertRows({}, first, first + int(entries.size()) - 1);
    for (ChatEntry &entry : entries) {
        intern(entry);
        m_entries.push_back(std::move(entry));
    }
    endInsertRows();
}

void MessageModel::clear()
{
    beginResetModel();
    m_entries.clear();
    m_entries.shrink_to_fit();
    endResetModel();
}

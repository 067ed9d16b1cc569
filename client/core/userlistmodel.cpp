#include "userlistmodel.h"

#include <QFont>

#include <algorithm>

namespace {

bool lessIgnoringCase(const QString &a, const QString &b)
{
    return a.compare(b, Qt::CaseInsensitive) < 0;
}

} // namespace

int UserListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_names.size());
}

QVariant UserListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const QString &name = m_names.at(index.row());
    const bool self = name.compare(m_self, Qt::CaseInsensitive) == 0;
    switch (role) {
    case Qt::DisplayRole:
        return self ? tr("%1 (you)").arg(name) : name;
    case Qt::EditRole:
        return name;
    case Qt::ToolTipRole:
        return self ? tr("This is you") : tr("Double-click to send %1 a private message").arg(name);
    case Qt::FontRole:
        if (self) {
            QFont font;
            font.setBold(true);
            return font;
        }
        return {};
    case SelfRole:
        return self;
    default:
        return {};
    }
}

qsizetype UserListModel::insertionPoint(const QString &name) const
{
    return std::lower_bound(m_names.cbegin(), m_names.cend(), name, lessIgnoringCase)
        - m_names.cbegin();
}

void UserListModel::reset(QStringList names)
{
    std::sort(names.begin(), names.end(), lessIgnoringCase);
    beginResetModel();
    m_names = std::move(names);
    endResetModel();
}

void UserListModel::add(const QString &name)
{
    const qsizetype row = insertionPoint(name);
    if (row < m_names.size() && m_names.at(row).compare(name, Qt::CaseInsensitive) == 0) {
        return;
    }
    beginInsertRows({}, int(row), int(row));
    m_names.insert(row, name);
    endInsertRows();
}

void UserListModel::remove(const QString &name)
{
    const qsizetype row = insertionPoint(name);
    if (row >= m_names.size() || m_names.at(row).compare(name, Qt::CaseInsensitive) != 0) {
        return;
    }
    beginRemoveRows({}, int(row), int(row));
    m_names.removeAt(row);
    endRemoveRows();
}

#include "leaderboardmodel.h"

#include <QJsonObject>

using namespace Qt::StringLiterals;

int LeaderboardModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int LeaderboardModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LeaderboardModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const QJsonObject entry = m_entries.at(index.row()).toObject();
    if (role == Qt::ToolTipRole) {
        // The whole row, for when a narrow window shows only some of its columns.
        return tr("%1: %2 points, %3 right, %4 wrong, in %5 s")
            .arg(entry.value("name"_L1).toString(),
                QString::number(entry.value("score"_L1).toDouble()))
            .arg(entry.value("right"_L1).toInt())
            .arg(entry.value("wrong"_L1).toInt())
            .arg(entry.value("seconds"_L1).toDouble(), 0, 'f', 1);
    }
    if (role == Qt::TextAlignmentRole) {
        return index.column() == Name ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                      : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    }
    if (role != Qt::DisplayRole) {
        return {};
    }
    switch (index.column()) {
    case Rank:
        return entry.value("rank"_L1).toInt();
    case Name:
        return entry.value("name"_L1).toString();
    case Score:
        return QString::number(entry.value("score"_L1).toDouble());
    case Time:
        return tr("%1 s").arg(entry.value("seconds"_L1).toDouble(), 0, 'f', 1);
    case Right:
        return entry.value("right"_L1).toInt();
    case Wrong:
        return entry.value("wrong"_L1).toInt();
    default:
        return {};
    }
}

QVariant LeaderboardModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
    case Rank:
        return tr("#");
    case Name:
        return tr("Name");
    case Score:
        return tr("Score");
    case Time:
        return tr("Time");
    case Right:
        return tr("Right");
    case Wrong:
        return tr("Wrong");
    default:
        return {};
    }
}

void LeaderboardModel::reset(const QJsonArray &entries)
{
    beginResetModel();
    m_entries = entries;
    endResetModel();
}

#pragma once

#include <QAbstractTableModel>
#include <QJsonArray>

// The quiz leaderboard as the server last sent it: rank, name, score, time, right and wrong;
// each row's tooltip says all of it (a narrow window hides some columns).
class LeaderboardModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Rank, Name, Score, Time, Right, Wrong, ColumnCount };

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void reset(const QJsonArray &entries);

private:
    QJsonArray m_entries;
};

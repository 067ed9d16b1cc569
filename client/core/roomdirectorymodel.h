#pragma once

#include <QAbstractTableModel>
#include <QJsonArray>
#include <QList>

// The rooms one could join, as the server's last `rooms` answer listed them, so that a room is
// picked from what exists (with its topic and how busy it is) instead of typed from memory.
// Private rooms are marked with a lock and rooms one is in already with "(joined)".
class RoomDirectoryModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { RoomColumn, TopicColumn, MembersColumn, ColumnCount };
    enum Role {
        NameRole = Qt::UserRole + 1, // the room's name as the server spells it
        TopicRole,
        MembersRole, // int
        PrivateRole,
        JoinedRole,
        SortRole, // per column: the name, the topic, the member count
        FilterRole, // per column: the text a filter looks at (the name, the topic, nothing)
    };

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // rooms: the array of a {"type":"rooms"} frame; the rows end up sorted by name.
    void reset(const QJsonArray &rooms);
    // The row of room, ignoring case as the server does, or -1.
    int rowOf(const QString &room) const;

private:
    struct Entry
    {
        QString name;
        QString topic;
        int members = 0;
        bool isPrivate = false;
        bool joined = false;
    };

    QList<Entry> m_rooms;
};

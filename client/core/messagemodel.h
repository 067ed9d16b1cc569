#pragma once

#include "chatentry.h"

#include <QAbstractListModel>
#include <QHash>

#include <vector>

// The chat history as a flat list model for the message view. Rows are only ever appended
// (in batches: one insert per read from the network), and a row costs little more than its
// text: entries are stored by value in one vector and sender names are interned.
class MessageModel : public QAbstractListModel
{
    Q_OBJECT

public:
    enum Role {
        KindRole = Qt::UserRole + 1,
        OwnRole,
        IdRole,
        TimeRole, // QDateTime, local time
        TimestampRole, // qint64 ms since the epoch: cheap, for comparisons
        FromRole,
        ToRole,
        TextRole, // same as Qt::DisplayRole
    };

    using QAbstractListModel::QAbstractListModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    void append(ChatEntry entry);
    void append(std::vector<ChatEntry> entries);
    const ChatEntry &entry(int row) const { return m_entries.at(std::size_t(row)); }
    void clear();

private:
    void intern(ChatEntry &entry);

    std::vector<ChatEntry> m_entries;
    QHash<QString, QString> m_names;
};

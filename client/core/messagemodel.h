#pragma once

#include "chatentry.h"

#include <QAbstractListModel>
#include <QHash>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>
#include <optional>
#include <vector>

// The chat history as a flat list model for the message view. Rows arrive in batches (one
// insert per read from the network), and a row costs little more than its text: entries are
// stored by value in one vector and sender names are interned.
//
// Rows stay in the order things happened. Messages (and private messages) are ordered by their
// server id; a row without an id (a local notice: connected, you left, an error) sits where it
// happened in time relative to them. Live rows arrive in that order already and go in at the
// bottom; a page of history, or a message whose id is older than one shown, goes in by its id,
// and among the notices between two messages by its time: a notice stays between the messages
// it happened between. Messages the person typed stay at the bottom as pending rows until the
// server's copy arrives (resolvePending). A message id is shown once: a copy that arrives again
// (a replay, a retried send, overlapping history) is dropped.
//
// With a self name set (setSelfName), chat rows from others that mention it as a word report
// MentionRole, which the view highlights.
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
        HistoryRole, // bool: from the stored history
        PendingRole, // bool: not yet confirmed by the server
        NewDayRole, // bool: the first row of a local calendar day
        UnreadMarkerRole, // bool: the "new messages" line goes above this row
        MentionRole, // bool: someone else's message that names the person (setSelfName)
    };

    using QAbstractListModel::QAbstractListModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Live rows, in the order they arrived: at the bottom (above pending rows), except a message
    // older than one shown, which goes where its id puts it.
    void append(ChatEntry entry);
    void append(std::vector<ChatEntry> entries);
    // Messages from the stored history (marked as such), each where its id and time put it.
    void insertHistory(std::vector<ChatEntry> entries);
    // Adds a row for a message on its way to the server, known by the client's cid.
    void appendPending(ChatEntry entry, const QString &cid);
    // Removes and returns the pending row of cid (its message was confirmed or refused).
    std::optional<ChatEntry> resolvePending(const QString &cid);
    // Removes and returns every pending row, oldest first.
    std::vector<ChatEntry> takeAllPending();
    bool hasPending(const QString &cid) const
    {
        return !cid.isEmpty()
            && std::find(m_pendingCids.cbegin(), m_pendingCids.cend(), cid) != m_pendingCids.cend();
    }
    int pendingCount() const { return int(m_pendingCids.size()); }
    bool containsId(qint64 id) const { return m_ids.contains(id); }
    qint64 maxId() const { return m_maxId; }
    qint64 minId() const { return m_minId; } // 0: no message with an id yet
    // Stops recognising the ids shown so far (the server started a new history).
    void forgetIds();

    // The message with this id is the first unread one (0: none is).
    void setUnreadMarker(qint64 id);
    qint64 unreadMarker() const { return m_unreadMarker; }

    // The person's own name: messages from others that contain it as a word, ignoring case, are
    // mentions ("@alice:" is one, "malice" is not).
    void setSelfName(const QString &name);
    QString selfName() const { return m_selfName; }

    const ChatEntry &entry(int row) const { return m_entries.at(std::size_t(row)); }
    void clear();

private:
    void intern(ChatEntry &entry);
    // Drops the entries whose id is shown already (or repeated in entries), noting the others.
    void dropSeen(std::vector<ChatEntry> &entries);
    void insertAt(int row, std::vector<ChatEntry> entries);
    // Inserts each entry where its id (messages) or its time (notices) puts it, in as few
    // inserts as there are places.
    void place(std::vector<ChatEntry> entries);
    // The row before which an entry without an id goes: after every row not newer than it.
    int rowForTime(qint64 msecsSinceEpoch) const;
    bool isMention(const ChatEntry &entry) const;
    int rowOfId(qint64 id) const;
    int firstPendingRow() const { return int(m_entries.size() - m_pendingCids.size()); }

    std::vector<ChatEntry> m_entries;
    std::vector<QString> m_pendingCids; // of the last rows, in order
    // Rows above this one came before forgetIds(): their ids belong to an older history and
    // take no part in ordering new rows.
    int m_orderedFrom = 0;
    QSet<qint64> m_ids; // of the messages shown
    qint64 m_maxId = 0;
    qint64 m_minId = 0;
    qint64 m_unreadMarker = 0;
    QHash<QString, QString> m_names;
    QString m_selfName;
    QRegularExpression m_mention; // m_selfName as a word
};

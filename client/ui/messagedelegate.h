#pragma once

#include <QStyledItemDelegate>
#include <QTextLayout>

#include <vector>

// Paints one chat row: a header (sender in a stable per-name colour, time; "→ bob" and a tint
// for private messages) over the wrapped text with clickable links, or a one-line notice for
// joins, departures and errors. A message from the same sender within a few minutes of the
// previous one continues it without repeating the header. The first row of each day carries a
// date separator; messages from the stored history are dimmed and say so, and messages still on
// their way to the server say "sending". Above the first unread message (UnreadMarkerRole) runs a
// thin red "New messages" line, below the date separator if the row has both; that message
// shows its header even if it continues the previous one. A message that mentions the person
// (MentionRole) is tinted amber with an accent bar, so it stands out when scrolling back. Colours
// derive from the palette, so light and dark themes both work.
class MessageDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
        const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    // The link under pos (in view coordinates) in the row at index, or an empty string.
    QString linkAt(
        const QStyleOptionViewItem &option, const QModelIndex &index, const QPoint &pos) const;

    static QColor nameColor(const QString &name, const QPalette &palette);
    // The colour of the "new messages" line and its label.
    static QColor unreadMarkerColor(const QPalette &palette);
    // The background tint of a message that mentions the person.
    static QColor mentionColor(const QPalette &palette);
    // Forget measured heights (the model was reset).
    void clearCache();
    // Keep measured heights in step with rows inserted or removed (the row after them may
    // change too: whether it continues the previous one or starts a new day).
    void rowsInserted(int first, int count);
    void rowsRemoved(int first, int count);
    // Forget the measured heights of rows whose data changed (the unread marker moved).
    void rowsChanged(int first, int count);

private:
    struct Layout; // the geometry of one row, shared by paint, sizeHint and linkAt
    // measureOnly skips building a text layout where the height is known without one.
    Layout layoutFor(const QStyleOptionViewItem &option, const QModelIndex &index,
        bool measureOnly = false) const;

    mutable std::vector<int> m_heights; // by row, 0 = not measured
    mutable int m_cachedWidth = -1;
};

#pragma once

#include <QTreeView>

class MessageDelegate;

// The scrolling chat history. A QTreeView shaped as a list, because in per-item scroll mode it
// sizes only the rows it shows, so appending to a history of 100,000 rows stays cheap (a
// QListView re-measures every row). It follows new messages while the reader is at the bottom
// and stays put when they have scrolled up; links open on click; Ctrl+C copies the selection.
// Scrolling to the top asks for earlier messages, and when they arrive above, the row the reader
// was looking at stays where it was. Opening a conversation shows its first unread message, under
// the "new messages" line (scrollToUnreadMarker). The view can switch models (one per
// conversation).
class MessageView : public QTreeView
{
    Q_OBJECT

public:
    explicit MessageView(QWidget *parent = nullptr);

    void setModel(QAbstractItemModel *model) override;
    bool isAtBottom() const;
    // Brings the row with MessageModel::UnreadMarkerRole (the first unread message) near the top,
    // its "new messages" line in view, unless it is in view already; with no such row, scrolls to
    // the bottom.
    void scrollToUnreadMarker();

    // Measures changed rows again: their height may change (the unread marker moved).
    void dataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight,
        const QList<int> &roles = QList<int>()) override;

signals:
    void linkActivated(const QString &url);
    // The reader scrolled to the very top: time to load earlier messages.
    void reachedTop();

protected:
    void resizeEvent(QResizeEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;

private:
    QString linkAt(const QPoint &pos) const;
    void copySelection() const;

    MessageDelegate *m_delegate = nullptr;
    QList<QMetaObject::Connection> m_modelConnections; // to the current model
    bool m_followBottom = true;
    int m_laidOutWidth = -1;
};

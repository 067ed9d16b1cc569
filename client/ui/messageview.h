#pragma once

#include <QTreeView>

class MessageDelegate;

// The scrolling chat history. A QTreeView shaped as a list, because in per-item scroll mode it
// sizes only the rows it shows, so appending to a history of 100,000 rows stays cheap (a
// QListView re-measures every row). It follows new messages while the reader is at the bottom
// and stays put when they have scrolled up; links open on click; Ctrl+C copies the selection.
// Scrolling to the top asks for earlier messages, and when they arrive above, the row the reader
// was looking at stays where it was.
class MessageView : public QTreeView
{
    Q_OBJECT

public:
    explicit MessageView(QWidget *parent = nullptr);

    void setModel(QAbstractItemModel *model) override;
    bool isAtBottom() const;

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
    bool m_followBottom = true;
    int m_laidOutWidth = -1;
};

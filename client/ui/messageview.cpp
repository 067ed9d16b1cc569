#include "messageview.h"

#include "messagedelegate.h"
#include "messagemodel.h"

#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QHeaderView>
#include <QKeyEvent>
#include <QScrollBar>

using namespace Qt::StringLiterals;

MessageView::MessageView(QWidget *parent)
    : QTreeView(parent)
    , m_delegate(new MessageDelegate(this))
{
    setItemDelegate(m_delegate);
    setHeaderHidden(true);
    setRootIsDecorated(false);
    setItemsExpandable(false);
    setUniformRowHeights(false);
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    setVerticalScrollMode(QAbstractItemView::ScrollPerItem);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setTextElideMode(Qt::ElideNone);
    setMouseTracking(true);
    setAllColumnsShowFocus(true);
    setAccessibleName(tr("Chat messages"));
    connect(verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int value) {
        if (value == verticalScrollBar()->minimum() && verticalScrollBar()->maximum() > 0) {
            emit reachedTop();
        }
    });
}

void MessageView::setModel(QAbstractItemModel *model)
{
    // A new conversation: nothing measured for the old one holds, nor do its signals.
    for (const QMetaObject::Connection &connection : std::as_const(m_modelConnections)) {
        QObject::disconnect(connection);
    }
    m_modelConnections.clear();
    m_delegate->clearCache();
    m_followBottom = true;
    QTreeView::setModel(model);
    header()->setStretchLastSection(true);
    if (!model) {
        return;
    }
    m_modelConnections = {
        connect(model, &QAbstractItemModel::modelReset, m_delegate, &MessageDelegate::clearCache),
        // History goes in above older rows and pending rows leave: cached heights move with them.
        connect(model, &QAbstractItemModel::rowsInserted, m_delegate,
            [this](const QModelIndex &, int first, int last) {
                m_delegate->rowsInserted(first, last - first + 1);
            }),
        connect(model, &QAbstractItemModel::rowsRemoved, m_delegate,
            [this](const QModelIndex &, int first, int last) {
                m_delegate->rowsRemoved(first, last - first + 1);
            }),
        connect(model, &QAbstractItemModel::rowsAboutToBeInserted, this,
            [this] { m_followBottom = isAtBottom(); }),
        connect(model, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex &, int first, int last) {
                if (m_followBottom) {
                    scrollToBottom();
                } else if (first == 0 && verticalScrollBar()->value() == 0) {
                    // Older messages arrived above the reader: keep the row they were reading on
                    // top.
                    scrollTo(this->model()->index(last + 1, 0), QAbstractItemView::PositionAtTop);
                }
            }),
    };
}

void MessageView::dataChanged(
    const QModelIndex &topLeft, const QModelIndex &bottomRight, const QList<int> &roles)
{
    // Before QTreeView asks the delegate for the rows' heights again.
    m_delegate->rowsChanged(topLeft.row(), bottomRight.row() - topLeft.row() + 1);
    const bool atBottom = isAtBottom();
    QTreeView::dataChanged(topLeft, bottomRight, roles);
    if (atBottom && !isAtBottom()) {
        scrollToBottom(); // a row on the last page grew
    }
}

void MessageView::scrollToUnreadMarker()
{
    const QAbstractItemModel *model = this->model();
    if (!model) {
        return;
    }
    int row = model->rowCount() - 1; // the marker is usually near the end
    while (row >= 0 && !model->index(row, 0).data(MessageModel::UnreadMarkerRole).toBool()) {
        --row;
    }
    if (row < 0) {
        scrollToBottom();
        return;
    }
    const QModelIndex index = model->index(row, 0);
    const QRect rect = visualRect(index);
    const QRect area = viewport()->rect();
    // The line is at the top of the row: in view if the row is, or its top is in a row taller
    // than the view.
    if (area.contains(rect) || (rect.top() >= area.top() && rect.height() > area.height())) {
        return;
    }
    // One row of what was read before stays above the line, if it is short.
    const QModelIndex previous = model->index(row - 1, 0);
    const bool withPrevious = previous.isValid()
        && sizeHintForIndex(previous).height() + rect.height() < area.height() / 2;
    scrollTo(withPrevious ? previous : index, QAbstractItemView::PositionAtTop);
}

bool MessageView::isAtBottom() const
{
    const QScrollBar *bar = verticalScrollBar();
    return bar->value() >= bar->maximum();
}

void MessageView::resizeEvent(QResizeEvent *event)
{
    const bool atBottom = isAtBottom();
    QTreeView::resizeEvent(event);
    // Row heights depend on the width (wrapping): measure again when it changes.
    if (viewport()->width() != m_laidOutWidth) {
        m_laidOutWidth = viewport()->width();
        doItemsLayout();
        if (atBottom) {
            scrollToBottom();
        }
    }
}

QString MessageView::linkAt(const QPoint &pos) const
{
    const QModelIndex index = indexAt(pos);
    if (!index.isValid()) {
        return {};
    }
    QStyleOptionViewItem option;
    initViewItemOption(&option);
    option.rect = visualRect(index);
    return m_delegate->linkAt(option, index, pos);
}

void MessageView::mouseMoveEvent(QMouseEvent *event)
{
    QTreeView::mouseMoveEvent(event);
    if (linkAt(event->position().toPoint()).isEmpty()) {
        viewport()->unsetCursor();
    } else {
        viewport()->setCursor(Qt::PointingHandCursor);
    }
}

void MessageView::mouseReleaseEvent(QMouseEvent *event)
{
    QTreeView::mouseReleaseEvent(event);
    if (event->button() == Qt::LeftButton) {
        const QString url = linkAt(event->position().toPoint());
        if (!url.isEmpty()) {
            emit linkActivated(url);
        }
    }
}

void MessageView::keyPressEvent(QKeyEvent *event)
{
    if (event->matches(QKeySequence::Copy)) {
        copySelection();
        return;
    }
    QTreeView::keyPressEvent(event);
}

void MessageView::copySelection() const
{
    QModelIndexList rows = selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end());
    QStringList lines;
    for (const QModelIndex &index : std::as_const(rows)) {
        const QString time = index.data(MessageModel::TimeRole).toDateTime().toString(u"HH:mm"_s);
        const QString from = index.data(MessageModel::FromRole).toString();
        const QString text = index.data(MessageModel::TextRole).toString();
        lines.append(
            from.isEmpty() ? u"[%1] %2"_s.arg(time, text) : u"[%1] %2: %3"_s.arg(time, from, text));
    }
    if (!lines.isEmpty()) {
        QApplication::clipboard()->setText(lines.join(u'\n'));
    }
}

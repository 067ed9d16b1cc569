#pragma once

#include <QStyledItemDelegate>
#include <QTextLayout>

// Paints one chat row: a header (sender in a stable per-name colour, time; "→ bob" and a tint
// for private messages) over the wrapped text with clickable links, or a one-line notice for
// joins, departures and errors. A message from the same sender within a few minutes of the
// previous one continues it without repeating the header. Colours derive from the palette, so
// light and dark themes both work.
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

private:
    struct Layout; // the geometry of one row, shared by paint, sizeHint and linkAt
    Layout layoutFor(const QStyleOptionViewItem &option, const QModelIndex &index) const;
};

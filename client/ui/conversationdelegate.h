#pragma once

#include <QStyledItemDelegate>

// Paints one row of the conversation sidebar (a ConversationList): the "Rooms" and "Direct
// messages" headings in small grey capitals, a room as "# name" ("🔒 name" when private), a
// private conversation as the person's name beside a round initial in their chat colour. A
// conversation with unread messages is bold and carries a pill with the count at the right:
// the accent colour, red when it mentions the person, grey when muted. A muted conversation is
// dimmed and shows 🔕. The selected row (the conversation shown) is a rounded highlight; the
// keyboard focus, when elsewhere, an outline. Colours derive from the palette.
class ConversationDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
        const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    // What the row says: "# general", "🔒 ops", "alice", or a heading's title.
    static QString label(const QModelIndex &index);
    // The badge's text: "3", "99+" above 99; empty when nothing is unread.
    static QString badgeText(int unread);
    // The badge's colour: grey when muted (a muted private conversation counts as mentioning
    // the person on every message), else red for a mention, else the palette's highlight.
    static QColor badgeColor(const QModelIndex &index, const QPalette &palette);
};

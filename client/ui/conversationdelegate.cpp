#include "conversationdelegate.h"

#include "conversationlist.h"
#include "messagedelegate.h"

#include <QPainter>

using namespace Qt::StringLiterals;
using RowKind = ConversationList::RowKind;

namespace {

constexpr int Inset = 4; // the selection's rounded rect, from the view's edges
constexpr int Margin = 12; // the text, from the view's edges
constexpr int GlyphWidth = 18; // "#", the lock or the initial, before the name
constexpr int GlyphGap = 6;
constexpr int RowPadding = 5; // above and below a conversation's name
constexpr int HeadingTop = 12;
constexpr int HeadingBottom = 4;
constexpr int BadgeGap = 6; // between the name, 🔕 and the badge

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Base).lightness() < 128;
}

QFont scaled(const QFont &font, qreal factor)
{
    QFont smaller = font;
    if (font.pointSizeF() > 0) {
        smaller.setPointSizeF(font.pointSizeF() * factor);
    } else {
        smaller.setPixelSize(std::max(1, int(font.pixelSize() * factor)));
    }
    return smaller;
}

QFont headingFont(const QFont &font)
{
    QFont heading = scaled(font, 0.85);
    heading.setBold(true);
    heading.setCapitalization(QFont::AllUppercase);
    heading.setLetterSpacing(QFont::PercentageSpacing, 106);
    return heading;
}

QFont badgeFont(const QFont &font)
{
    QFont badge = scaled(font, 0.8);
    badge.setBold(true);
    return badge;
}

RowKind kindOf(const QModelIndex &index)
{
    return index.data(ConversationList::KindRole).value<RowKind>();
}

// Between two colours: 0 is a, 1 is b.
QColor mix(const QColor &a, const QColor &b, qreal t)
{
    return QColor::fromRgbF(float(a.redF() + (b.redF() - a.redF()) * t),
        float(a.greenF() + (b.greenF() - a.greenF()) * t),
        float(a.blueF() + (b.blueF() - a.blueF()) * t));
}

QString glyphOf(const QModelIndex &index)
{
    if (kindOf(index) != RowKind::Room) {
        return {};
    }
    return index.data(ConversationList::PrivateRole).toBool() ? u"🔒"_s : u"#"_s;
}

} // namespace

QString ConversationDelegate::label(const QModelIndex &index)
{
    const QString name = index.data(ConversationList::NameRole).toString();
    const QString glyph = glyphOf(index);
    return glyph.isEmpty() ? name : glyph + u' ' + name;
}

QString ConversationDelegate::badgeText(int unread)
{
    if (unread <= 0) {
        return {};
    }
    return unread > 99 ? tr("99+") : QString::number(unread);
}

QColor ConversationDelegate::badgeColor(const QModelIndex &index, const QPalette &palette)
{
    if (index.data(ConversationList::MutedRole).toBool()) {
        return mix(palette.color(QPalette::Base), palette.color(QPalette::Text), 0.45);
    }
    if (index.data(ConversationList::MentionRole).toBool()) {
        return isDark(palette) ? QColor(232, 72, 72) : QColor(208, 36, 44);
    }
    return palette.color(QPalette::Highlight);
}

QSize ConversationDelegate::sizeHint(
    const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    // The width is the view's: names are elided, never scrolled.
    if (kindOf(index) == RowKind::Heading) {
        return {Margin * 2,
            HeadingTop + QFontMetrics(headingFont(option.font)).height() + HeadingBottom};
    }
    QFont bold = option.font;
    bold.setBold(true);
    const int line = std::max({QFontMetrics(bold).height(), GlyphWidth,
        QFontMetrics(badgeFont(option.font)).height() + 4});
    return {Margin * 2, line + 2 * RowPadding};
}

void ConversationDelegate::paint(
    QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QPalette &palette = option.palette;
    const QRect &rect = option.rect;
    const RowKind kind = kindOf(index);
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);

    if (kind == RowKind::Heading) {
        QColor grey = palette.color(QPalette::Text);
        grey.setAlphaF(0.6f);
        const QFont font = headingFont(option.font);
        painter->setFont(font);
        painter->setPen(grey);
        const QRect textRect = rect.adjusted(Margin, HeadingTop, -Margin, -HeadingBottom);
        painter->drawText(textRect, Qt::AlignLeft | Qt::AlignVCenter,
            QFontMetrics(font).elidedText(index.data(ConversationList::NameRole).toString(),
                Qt::ElideRight, textRect.width()));
        painter->restore();
        return;
    }

    const QString name = index.data(ConversationList::NameRole).toString();
    const int unread = index.data(ConversationList::UnreadRole).toInt();
    const bool muted = index.data(ConversationList::MutedRole).toBool();
    const bool selected = option.state & QStyle::State_Selected;

    // Background: the conversation shown, the row under the mouse, the keyboard's focus.
    const QRectF background = QRectF(rect).adjusted(Inset, 1, -Inset, -1);
    if (selected) {
        painter->setPen(Qt::NoPen);
        painter->setBrush(palette.brush(QPalette::Highlight));
        painter->drawRoundedRect(background, 5, 5);
    } else if (option.state & QStyle::State_MouseOver) {
        QColor hover = palette.color(QPalette::Text);
        hover.setAlphaF(0.07f);
        painter->setPen(Qt::NoPen);
        painter->setBrush(hover);
        painter->drawRoundedRect(background, 5, 5);
    }
    if (!selected && (option.state & QStyle::State_HasFocus)) {
        painter->setPen(QPen(palette.color(QPalette::Highlight), 1));
        painter->setBrush(Qt::NoBrush);
        painter->drawRoundedRect(background.adjusted(0.5, 0.5, -0.5, -0.5), 5, 5);
    }

    QColor text
        = selected ? palette.color(QPalette::HighlightedText) : palette.color(QPalette::Text);
    if (muted) {
        text.setAlphaF(0.5f);
    }
    QColor dim = text;
    dim.setAlphaF(text.alphaF() * 0.6f);

    // Right to left: the badge, then 🔕, then what is left is the name's.
    int right = rect.right() - Margin + 1;
    const QString badge = badgeText(unread);
    if (!badge.isEmpty()) {
        const QFont font = badgeFont(option.font);
        const QFontMetrics metrics(font);
        const int height = metrics.height() + 2;
        const int width = std::max(height, metrics.horizontalAdvance(badge) + 10);
        const QRect pill(right - width, rect.center().y() - height / 2 + 1, width, height);
        QColor fill = badgeColor(index, palette);
        QColor label = index.data(ConversationList::MentionRole).toBool() && !muted
            ? QColor(Qt::white)
            : palette.color(QPalette::HighlightedText);
        if (muted) {
            label = palette.color(QPalette::Base);
        } else if (selected && fill == palette.color(QPalette::Highlight)) {
            std::swap(fill, label); // the accent would vanish into the selection
        }
        painter->setPen(Qt::NoPen);
        painter->setBrush(fill);
        painter->drawRoundedRect(QRectF(pill), height / 2.0, height / 2.0);
        painter->setFont(font);
        painter->setPen(label);
        painter->drawText(pill, Qt::AlignCenter, badge);
        right = pill.left() - BadgeGap;
    }
    if (muted) {
        const QFont font = option.font;
        const QString bell = u"🔕"_s;
        const int width = QFontMetrics(font).horizontalAdvance(bell);
        painter->setFont(font);
        painter->setPen(dim);
        painter->setOpacity(0.7);
        painter->drawText(
            QRect(right - width, rect.top(), width, rect.height()), Qt::AlignCenter, bell);
        painter->setOpacity(1.0);
        right -= width + BadgeGap;
    }

    // Left: "#", the lock, or the person's initial on a disc in their chat colour.
    const QRect glyphRect(rect.left() + Margin, rect.top(), GlyphWidth, rect.height());
    if (kind == RowKind::Room) {
        painter->setFont(option.font);
        painter->setPen(dim);
        painter->drawText(glyphRect, Qt::AlignCenter, glyphOf(index));
    } else {
        const int diameter = GlyphWidth - 2;
        const QRectF disc(glyphRect.center().x() - diameter / 2.0 + 0.5,
            glyphRect.center().y() - diameter / 2.0 + 0.5, diameter, diameter);
        QColor colour = MessageDelegate::nameColor(name, palette);
        if (muted) {
            colour.setAlphaF(0.5f);
        }
        painter->setPen(Qt::NoPen);
        painter->setBrush(colour);
        painter->drawEllipse(disc);
        QFont initialFont = badgeFont(option.font);
        painter->setFont(initialFont);
        painter->setPen(isDark(palette) ? QColor(20, 20, 20) : QColor(Qt::white));
        painter->drawText(disc, Qt::AlignCenter, name.left(1).toUpper());
    }

    QFont nameFont = option.font;
    nameFont.setBold(unread > 0 && !muted);
    const QFontMetrics nameMetrics(nameFont);
    const int left = glyphRect.right() + 1 + GlyphGap;
    const QRect nameRect(left, rect.top(), std::max(0, right - left), rect.height());
    painter->setFont(nameFont);
    painter->setPen(text);
    painter->drawText(nameRect, Qt::AlignLeft | Qt::AlignVCenter,
        nameMetrics.elidedText(name, Qt::ElideRight, nameRect.width()));
    painter->restore();
}

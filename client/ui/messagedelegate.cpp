#include "messagedelegate.h"

#include "chatentry.h"
#include "messagemodel.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QDateTime>
#include <QPainter>
#include <QRegularExpression>

#include <memory>

using namespace Qt::StringLiterals;
using Kind = ChatEntry::Kind;

namespace {

constexpr int Margin = 10; // left and right
constexpr int TopPadding = 6;
constexpr int ContinuationPadding = 1;
constexpr int BottomPadding = 3;
constexpr int HeaderGap = 2;
constexpr int AccentWidth = 3;
constexpr int DayGap = 8; // around a date separator
constexpr int UnreadGap = 6; // around the "new messages" line
constexpr int UnreadLabelGap = 6; // between that line and its label
constexpr qint64 ContinuationWindowMs = 5 * 60 * 1000;

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Base).lightness() < 128;
}

const QRegularExpression &linkPattern()
{
    static const QRegularExpression pattern(uR"((?:https?://|www\.)[^\s<>"']+[^\s<>"'.,;:!?)\]])"_s,
        QRegularExpression::CaseInsensitiveOption);
    return pattern;
}

struct Link
{
    int start = 0;
    int length = 0;
    QString url;
};

QList<Link> findLinks(const QString &text)
{
    QList<Link> links;
    QRegularExpressionMatchIterator it = linkPattern().globalMatch(text);
    while (it.hasNext()) {
        const QRegularExpressionMatch match = it.next();
        QString url = match.captured();
        if (url.startsWith("www."_L1, Qt::CaseInsensitive)) {
            url.prepend("https://"_L1);
        }
        links.append({int(match.capturedStart()), int(match.capturedLength()), url});
    }
    return links;
}

Kind kindOf(const QModelIndex &index)
{
    return Kind(index.data(MessageModel::KindRole).toInt());
}

bool isChat(Kind kind)
{
    return kind == Kind::Message || kind == Kind::Private;
}

// A message continues the previous row when the same person sent it just before, the same way.
// Not across a date separator or the "new messages" line.
bool continuesPrevious(const QModelIndex &index)
{
    if (index.row() == 0 || kindOf(index) != Kind::Message
        || index.data(MessageModel::NewDayRole).toBool()
        || index.data(MessageModel::UnreadMarkerRole).toBool()) {
        return false;
    }
    const QModelIndex previous = index.siblingAtRow(index.row() - 1);
    return kindOf(previous) == Kind::Message
        && previous.data(MessageModel::FromRole) == index.data(MessageModel::FromRole)
        && index.data(MessageModel::TimestampRole).toLongLong()
            - previous.data(MessageModel::TimestampRole).toLongLong()
        < ContinuationWindowMs;
}

QString noticeText(const QModelIndex &index)
{
    const QString from = index.data(MessageModel::FromRole).toString();
    const QString text = index.data(MessageModel::TextRole).toString();
    switch (kindOf(index)) {
    case Kind::Joined:
        return MessageDelegate::tr("→ %1 joined").arg(from);
    case Kind::Left:
        return text == "quit"_L1 ? MessageDelegate::tr("← %1 left").arg(from)
                                 : MessageDelegate::tr("← %1 left (%2)").arg(from, text);
    default:
        return text;
    }
}

// The locale's short time without seconds (some locales' short format has them).
QString shortTime(const QDateTime &when)
{
    static const QString format
        = QLocale().timeFormat(QLocale::ShortFormat).remove(QRegularExpression(u"[:.]ss?"_s));
    return QLocale().toString(when.time(), format);
}

QFont smallerFont(const QFont &font)
{
    QFont smaller = font;
    smaller.setPointSizeF(font.pointSizeF() * 0.85);
    return smaller;
}

// "Today", "Yesterday", or the date in the locale's long format.
QString dayLabel(const QDate &day)
{
    const QDate today = QDate::currentDate();
    if (day == today) {
        return MessageDelegate::tr("Today");
    }
    if (day == today.addDays(-1)) {
        return MessageDelegate::tr("Yesterday");
    }
    return QLocale().toString(day, QLocale::LongFormat);
}

} // namespace

struct MessageDelegate::Layout
{
    QRect dayRect; // the date separator, if the row starts a day
    QRect unreadRect; // the "new messages" line, if the row is the first unread one
    bool header = false;
    QRect headerRect;
    QRect bodyRect;
    int height = 0;
    std::unique_ptr<QTextLayout> body;
    QList<Link> links;
};

QColor MessageDelegate::nameColor(const QString &name, const QPalette &palette)
{
    // A stable colour per name, as IRC clients do, readable on the palette's background. The
    // same everywhere and every day: Qt's qHash is salted per process, so FNV-1a instead.
    quint32 hash = 2166136261u;
    for (const QChar c : name.toCaseFolded()) {
        hash = (hash ^ c.unicode()) * 16777619u;
    }
    const int hue = int(hash % 360);
    return QColor::fromHsl(hue, 160, isDark(palette) ? 170 : 95);
}

QColor MessageDelegate::unreadMarkerColor(const QPalette &palette)
{
    return isDark(palette) ? QColor(255, 100, 90) : QColor(215, 45, 40);
}

QColor MessageDelegate::mentionColor(const QPalette &palette)
{
    QColor tint = QColor::fromHsl(45, 230, isDark(palette) ? 90 : 190);
    tint.setAlpha(isDark(palette) ? 120 : 110);
    return tint;
}

MessageDelegate::Layout MessageDelegate::layoutFor(
    const QStyleOptionViewItem &option, const QModelIndex &index, bool measureOnly) const
{
    Layout layout;
    const Kind kind = kindOf(index);
    const QFont font = option.font;
    const QFontMetrics metrics(font);
    const int left = option.rect.left() + Margin + AccentWidth + 4;
    const int width = std::max(40, option.rect.width() - (left - option.rect.left()) - Margin);
    const bool continuation = continuesPrevious(index);
    int y = option.rect.top() + (continuation ? ContinuationPadding : TopPadding);
    if (index.data(MessageModel::NewDayRole).toBool()) {
        const int height = QFontMetrics(smallerFont(font)).height();
        layout.dayRect = QRect(
            option.rect.left() + Margin, y + DayGap / 2, option.rect.width() - 2 * Margin, height);
        y += height + DayGap;
    }
    if (index.data(MessageModel::UnreadMarkerRole).toBool()) {
        const int height = QFontMetrics(smallerFont(font)).height();
        layout.unreadRect = QRect(option.rect.left() + Margin, y + UnreadGap / 2,
            option.rect.width() - 2 * Margin, height);
        y += height + UnreadGap;
    }

    layout.header = isChat(kind) && !continuation;
    if (layout.header) {
        layout.headerRect = QRect(left, y, width, metrics.height());
        y += metrics.height() + HeaderGap;
    }

    const QString text
        = isChat(kind) ? index.data(MessageModel::TextRole).toString() : noticeText(index);
    layout.links = isChat(kind) ? findLinks(text) : QList<Link>();
    QFont bodyFont = font;
    if (!isChat(kind)) {
        bodyFont = smallerFont(font);
        bodyFont.setItalic(kind != Kind::Error);
    }
    // Most chat lines fit on one line: measuring those needs no text layout at all.
    const QFontMetrics bodyMetrics(bodyFont);
    if (measureOnly && layout.links.isEmpty() && !text.contains(u'\n')
        && bodyMetrics.horizontalAdvance(text) <= width) {
        layout.bodyRect = QRect(left, y, width, bodyMetrics.height());
        layout.height = layout.bodyRect.bottom() + 1 + BottomPadding - option.rect.top();
        return layout;
    }
    layout.body = std::make_unique<QTextLayout>(text, bodyFont);
    QTextOption textOption;
    textOption.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    layout.body->setTextOption(textOption);
    if (!layout.links.isEmpty()) {
        QList<QTextLayout::FormatRange> formats;
        for (const Link &link : std::as_const(layout.links)) {
            QTextCharFormat format;
            format.setForeground(option.palette.link());
            format.setFontUnderline(true);
            formats.append({link.start, link.length, format});
        }
        layout.body->setFormats(formats);
    }
    qreal height = 0;
    layout.body->beginLayout();
    for (QTextLine line = layout.body->createLine(); line.isValid();
         line = layout.body->createLine()) {
        line.setLineWidth(width);
        line.setPosition(QPointF(0, height));
        height += line.height();
    }
    layout.body->endLayout();
    layout.bodyRect = QRect(left, y, width, int(std::ceil(height)));
    layout.height = layout.bodyRect.bottom() + 1 + BottomPadding - option.rect.top();
    return layout;
}

QSize MessageDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    // Views pass no useful rect when asking for a size: wrap at the viewport's width.
    if (const auto *view = qobject_cast<const QAbstractItemView *>(option.widget)) {
        opt.rect = QRect(0, 0, view->viewport()->width(), 0);
    }
    // A height holds until the width changes or the row does (rowsChanged: rows rarely change
    // once appended). Views ask again and again (a jump across the history sums every height on
    // the way).
    if (opt.rect.width() != m_cachedWidth) {
        m_cachedWidth = opt.rect.width();
        m_heights.clear();
    }
    const auto row = std::size_t(index.row());
    if (row < m_heights.size() && m_heights[row] > 0) {
        return {opt.rect.width(), m_heights[row]};
    }
    const int height = layoutFor(opt, index, true).height;
    if (row >= m_heights.size()) {
        m_heights.resize(row + 1, 0);
    }
    m_heights[row] = height;
    return {opt.rect.width(), height};
}

void MessageDelegate::clearCache()
{
    m_heights.clear();
}

void MessageDelegate::rowsInserted(int first, int count)
{
    if (std::size_t(first) >= m_heights.size()) {
        return;
    }
    m_heights.insert(m_heights.begin() + first, std::size_t(count), 0);
    if (std::size_t(first + count) < m_heights.size()) {
        m_heights[std::size_t(first + count)] = 0;
    }
}

void MessageDelegate::rowsRemoved(int first, int count)
{
    if (std::size_t(first) >= m_heights.size()) {
        return;
    }
    const auto end = std::min(m_heights.size(), std::size_t(first + count));
    m_heights.erase(m_heights.begin() + first, m_heights.begin() + std::ptrdiff_t(end));
    if (std::size_t(first) < m_heights.size()) {
        m_heights[std::size_t(first)] = 0;
    }
}

void MessageDelegate::rowsChanged(int first, int count)
{
    const auto end = std::min(m_heights.size(), std::size_t(std::max(0, first + count)));
    for (auto row = std::size_t(std::max(0, first)); row < end; ++row) {
        m_heights[row] = 0;
    }
}

void MessageDelegate::paint(
    QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const Layout layout = layoutFor(option, index);
    const Kind kind = kindOf(index);
    const bool own = index.data(MessageModel::OwnRole).toBool();
    const QPalette &palette = option.palette;
    const QString from = index.data(MessageModel::FromRole).toString();
    painter->save();

    // Background: selection, or a tint for private messages, mentions of the person and one's
    // own messages, with an accent bar on the left. The tint leaves out the date separator and
    // the "new messages" line: they stand between messages, not in one.
    QRect tintRect = option.rect;
    if (layout.unreadRect.isValid()) {
        tintRect.setTop(layout.unreadRect.bottom() + 1);
    } else if (layout.dayRect.isValid()) {
        tintRect.setTop(layout.dayRect.bottom() + 1);
    }
    QColor accent;
    if (option.state & QStyle::State_Selected) {
        painter->fillRect(option.rect, palette.brush(QPalette::Highlight));
    } else if (kind == Kind::Private) {
        QColor tint = QColor::fromHsl(280, 120, isDark(palette) ? 80 : 200);
        tint.setAlpha(isDark(palette) ? 110 : 90);
        painter->fillRect(tintRect, tint);
        accent = QColor::fromHsl(280, 140, isDark(palette) ? 170 : 110);
    } else if (kind == Kind::Message && index.data(MessageModel::MentionRole).toBool()) {
        painter->fillRect(tintRect, mentionColor(palette));
        accent = QColor::fromHsl(35, 230, isDark(palette) ? 150 : 110);
    } else if (own && kind == Kind::Message) {
        QColor tint = palette.color(QPalette::Highlight);
        tint.setAlpha(28);
        painter->fillRect(tintRect, tint);
        accent = palette.color(QPalette::Highlight);
    }
    if (accent.isValid()) {
        painter->fillRect(
            QRect(option.rect.left() + Margin, tintRect.top(), AccentWidth, tintRect.height()),
            accent);
    }

    QColor textColor = (option.state & QStyle::State_Selected)
        ? palette.color(QPalette::HighlightedText)
        : palette.color(QPalette::Text);
    QColor dim = textColor;
    dim.setAlphaF(0.6);
    const bool history = index.data(MessageModel::HistoryRole).toBool();
    const bool pending = index.data(MessageModel::PendingRole).toBool();
    if (history || pending) {
        textColor.setAlphaF(0.7);
    }

    if (layout.dayRect.isValid()) {
        // A thin rule either side of the day's name.
        const QFont dayFont = smallerFont(option.font);
        const QString label = dayLabel(index.data(MessageModel::TimeRole).toDateTime().date());
        const int labelWidth = QFontMetrics(dayFont).horizontalAdvance(label) + 16;
        const QRect &r = layout.dayRect;
        QColor rule = dim;
        rule.setAlphaF(0.25);
        const int middle = r.center().y();
        const int labelLeft = r.center().x() - labelWidth / 2;
        painter->setPen(rule);
        painter->drawLine(r.left(), middle, labelLeft, middle);
        painter->drawLine(labelLeft + labelWidth, middle, r.right(), middle);
        painter->setFont(dayFont);
        painter->setPen(dim);
        painter->drawText(r, Qt::AlignCenter, label);
    }

    if (layout.unreadRect.isValid()) {
        // A line across the row with its label at the right end, where the eye finds it.
        QFont labelFont = smallerFont(option.font);
        labelFont.setBold(true);
        const QString label = tr("New messages");
        const QRect &r = layout.unreadRect;
        const QColor color = unreadMarkerColor(palette);
        const int lineRight
            = r.right() - QFontMetrics(labelFont).horizontalAdvance(label) - UnreadLabelGap;
        painter->setPen(color);
        if (lineRight > r.left()) {
            painter->drawLine(r.left(), r.center().y(), lineRight, r.center().y());
        }
        painter->setFont(labelFont);
        painter->drawText(r, Qt::AlignRight | Qt::AlignVCenter, label);
    }

    if (layout.header) {
        QFont nameFont = option.font;
        nameFont.setBold(true);
        painter->setFont(nameFont);
        painter->setPen(nameColor(from, palette));
        QString name = from;
        if (kind == Kind::Private) {
            name = tr("%1 → %2").arg(from, index.data(MessageModel::ToRole).toString());
        }
        const QFontMetrics nameMetrics(nameFont);
        name = nameMetrics.elidedText(name, Qt::ElideRight, layout.headerRect.width() / 2);
        painter->drawText(layout.headerRect, Qt::AlignLeft | Qt::AlignVCenter, name);

        QString detail = shortTime(index.data(MessageModel::TimeRole).toDateTime());
        if (kind == Kind::Private) {
            detail = tr("%1 · private").arg(detail);
        }
        if (pending) {
            detail = tr("sending…");
        } else if (history) {
            detail = tr("%1 · history").arg(detail);
        }
        painter->setFont(smallerFont(option.font));
        painter->setPen(dim);
        const QRect detailRect
            = layout.headerRect.adjusted(nameMetrics.horizontalAdvance(name) + 8, 0, 0, 0);
        painter->drawText(detailRect, Qt::AlignLeft | Qt::AlignVCenter, detail);
    }

    if (kind == Kind::Error) {
        painter->setPen(isDark(palette) ? QColor(255, 120, 110) : QColor(190, 30, 30));
    } else if (isChat(kind)) {
        painter->setPen(textColor);
    } else {
        painter->setPen(dim);
    }
    layout.body->draw(painter, layout.bodyRect.topLeft());

    if (!isChat(kind)) {
        // Notices carry their time on the right, where it does not compete with chat.
        const QString time = shortTime(index.data(MessageModel::TimeRole).toDateTime());
        painter->setFont(smallerFont(option.font));
        painter->setPen(dim);
        painter->drawText(layout.bodyRect, Qt::AlignRight | Qt::AlignTop, time);
    }
    painter->restore();
}

QString MessageDelegate::linkAt(
    const QStyleOptionViewItem &option, const QModelIndex &index, const QPoint &pos) const
{
    const Layout layout = layoutFor(option, index);
    if (layout.links.isEmpty() || !layout.bodyRect.contains(pos)) {
        return {};
    }
    const QPointF local = pos - layout.bodyRect.topLeft();
    for (int i = 0; i < layout.body->lineCount(); ++i) {
        const QTextLine line = layout.body->lineAt(i);
        if (local.y() < line.y() || local.y() >= line.y() + line.height()) {
            continue;
        }
        if (local.x() > line.naturalTextWidth()) {
            return {};
        }
        const int cursor = line.xToCursor(local.x(), QTextLine::CursorOnCharacter);
        for (const Link &link : layout.links) {
            if (cursor >= link.start && cursor < link.start + link.length) {
                return link.url;
            }
        }
    }
    return {};
}

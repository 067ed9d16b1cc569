#include "messageentry.h"

#include <QKeyEvent>
#include <QMimeData>
#include <QRegularExpression>
#include <QScrollBar>
#include <QTextBlock>
#include <QTextLayout>

#include <cmath>

using namespace Qt::StringLiterals;

MessageEntry::MessageEntry(QWidget *parent)
    : QPlainTextEdit(parent)
{
    setTabChangesFocus(true);
    setLineWrapMode(QPlainTextEdit::WidgetWidth);
    setWordWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    connect(this, &QPlainTextEdit::textChanged, this, &MessageEntry::updateLines);
}

void MessageEntry::setText(const QString &text)
{
    setPlainText(text);
    moveCursor(QTextCursor::End);
}

int MessageEntry::heightFor(int lines) const
{
    const QMargins frame = contentsMargins();
    const QMargins viewport = viewportMargins();
    // The edit shows a scroll bar unless the viewport is a pixel taller than the lines and the
    // document's margins.
    const qreal text
        = lines * QFontMetricsF(font()).lineSpacing() + 2 * document()->documentMargin() + 1;
    return int(std::ceil(text)) + frame.top() + frame.bottom() + viewport.top() + viewport.bottom();
}

QSize MessageEntry::sizeHint() const
{
    return {QPlainTextEdit::sizeHint().width(), heightFor(m_lines)};
}

QSize MessageEntry::minimumSizeHint() const
{
    return {fontMetrics().averageCharWidth() * 8, heightFor(1)};
}

void MessageEntry::updateLines()
{
    // Laid out here at the viewport's width, as the edit will lay it out: the edit's own line
    // counts are reset by every resize and only come back as it paints.
    const qreal width = viewport()->width() - 2 * document()->documentMargin();
    QTextOption option = document()->defaultTextOption();
    option.setWrapMode(wordWrapMode());
    int lines = 0;
    for (QTextBlock block = document()->begin(); block.isValid() && lines < MaxVisibleLines;
         block = block.next()) {
        QTextLayout layout(block.text(), font());
        layout.setTextOption(option);
        layout.beginLayout();
        int blockLines = 0;
        for (QTextLine line = layout.createLine();
             line.isValid() && lines + blockLines < MaxVisibleLines; line = layout.createLine()) {
            line.setLineWidth(std::max<qreal>(width, 1));
            ++blockLines;
        }
        layout.endLayout();
        lines += std::max(1, blockLines);
    }
    lines = std::clamp(lines, 1, MaxVisibleLines);
    if (lines != m_lines) {
        m_lines = lines;
        updateGeometry();
    }
}

void MessageEntry::keyPressEvent(QKeyEvent *event)
{
    if (event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter) {
        if (event->modifiers() & Qt::ShiftModifier) {
            textCursor().insertText(u"\n"_s); // a new line, not the edit's line separator
            ensureCursorVisible();
        } else {
            emit submitted();
        }
        event->accept();
        return;
    }
    QPlainTextEdit::keyPressEvent(event);
}

void MessageEntry::resizeEvent(QResizeEvent *event)
{
    QPlainTextEdit::resizeEvent(event);
    updateLines(); // wrapping changes with the width
}

void MessageEntry::changeEvent(QEvent *event)
{
    QPlainTextEdit::changeEvent(event);
    if (event->type() == QEvent::FontChange || event->type() == QEvent::StyleChange) {
        updateLines();
        updateGeometry();
    }
}

void MessageEntry::insertFromMimeData(const QMimeData *source)
{
    if (!source->hasText()) {
        QPlainTextEdit::insertFromMimeData(source);
        return;
    }
    // Line breaks from any system become "\n"; other control characters (which the server
    // refuses in a message) are dropped. Tabs stay.
    static const QRegularExpression lineBreak(u"\r\n?|\u0085|\u2028|\u2029"_s);
    static const QRegularExpression control(u"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f]"_s);
    QString text = source->text();
    text.replace(lineBreak, u"\n"_s);
    text.remove(control);
    textCursor().insertText(text);
    ensureCursorVisible();
}

#pragma once

#include <QPlainTextEdit>

// The field a message is typed in: plain text, one line high when empty and growing with what is
// typed up to MaxVisibleLines, then scrolling. Enter sends (submitted); Shift+Enter starts a new
// line, since a message may hold several; a paste of several lines stays one message (line
// breaks from other systems become "\n"). Tab moves on to the next widget, as in a line edit.
class MessageEntry : public QPlainTextEdit
{
    Q_OBJECT

public:
    static constexpr int MaxVisibleLines = 5;

    explicit MessageEntry(QWidget *parent = nullptr);

    // What is typed, with line breaks as "\n".
    QString text() const { return toPlainText(); }
    // Replaces what is typed, with the cursor at its end.
    void setText(const QString &text);
    // How many lines high the field is now: 1 to MaxVisibleLines.
    int visibleLines() const { return m_lines; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    // Enter (without Shift) was pressed: what is typed is to be sent.
    void submitted();

protected:
    void keyPressEvent(QKeyEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void changeEvent(QEvent *event) override;
    void insertFromMimeData(const QMimeData *source) override;

private:
    // The height for lines lines of text, frame and margins included.
    int heightFor(int lines) const;
    // Grows or shrinks to the number of lines the text takes (wrapped lines count).
    void updateLines();

    int m_lines = 1;
};

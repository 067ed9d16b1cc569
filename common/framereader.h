#pragma once

#include <QByteArray>

#include <optional>

// Splits a TCP byte stream into lines without ever holding more than one frame's worth of an
// unterminated line: the size limit is checked as bytes arrive, not after a whole line is in.
// Reads that split a frame, or carry many frames at once, are both fine.
class FrameReader
{
public:
    explicit FrameReader(qsizetype maxFrameBytes);

    void append(const QByteArray &bytes);

    // The next complete line, without its "\n" (or "\r\n"). Returns nothing when no complete
    // line is buffered, or once the stream has overflowed.
    std::optional<QByteArray> nextLine();

    // A line grew past the limit. The stream cannot be resynchronised, so the reader stays
    // in this state and discards everything after it.
    bool hasOverflowed() const { return m_overflowed; }

    qsizetype maxFrameBytes() const { return m_maxFrameBytes; }
    qsizetype bufferedBytes() const { return m_buffer.size() - m_start; }

private:
    void compact();

    QByteArray m_buffer;
    qsizetype m_maxFrameBytes = 0;
    qsizetype m_start = 0; // first byte not yet returned
    qsizetype m_scanned = 0; // bytes before this offset are known to hold no '\n'
    bool m_overflowed = false;
};

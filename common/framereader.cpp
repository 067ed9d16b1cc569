#include "framereader.h"

FrameReader::FrameReader(qsizetype maxFrameBytes)
    : m_maxFrameBytes(maxFrameBytes)
{
}

void FrameReader::append(const QByteArray &bytes)
{
    if (m_overflowed) {
        return;
    }
    m_buffer.append(bytes);
}

std::optional<QByteArray> FrameReader::nextLine()
{
    if (m_overflowed) {
        return std::nullopt;
    }
    const qsizetype newline = m_buffer.indexOf('\n', m_scanned);
    if (newline < 0) {
        m_scanned = m_buffer.size();
        // Allow one byte for a '\r' that the next read may pair with its '\n'.
        if (bufferedBytes() > m_maxFrameBytes + 1) {
            m_overflowed = true;
            m_buffer.clear();
            m_start = m_scanned = 0;
        } else {
            compact();
        }
        return std::nullopt;
    }

    qsizetype end = newline;
    if (end > m_start && m_buffer.at(end - 1) == '\r') {
        --end;
    }
    if (end - m_start > m_maxFrameBytes) {
        m_overflowed = true;
        m_buffer.clear();
        m_start = m_scanned = 0;
        return std::nullopt;
    }
    QByteArray line = m_buffer.mid(m_start, end - m_start);
    m_start = m_scanned = newline + 1;
    if (m_start == m_buffer.size()) {
        m_buffer.clear();
        m_start = m_scanned = 0;
    }
    return line;
}

void FrameReader::compact()
{
    // Moving the tail down only when the consumed head dominates keeps byte-by-byte arrival
    // linear overall.
    if (m_start > 0 && m_start >= m_buffer.size() / 2) {
        m_buffer.remove(0, m_start);
        m_scanned -= m_start;
        m_start = 0;
    }
}

#include "pasteguard.h"

#include "tokenbucket.h"

PasteGuard::PasteGuard(double rate, double burst, Clock clock)
    : PasteGuard(
        rate, burst, clock, [bucket = TokenBucket(rate, burst * LinesPerBurst), clock]() mutable {
            return bucket.take(clock());
        })
{
}

PasteGuard::PasteGuard(double rate, double burst, Clock clock, FloodGuard::Take take)
    : m_rate(rate)
    , m_pasteLines(burst * LinesPerBurst)
    , m_take(std::move(take))
    , m_clock(std::move(clock))
{
}

std::optional<PasteGuard::Paste> PasteGuard::lineArrived()
{
    const qint64 now = m_clock();
    std::optional<Paste> ended;
    if (m_paste && (now - m_lastLineMs >= QuietMs || now - m_startedMs >= MaxPasteMs)) {
        ended = end();
    }
    if (!m_paste) {
        m_paste = Paste{};
        m_admittedAny = false;
        m_startedMs = now;
    }
    m_lastLineMs = now;
    ++m_paste->lines;
    return ended;
}

bool PasteGuard::admit()
{
    if (!m_paste) {
        lineArrived(); // a line handled without being announced still belongs to a paste
    }
    if (m_take()) {
        m_admittedAny = true;
        return true;
    }
    ++m_paste->dropped;
    return false;
}

std::optional<PasteGuard::Paste> PasteGuard::end()
{
    if (!m_paste) {
        return std::nullopt;
    }
    Paste paste = *std::exchange(m_paste, std::nullopt);
    if (paste.dropped > 0) {
        paste.flooding = ++m_strikes > MaxStrikes;
    } else if (m_admittedAny) {
        m_strikes = 0; // a paste of commands that take nothing (/help, /time) changes nothing
    }
    return paste;
}

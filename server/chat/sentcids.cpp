#include "sentcids.h"

#include <algorithm>

using namespace Qt::StringLiterals;

std::optional<qint64> SentCids::find(const QString &identity, const QString &cid) const
{
    if (cid.isEmpty()) {
        return std::nullopt;
    }
    const auto window = m_windows.constFind(identity);
    if (window == m_windows.constEnd()) {
        return std::nullopt;
    }
    const auto found = window->ids.constFind(cid);
    return found == window->ids.constEnd() ? std::nullopt : std::optional(*found);
}

void SentCids::remember(const QString &identity, const QString &cid, qint64 id)
{
    if (cid.isEmpty() || identity.isEmpty()) {
        return;
    }
    Window &window = m_windows[identity];
    window.ids.insert(cid, id);
    window.order.push_back(cid);
    trim(window, PerSender);
}

void SentCids::rename(const QString &from, const QString &to)
{
    if (m_windows.contains(from)) {
        m_windows.insert(to, m_windows.take(from));
    }
}

void SentCids::senderLeft(
    const QString &identity, const std::function<bool(const QString &)> &isOnline)
{
    const auto window = m_windows.find(identity);
    if (window == m_windows.end()) {
        return;
    }
    if (!identity.startsWith(u"a:"_s)) {
        m_windows.erase(window);
        return;
    }
    trim(*window, OfflinePerSender);
    // Each account once, so that one coming and going cannot push the others out.
    const auto earlier = std::find(m_offline.begin(), m_offline.end(), identity);
    if (earlier != m_offline.end()) {
        m_offline.erase(earlier);
    }
    m_offline.push_back(identity);
    while (m_offline.size() > std::size_t(OfflineSenders)) {
        const QString oldest = m_offline.front();
        m_offline.pop_front();
        if (!isOnline(oldest)) {
            m_windows.remove(oldest);
        }
    }
}

void SentCids::trim(Window &window, int size)
{
    while (window.order.size() > std::size_t(size)) {
        window.ids.remove(window.order.front());
        window.order.pop_front();
    }
}

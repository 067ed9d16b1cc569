#include "histogram.h"

#include <algorithm>

using namespace Qt::StringLiterals;

void Histogram::observe(double seconds)
{
    const auto bucket = std::lower_bound(Bounds.begin(), Bounds.end(), seconds);
    if (bucket != Bounds.end()) {
        m_buckets[std::size_t(bucket - Bounds.begin())].fetch_add(1, std::memory_order_relaxed);
    }
    m_sumMicroseconds.fetch_add(quint64(std::max(0.0, seconds) * 1e6), std::memory_order_relaxed);
    m_count.fetch_add(1, std::memory_order_relaxed);
}

QString Histogram::render(const QString &name) const
{
    // Read the count first: the buckets, read after, are never more than it, which keeps
    // +Inf (the count) at least the last bucket while others observe.
    const quint64 count = m_count.load(std::memory_order_relaxed);
    QString text;
    quint64 cumulative = 0;
    for (std::size_t i = 0; i < Bounds.size(); ++i) {
        cumulative += m_buckets[i].load(std::memory_order_relaxed);
        text += name + u"_bucket{le=\""_s + QString::number(Bounds[i]) + u"\"} "_s
            + QString::number(std::min(cumulative, count)) + u'\n';
    }
    text += name + u"_bucket{le=\"+Inf\"} "_s + QString::number(count) + u'\n';
    text += name + u"_sum "_s
        + QString::number(m_sumMicroseconds.load(std::memory_order_relaxed) / 1e6, 'f', 6) + u'\n';
    text += name + u"_count "_s + QString::number(count) + u'\n';
    return text;
}

#pragma once

#include <QString>

#include <array>
#include <atomic>

// A Prometheus histogram of durations with fixed buckets, from 0.5 ms to 10 s: lock-free, so
// any thread may observe into it while another renders it.
class Histogram
{
public:
    static constexpr std::array<double, 13> Bounds{
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};

    void observe(double seconds);
    // The _bucket, _sum and _count lines of the metric name (its HELP and TYPE are the
    // caller's).
    QString render(const QString &name) const;

private:
    std::array<std::atomic<quint64>, Bounds.size()> m_buckets{}; // each counts its own range
    std::atomic<quint64> m_count = 0;
    std::atomic<quint64> m_sumMicroseconds = 0;
};

#pragma once

#include "frametype.h"
#include "histogram.h"
#include "protocol.h"

#include <QByteArray>
#include <QList>

#include <array>
#include <atomic>

// What natter-server counts for Prometheus, rendered by MetricsServer in the text format.
//
// One process-wide set, as a Prometheus client library's default registry is: the counting
// happens in every layer, several calls deep (a connection's bytes, a session's frames and
// errors, the room's deliveries, the store's commits), and threading a reference through all of
// them would buy nothing but longer constructors. Every count is a relaxed atomic add, about a
// nanosecond. Tests that run several servers in one process see their sum, and compare deltas.
class Metrics
{
public:
    enum class Mode { Json, Text }; // how a connected client speaks
    enum class Delivery { Message, Dm, Other }; // what a delivered frame was
    enum class Cutoff { Flood, SlowConsumer, Timeout, FrameTooLarge, FrameTimeout };

    static Metrics &instance();

    void bytesIn(qint64 bytes) { m_bytesIn.fetch_add(quint64(bytes), Relaxed); }
    void bytesOut(qint64 bytes) { m_bytesOut.fetch_add(quint64(bytes), Relaxed); }
    void frameReceived(Protocol::FrameType type) { ++m_framesIn[std::size_t(type)]; }
    void delivered(Delivery kind, quint64 frames)
    {
        m_deliveries[std::size_t(kind)].fetch_add(frames, Relaxed);
    }
    void error(Protocol::ErrorCode code) { ++m_errors[std::size_t(code)]; }
    void cutOff(Cutoff why) { ++m_cutoffs[std::size_t(why)]; }
    void signInFailed(Protocol::ErrorCode code) { ++m_signInFailures[std::size_t(code)]; }
    // A client registered in a mode (+1), or one that had left it (-1).
    void clients(Mode mode, int change) { m_clients[std::size_t(mode)].fetch_add(change, Relaxed); }
    Histogram &storeCommit() { return m_storeCommit; }
    Histogram &historyQuery() { return m_historyQuery; }

    // A value read at scrape time (queue depths, connections): name, help, value.
    struct Gauge
    {
        QString name;
        QString help;
        double value = 0;
    };
    // Every metric, with gauges, in Prometheus' text exposition format 0.0.4.
    QByteArray render(const QList<Gauge> &gauges) const;

private:
    static constexpr auto Relaxed = std::memory_order_relaxed;
    using Counter = std::atomic<quint64>;

    Counter m_bytesIn = 0;
    Counter m_bytesOut = 0;
    std::array<Counter, Protocol::FrameTypeCount> m_framesIn{};
    std::array<Counter, 3> m_deliveries{};
    std::array<Counter, Protocol::ErrorCodeCount> m_errors{};
    std::array<Counter, 5> m_cutoffs{};
    std::array<Counter, Protocol::ErrorCodeCount> m_signInFailures{};
    std::array<std::atomic<qint64>, 2> m_clients{};
    Histogram m_storeCommit;
    Histogram m_historyQuery;
};

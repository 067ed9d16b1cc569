#include "metrics.h"

#include <QLatin1StringView>

using namespace Qt::StringLiterals;

namespace {

QString header(QLatin1StringView name, QLatin1StringView help, QLatin1StringView type)
{
    return u"# HELP "_s + name + u' ' + help + u"\n# TYPE "_s + name + u' ' + type + u'\n';
}

QString sample(QLatin1StringView name, const QString &labels, double value)
{
    return name + (labels.isEmpty() ? QString() : u'{' + labels + u'}') + u' '
        + QString::number(value, 'g', 17) + u'\n';
}

QString label(QLatin1StringView key, QLatin1StringView value)
{
    return key + u"=\""_s + value + u'"';
}

} // namespace

Metrics &Metrics::instance()
{
    static Metrics metrics;
    return metrics;
}

QByteArray Metrics::render(const QList<Gauge> &gauges) const
{
    using Protocol::ErrorCode;
    using Protocol::FrameType;
    QString text;
    text += header(
        "natter_connected_clients"_L1, "Clients signed in, by how they speak."_L1, "gauge"_L1);
    text += sample(
        "natter_connected_clients"_L1, label("mode"_L1, "json"_L1), double(m_clients[0].load()));
    text += sample(
        "natter_connected_clients"_L1, label("mode"_L1, "text"_L1), double(m_clients[1].load()));

    text += header("natter_frames_received_total"_L1, "Frames received from clients, by type."_L1,
        "counter"_L1);
    for (const FrameType type : Protocol::AllFrameTypes) {
        if (Protocol::isClientFrame(type)) {
            text += sample("natter_frames_received_total"_L1,
                label("type"_L1, Protocol::frameTypeName(type)),
                double(m_framesIn[std::size_t(type)].load()));
        }
    }

    text += header("natter_deliveries_total"_L1,
        "Frames handed to clients' connections by the room, one per recipient: chat messages, "
        "private messages, and everything else (presence, notices, replies)."_L1,
        "counter"_L1);
    const QLatin1StringView kinds[] = {"message"_L1, "dm"_L1, "other"_L1};
    for (std::size_t i = 0; i < m_deliveries.size(); ++i) {
        text += sample("natter_deliveries_total"_L1, label("type"_L1, kinds[i]),
            double(m_deliveries[i].load()));
    }

    text += header("natter_received_bytes_total"_L1, "Bytes read from clients."_L1, "counter"_L1);
    text += sample("natter_received_bytes_total"_L1, {}, double(m_bytesIn.load()));
    text += header("natter_sent_bytes_total"_L1, "Bytes written to clients."_L1, "counter"_L1);
    text += sample("natter_sent_bytes_total"_L1, {}, double(m_bytesOut.load()));

    const auto byCode = [&text](QLatin1StringView name, QLatin1StringView help,
                            const std::array<Counter, Protocol::ErrorCodeCount> &counts) {
        text += header(name, help, "counter"_L1);
        for (int i = int(ErrorCode::Unknown) + 1; i < Protocol::ErrorCodeCount; ++i) {
            if (const quint64 count = counts[std::size_t(i)].load(); count > 0) {
                text += sample(
                    name, label("code"_L1, Protocol::errorCodeName(ErrorCode(i))), double(count));
            }
        }
    };
    byCode("natter_errors_total"_L1, "Error frames sent to clients, by code."_L1, m_errors);
    byCode("natter_signin_failures_total"_L1,
        "Sign-ins, registrations and password changes refused, by code."_L1, m_signInFailures);
    text += header("natter_rate_limited_total"_L1,
        "Requests refused for coming too fast (chat, history, sign-in)."_L1, "counter"_L1);
    text += sample("natter_rate_limited_total"_L1, {},
        double(m_errors[std::size_t(ErrorCode::RateLimited)].load()
            + m_errors[std::size_t(ErrorCode::TooManyAttempts)].load()));

    text += header("natter_cut_off_total"_L1, "Clients disconnected by the server, by reason."_L1,
        "counter"_L1);
    const QLatin1StringView reasons[]
        = {"flood"_L1, "slow_consumer"_L1, "timeout"_L1, "frame_too_large"_L1, "frame_timeout"_L1};
    for (std::size_t i = 0; i < m_cutoffs.size(); ++i) {
        text += sample(
            "natter_cut_off_total"_L1, label("reason"_L1, reasons[i]), double(m_cutoffs[i].load()));
    }

    text += header("natter_store_commit_seconds"_L1,
        "Time to commit one batch of messages to the database."_L1, "histogram"_L1);
    text += m_storeCommit.render(u"natter_store_commit_seconds"_s);
    text += header("natter_history_query_seconds"_L1,
        "Time to read one history page, replay or unread count from the database."_L1,
        "histogram"_L1);
    text += m_historyQuery.render(u"natter_history_query_seconds"_s);

    for (const Gauge &gauge : gauges) {
        const QByteArray name = gauge.name.toLatin1();
        const QByteArray help = gauge.help.toLatin1();
        text += header(QLatin1StringView(name), QLatin1StringView(help), "gauge"_L1);
        text += sample(QLatin1StringView(name), {}, gauge.value);
    }
    return text.toUtf8();
}

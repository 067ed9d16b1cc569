#include "serverconfig.h"

#include <QCommandLineParser>
#include <QStandardPaths>

using namespace Qt::StringLiterals;

namespace {

// Parses a whole number in [min, max]; the option's name goes into the error message.
std::optional<qint64> parseNumber(const QString &text, qint64 min, qint64 max)
{
    bool ok = false;
    const qint64 value = text.toLongLong(&ok);
    if (!ok || value < min || value > max) {
        return std::nullopt;
    }
    return value;
}

} // namespace

QString ServerConfig::defaultDatabasePath()
{
    // $XDG_DATA_HOME/natter-server/natter.db, usually ~/.local/share/natter-server/natter.db.
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)
        + "/natter-server/natter.db"_L1;
}

std::variant<ServerConfig, ServerConfig::Exit> ServerConfig::fromArguments(
    const QStringList &arguments)
{
    ServerConfig config;
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Natter chat server: relays chat and private messages between clients speaking "
        "newline-delimited JSON (see docs/PROTOCOL.md)."_s);
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    const QCommandLineOption bind(
        {u"b"_s, u"bind"_s}, u"Address to listen on (default: all interfaces)."_s, u"address"_s);
    const QCommandLineOption port({u"p"_s, u"port"_s},
        u"TCP port (default: %1; 0 picks a free port)."_s.arg(Protocol::DefaultPort), u"port"_s);
    const QCommandLineOption maxClients(u"max-clients"_s,
        u"Most connections served at once; more are refused with server_full (default: %1)."_s.arg(
            config.maxClients),
        u"count"_s);
    const QCommandLineOption maxFrame(u"max-frame"_s,
        u"Largest frame in bytes; a longer line closes the connection (default: %1)."_s.arg(
            config.maxFrameBytes),
        u"bytes"_s);
    const QCommandLineOption maxPending(u"max-pending"_s,
        u"Most bytes queued for a client that is not reading; past it the client is "
        "disconnected as a slow consumer (default: %1)."_s.arg(config.maxPendingBytes),
        u"bytes"_s);
    const QCommandLineOption motd(
        u"motd"_s, u"Greeting sent in each welcome; {name} becomes the user's name."_s, u"text"_s);
    const QCommandLineOption quizSeed(u"quiz-seed"_s,
        u"Seed for the quiz questions: every quiz asks the same ones (for tests and demos)."_s,
        u"number"_s);
    const QCommandLineOption maxPerIp(u"max-per-ip"_s,
        u"Most connections from one IP address (default: %1)."_s.arg(config.maxClientsPerAddress),
        u"count"_s);
    const QCommandLineOption maxText(u"max-text"_s,
        u"Longest message in characters (default: %1)."_s.arg(config.maxTextLength), u"chars"_s);
    const QCommandLineOption rate(u"rate"_s,
        u"Chat messages a client may send per second, sustained (default: %1)."_s.arg(
            config.chatRate),
        u"per-second"_s);
    const QCommandLineOption burst(u"burst"_s,
        u"Chat messages a client may send in a burst (default: %1)."_s.arg(config.chatBurst),
        u"count"_s);
    const QCommandLineOption helloTimeout(u"hello-timeout"_s,
        u"Seconds a new connection has to register (default: %1)."_s.arg(
            config.helloTimeoutMs / 1000),
        u"seconds"_s);
    const QCommandLineOption idleTimeout(u"idle-timeout"_s,
        u"Seconds of silence before a client is pinged; one that stays silent as long again "
        "is dropped. 0 turns this off (default: %1)."_s.arg(config.idleTimeoutMs / 1000),
        u"seconds"_s);
    const QCommandLineOption frameTimeout(u"frame-timeout"_s,
        u"Seconds a client has to finish a frame it has begun (default: %1)."_s.arg(
            config.frameTimeoutMs / 1000),
        u"seconds"_s);
    const QCommandLineOption historyRate(u"history-rate"_s,
        u"History requests a client may make per second, sustained (default: %1)."_s.arg(
            config.historyRate),
        u"per-second"_s);
    const QCommandLineOption historyBurst(u"history-burst"_s,
        u"History requests a client may make in a burst (default: %1)."_s.arg(config.historyBurst),
        u"count"_s);
    const QCommandLineOption tlsCert(u"tls-cert"_s,
        u"Serve TLS with this PEM certificate (chain); needs --tls-key."_s, u"file"_s);
    const QCommandLineOption tlsKey(
        u"tls-key"_s, u"The PEM private key for --tls-cert (unencrypted)."_s, u"file"_s);
    const QCommandLineOption db(u"db"_s,
        u"The database: an SQLite file, \":memory:\" to keep none, or a PostgreSQL URL "
        "(postgresql://user[:password]@host[:port]/database) (default: %1)."_s.arg(
            defaultDatabasePath()),
        u"file|url"_s);
    const QCommandLineOption dbSync(u"db-sync"_s,
        u"normal: a crash of the server loses nothing, a power cut may lose the last moments; "
        "full: nothing is lost, at the cost of an fsync per batch (default: normal)."_s,
        u"mode"_s);
    const QCommandLineOption cluster(u"cluster"_s,
        u"Serve as one of a cluster's servers, which share the PostgreSQL --db and hear of each "
        "other's messages through this Redis (redis://host:port)."_s,
        u"url"_s);
    const QCommandLineOption workerThreads(u"worker-threads"_s,
        u"Serve all clients from this many threads instead of a thread per client "
        "(default: 0, a thread per client; see docs/BENCHMARKS.md)."_s,
        u"count"_s);
    const QCommandLineOption presenceLimit(u"presence-limit"_s,
        u"With more people online than this, joins and departures are not announced and "
        "welcome lists this many names (default: %1)."_s.arg(config.presenceLimit),
        u"count"_s);
    const QCommandLineOption presenceBatch(u"presence-batch"_s,
        u"In a room of more people than this, joins and departures are announced together, "
        "in one presence frame every %1 ms (default: %2)."_s.arg(config.presenceIntervalMs)
            .arg(config.presenceBatch),
        u"count"_s);
    const QCommandLineOption guests(u"guests"_s,
        u"on: a name that is not an account may be used without a password, as a guest; off: "
        "everyone signs in to an account (default: on)."_s,
        u"on|off"_s);
    const QCommandLineOption tokenExpiry(u"token-expiry"_s,
        u"Days a sign-in token may go unused before it stops working (default: %1)."_s.arg(
            config.tokenExpiryDays),
        u"days"_s);
    const QCommandLineOption hashThreads(u"hash-threads"_s,
        u"Password hashes computed at once; each needs 64 MiB while it runs (default: %1)."_s.arg(
            config.hashThreads),
        u"count"_s);
    parser.addOptions({bind, port, maxClients, maxPerIp, maxFrame, maxPending, maxText, rate, burst,
        helloTimeout, idleTimeout, frameTimeout, historyRate, historyBurst, motd, quizSeed, tlsCert,
        tlsKey, db, dbSync, cluster, workerThreads, presenceLimit, presenceBatch, guests,
        tokenExpiry, hashThreads});

    // The error and where to read more, not the 60 lines of help that would scroll it away.
    const auto usageError = [](QString message) {
        if (!message.isEmpty()) {
            message[0] = message.at(0).toLower(); // Qt's own errors begin in capitals
        }
        return Exit{u"natter-server: %1\ntry 'natter-server --help'\n"_s.arg(message), 2};
    };

    if (!parser.parse(arguments)) {
        return usageError(parser.errorText());
    }
    if (parser.isSet(help)) {
        return Exit{parser.helpText(), 0};
    }
    if (parser.isSet(version)) {
        return Exit{u"natter-server %1 (protocol %2)\n"_s.arg(QLatin1StringView(NATTER_VERSION))
                        .arg(Protocol::Version),
            0};
    }
    if (!parser.positionalArguments().isEmpty()) {
        return usageError(u"unexpected argument: %1"_s.arg(parser.positionalArguments().first()));
    }
    if (parser.isSet(bind)) {
        const QString text = parser.value(bind);
        if (text == "localhost"_L1) {
            config.bindAddress = QHostAddress::LocalHost;
        } else if (!config.bindAddress.setAddress(text)) {
            return usageError(u"--bind needs an IP address, not \"%1\""_s.arg(text));
        }
    }
    if (parser.isSet(port)) {
        const auto value = parseNumber(parser.value(port), 0, 65535);
        if (!value) {
            return usageError(u"--port needs a number from 0 to 65535"_s);
        }
        config.port = quint16(*value);
    }
    if (parser.isSet(maxClients)) {
        const auto value = parseNumber(parser.value(maxClients), 1, 1'000'000);
        if (!value) {
            return usageError(u"--max-clients needs a number from 1 to 1000000"_s);
        }
        config.maxClients = int(*value);
    }
    if (parser.isSet(maxFrame)) {
        const auto value = parseNumber(parser.value(maxFrame), 256, 64 * 1024 * 1024);
        if (!value) {
            return usageError(u"--max-frame needs a number of bytes from 256 to 67108864"_s);
        }
        config.maxFrameBytes = *value;
    }
    if (parser.isSet(maxPending)) {
        const auto value = parseNumber(parser.value(maxPending), 64 * 1024, 1LL << 32);
        if (!value) {
            return usageError(u"--max-pending needs a number of bytes from 65536 to 4294967296"_s);
        }
        config.maxPendingBytes = *value;
    }
    const struct
    {
        const QCommandLineOption &option;
        qint64 min;
        qint64 max;
        int *target;
        int scale;
    } integers[] = {
        {maxPerIp, 1, 1'000'000, &config.maxClientsPerAddress, 1},
        {maxText, 1, 1'000'000, &config.maxTextLength, 1},
        {helloTimeout, 1, 3600, &config.helloTimeoutMs, 1000},
        {idleTimeout, 0, 86400, &config.idleTimeoutMs, 1000},
        {frameTimeout, 1, 3600, &config.frameTimeoutMs, 1000},
        {workerThreads, 0, 256, &config.workerThreads, 1},
        {presenceLimit, 1, 1'000'000, &config.presenceLimit, 1},
        {presenceBatch, 0, 1'000'000, &config.presenceBatch, 1},
        {tokenExpiry, 1, 36500, &config.tokenExpiryDays, 1},
        {hashThreads, 1, 64, &config.hashThreads, 1},
    };
    for (const auto &integer : integers) {
        if (parser.isSet(integer.option)) {
            const auto value = parseNumber(parser.value(integer.option), integer.min, integer.max);
            if (!value) {
                return usageError(
                    u"--%1 needs a number from %2 to %3"_s.arg(integer.option.names().constFirst())
                        .arg(integer.min)
                        .arg(integer.max));
            }
            *integer.target = int(*value * integer.scale);
        }
    }
    for (const auto &[option, target] : {std::pair{&rate, &config.chatRate},
             std::pair{&burst, &config.chatBurst}, std::pair{&historyRate, &config.historyRate},
             std::pair{&historyBurst, &config.historyBurst}}) {
        if (parser.isSet(*option)) {
            bool ok = false;
            const double value = parser.value(*option).toDouble(&ok);
            if (!ok || value < 0.1 || value > 1e6) {
                return usageError(
                    u"--%1 needs a number from 0.1 to 1000000"_s.arg(option->names().constFirst()));
            }
            *target = value;
        }
    }
    if (parser.isSet(quizSeed)) {
        const auto value = parseNumber(parser.value(quizSeed), 0, 0xffffffffLL);
        if (!value) {
            return usageError(u"--quiz-seed needs a number from 0 to 4294967295"_s);
        }
        config.quizSeed = quint32(*value);
    }
    if (parser.isSet(tlsCert) != parser.isSet(tlsKey)) {
        return usageError(u"--tls-cert and --tls-key go together"_s);
    }
    config.tlsCertificatePath = parser.value(tlsCert);
    config.tlsKeyPath = parser.value(tlsKey);
    if (parser.isSet(motd)) {
        config.motd = parser.value(motd);
    }
    config.databaseLocation = parser.isSet(db) ? parser.value(db) : defaultDatabasePath();
    if (config.databaseLocation.isEmpty()) {
        return usageError(u"--db needs a file name, :memory: or a postgresql:// URL"_s);
    }
    if (parser.isSet(guests)) {
        const QString mode = parser.value(guests);
        if (mode != "on"_L1 && mode != "off"_L1) {
            return usageError(u"--guests needs on or off"_s);
        }
        config.guestsAllowed = mode == "on"_L1;
    }
    if (parser.isSet(dbSync)) {
        const QString mode = parser.value(dbSync);
        if (mode != "normal"_L1 && mode != "full"_L1) {
            return usageError(u"--db-sync needs normal or full"_s);
        }
        config.databaseFullSync = mode == "full"_L1;
    }
    if (parser.isSet(cluster)) {
        config.cluster = parser.value(cluster);
        if (!config.databaseLocation.startsWith("postgresql://"_L1)
            && !config.databaseLocation.startsWith("postgres://"_L1)) {
            return usageError(u"--cluster needs --db postgresql://...: the servers of a cluster "
                              "share one PostgreSQL database"_s);
        }
    }
    return config;
}

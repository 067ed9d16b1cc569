#include "serverconfig.h"

#include "configfile.h"
#include "sqlbackend.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStandardPaths>

#include <functional>

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

// Sets field to a parsed number times scale (seconds to milliseconds).
template<typename T> std::function<void(qint64)> into(T &field, qint64 scale = 1)
{
    return [&field, scale](qint64 value) {
        field = T(value * scale);
    };
}

} // namespace

QString ServerConfig::defaultDatabasePath()
{
    // Run as a systemd service, in the StateDirectory= it was given (/var/lib/natter).
    const QString state = qEnvironmentVariable("STATE_DIRECTORY").section(u':', 0, 0);
    if (!state.isEmpty()) {
        return state + "/natter.db"_L1;
    }
    // $XDG_DATA_HOME/natter-server/natter.db, usually ~/.local/share/natter-server/natter.db.
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)
        + "/natter-server/natter.db"_L1;
}

QMap<QString, QString> ServerConfig::settings() const
{
    const auto number = [](auto value) {
        return QString::number(value);
    };
    return {
        {u"bind"_s, bindAddress.toString()},
        {u"port"_s, number(port)},
        {u"max-clients"_s, number(maxClients)},
        {u"max-per-ip"_s, number(maxClientsPerAddress)},
        {u"max-per-network"_s, number(maxClientsPerNetwork)},
        {u"connect-rate"_s, number(connectRate)},
        {u"connect-burst"_s, number(connectBurst)},
        {u"network-connect-rate"_s, number(networkConnectRate)},
        {u"network-connect-burst"_s, number(networkConnectBurst)},
        {u"max-frame"_s, number(maxFrameBytes)},
        {u"max-pending"_s, number(maxPendingBytes)},
        {u"max-text"_s, number(maxTextLength)},
        {u"rate"_s, number(chatRate)},
        {u"burst"_s, number(chatBurst)},
        {u"hello-timeout"_s, number(helloTimeoutMs / 1000)},
        {u"idle-timeout"_s, number(idleTimeoutMs / 1000)},
        {u"frame-timeout"_s, number(frameTimeoutMs / 1000)},
        {u"history-rate"_s, number(historyRate)},
        {u"history-burst"_s, number(historyBurst)},
        {u"motd"_s, motd},
        {u"quiz-seed"_s, quizSeed ? number(*quizSeed) : QString()},
        {u"tls-cert"_s, tlsCertificatePath},
        {u"tls-key"_s, tlsKeyPath},
        {u"db"_s, SqlBackend::displayName(databaseLocation)},
        {u"db-sync"_s, databaseFullSync ? u"full"_s : u"normal"_s},
        {u"cluster"_s, cluster},
        {u"worker-threads"_s, number(workerThreads)},
        {u"presence-limit"_s, number(presenceLimit)},
        {u"presence-batch"_s, number(presenceBatch)},
        {u"guests"_s, guestsAllowed ? u"on"_s : u"off"_s},
        {u"token-expiry"_s, number(tokenExpiryDays)},
        {u"hash-threads"_s, number(hashThreads)},
        {u"log-format"_s, logJson ? u"json"_s : u"text"_s},
        {u"retention-days"_s, number(retentionDays)},
        {u"retention-max-messages"_s, number(retentionMaxMessages)},
        {u"metrics"_s,
            metricsAddress ? u"%1:%2"_s.arg(metricsAddress->toString()).arg(metricsPort)
                           : QString()},
    };
}

const QStringList &ServerConfig::liveSettings()
{
    // What the listener, new sessions and the room read as they go; the TLS certificate and
    // key files are read again whether or not their names changed (a renewed certificate).
    static const QStringList live{u"max-clients"_s, u"max-per-ip"_s, u"max-per-network"_s,
        u"connect-rate"_s, u"connect-burst"_s, u"network-connect-rate"_s,
        u"network-connect-burst"_s, u"max-frame"_s, u"max-pending"_s, u"max-text"_s, u"rate"_s,
        u"burst"_s, u"hello-timeout"_s, u"idle-timeout"_s, u"frame-timeout"_s, u"history-rate"_s,
        u"history-burst"_s, u"motd"_s, u"tls-cert"_s, u"tls-key"_s, u"guests"_s, u"token-expiry"_s,
        u"retention-days"_s, u"retention-max-messages"_s};
    return live;
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
    const QCommandLineOption maxPerNetwork(u"max-per-network"_s,
        u"Most connections from one network, an IPv4 /24 or an IPv6 /64 (default: %1)."_s.arg(
            config.maxClientsPerNetwork),
        u"count"_s);
    const QCommandLineOption connectRate(u"connect-rate"_s,
        u"New connections a second from one address, sustained; faster ones are refused with "
        "too_many_connections (default: %1)."_s.arg(config.connectRate),
        u"per-second"_s);
    const QCommandLineOption connectBurst(u"connect-burst"_s,
        u"New connections from one address at once (default: %1)."_s.arg(config.connectBurst),
        u"count"_s);
    const QCommandLineOption networkConnectRate(u"network-connect-rate"_s,
        u"New connections a second from one network, an IPv4 /24 or an IPv6 /64, sustained "
        "(default: %1)."_s.arg(config.networkConnectRate),
        u"per-second"_s);
    const QCommandLineOption networkConnectBurst(u"network-connect-burst"_s,
        u"New connections from one network at once (default: %1)."_s.arg(
            config.networkConnectBurst),
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
    const QCommandLineOption metrics(u"metrics"_s,
        u"Serve Prometheus metrics at http://ADDR:PORT/metrics and a health check at /healthz "
        "(e.g. 127.0.0.1:9464; default: off)."_s,
        u"addr:port"_s);
    const QCommandLineOption retentionDays(u"retention-days"_s,
        u"Delete messages older than this many days, in the background (default: 0, keep "
        "them)."_s,
        u"days"_s);
    const QCommandLineOption retentionMax(u"retention-max-messages"_s,
        u"Keep only the newest this many messages, deleting older ones in the background "
        "(default: 0, keep them all)."_s,
        u"count"_s);
    const QCommandLineOption logFormat(u"log-format"_s,
        u"text: lines for people; json: one JSON object a line, for log shippers (default: "
        "text)."_s,
        u"text|json"_s);
    const QCommandLineOption configFile(u"config"_s,
        u"Read settings from this file (default: %1, when it exists). Its keys are these "
        "options' long names (max-clients = 500); the command line wins."_s.arg(
            QLatin1StringView(ConfigFile::DefaultPath)),
        u"file"_s);
    const QCommandLineOption check(u"check"_s,
        u"Check the database (--db) for damage, say what was found, and exit: 0 if it is whole."_s);
    const QCommandLineOption backup(u"backup"_s,
        u"Copy the database (--db) to this file, consistently, even while a server uses it, "
        "and exit."_s,
        u"file"_s);
    const QList<QCommandLineOption> settings{bind, port, maxClients, maxPerIp, maxPerNetwork,
        connectRate, connectBurst, networkConnectRate, networkConnectBurst, maxFrame, maxPending,
        maxText, rate, burst, helloTimeout, idleTimeout, frameTimeout, historyRate, historyBurst,
        motd, quizSeed, tlsCert, tlsKey, db, dbSync, cluster, workerThreads, presenceLimit,
        presenceBatch, guests, tokenExpiry, hashThreads, retentionDays, retentionMax, metrics,
        logFormat};
    parser.addOptions(settings);
    const QCommandLineOption grant(u"grant"_s,
        u"Give the account NAME (the argument after ROLE) the role owner, admin or moderator in "
        "the --db database (none takes it away), and exit; a running server uses it at once."_s,
        u"role"_s);
    parser.addOptions({configFile, check, backup, grant});

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
    if (parser.isSet(grant)) {
        if (parser.positionalArguments().size() != 1) {
            return usageError(u"--grant needs a role and an account's name: --grant admin alice"_s);
        }
        config.grantRole = parser.value(grant);
        config.grantName = parser.positionalArguments().constFirst();
    } else if (!parser.positionalArguments().isEmpty()) {
        return usageError(u"unexpected argument: %1"_s.arg(parser.positionalArguments().first()));
    }

    std::optional<ConfigFile> file;
    const QString filePath = parser.isSet(configFile) ? parser.value(configFile)
        : QFileInfo::exists(QLatin1StringView(ConfigFile::DefaultPath))
        ? QString::fromLatin1(ConfigFile::DefaultPath)
        : QString();
    if (!filePath.isEmpty()) {
        auto loaded = ConfigFile::load(filePath);
        if (const auto *error = std::get_if<QString>(&loaded)) {
            return Exit{u"natter-server: %1\n"_s.arg(*error), 2};
        }
        file = std::move(std::get<ConfigFile>(loaded));
        config.configPath = filePath;
        QStringList known;
        for (const QCommandLineOption &option : settings) {
            known.append(option.names().constLast());
        }
        for (const QString &key : file->keys()) {
            if (!known.contains(key)) {
                return Exit{u"natter-server: %1: not a setting (the settings are the long names "
                            "of the options in 'natter-server --help')\n"_s.arg(file->where(key)),
                    2};
            }
        }
    }
    // A setting from the command line, else from the file; `where` begins an error about it.
    struct Setting
    {
        QString value;
        QString where;
    };
    const auto setting = [&](const QCommandLineOption &option) -> std::optional<Setting> {
        const QString name = option.names().constLast();
        if (parser.isSet(option)) {
            return Setting{parser.value(option), u"--"_s + name};
        }
        if (const auto value = file ? file->value(name) : std::nullopt) {
            return Setting{*value, file->where(name)};
        }
        return std::nullopt;
    };
    // A file's errors are the admin's to fix there: no hint at the command line.
    const auto badSetting = [&](const Setting &where, const QString &needs) {
        return where.where.startsWith(u"--"_s)
            ? usageError(u"%1 needs %2"_s.arg(where.where, needs))
            : Exit{u"natter-server: %1 needs %2\n"_s.arg(where.where, needs), 2};
    };

    if (const auto value = setting(bind)) {
        if (value->value == "localhost"_L1) {
            config.bindAddress = QHostAddress::LocalHost;
        } else if (!config.bindAddress.setAddress(value->value)) {
            return badSetting(*value, u"an IP address, not \"%1\""_s.arg(value->value));
        }
    }
    const struct
    {
        const QCommandLineOption &option;
        qint64 min;
        qint64 max;
        std::function<void(qint64)> set;
        QString unit = {};
    } integers[] = {
        {port, 0, 65535, into(config.port)},
        {maxClients, 1, 1'000'000, into(config.maxClients)},
        {maxFrame, 256, 64 * 1024 * 1024, into(config.maxFrameBytes), u"of bytes "_s},
        {maxPending, 64 * 1024, 1LL << 32, into(config.maxPendingBytes), u"of bytes "_s},
        {maxPerIp, 1, 1'000'000, into(config.maxClientsPerAddress)},
        {maxPerNetwork, 1, 1'000'000, into(config.maxClientsPerNetwork)},
        {maxText, 1, 1'000'000, into(config.maxTextLength)},
        {helloTimeout, 1, 3600, into(config.helloTimeoutMs, 1000)},
        {idleTimeout, 0, 86400, into(config.idleTimeoutMs, 1000)},
        {frameTimeout, 1, 3600, into(config.frameTimeoutMs, 1000)},
        {workerThreads, 0, 256, into(config.workerThreads)},
        {presenceLimit, 1, 1'000'000, into(config.presenceLimit)},
        {presenceBatch, 0, 1'000'000, into(config.presenceBatch)},
        {tokenExpiry, 1, 36500, into(config.tokenExpiryDays)},
        {hashThreads, 1, 64, into(config.hashThreads)},
        {quizSeed, 0, 0xffffffffLL, into(config.quizSeed)},
        {retentionDays, 0, 36500, into(config.retentionDays)},
        {retentionMax, 0, 1'000'000'000'000LL, into(config.retentionMaxMessages)},
    };
    for (const auto &integer : integers) {
        if (const auto value = setting(integer.option)) {
            const auto number = parseNumber(value->value, integer.min, integer.max);
            if (!number) {
                return badSetting(*value,
                    u"a number %1from %2 to %3"_s.arg(integer.unit)
                        .arg(integer.min)
                        .arg(integer.max));
            }
            integer.set(*number);
        }
    }
    for (const auto &[option, target] : {std::pair{&rate, &config.chatRate},
             std::pair{&burst, &config.chatBurst}, std::pair{&historyRate, &config.historyRate},
             std::pair{&historyBurst, &config.historyBurst},
             std::pair{&connectRate, &config.connectRate},
             std::pair{&connectBurst, &config.connectBurst},
             std::pair{&networkConnectRate, &config.networkConnectRate},
             std::pair{&networkConnectBurst, &config.networkConnectBurst}}) {
        if (const auto value = setting(*option)) {
            bool ok = false;
            const double number = value->value.toDouble(&ok);
            if (!ok || number < 0.1 || number > 1e6) {
                return badSetting(*value, u"a number from 0.1 to 1000000"_s);
            }
            *target = number;
        }
    }
    const auto cert = setting(tlsCert);
    const auto key = setting(tlsKey);
    if (cert.has_value() != key.has_value()) {
        return usageError(u"--tls-cert and --tls-key go together"_s);
    }
    config.tlsCertificatePath = cert ? cert->value : QString();
    config.tlsKeyPath = key ? key->value : QString();
    if (const auto value = setting(motd)) {
        config.motd = value->value;
    }
    const auto database = setting(db);
    config.databaseLocation = database ? database->value : defaultDatabasePath();
    if (database && config.databaseLocation.isEmpty()) {
        return badSetting(*database, u"a file name, :memory: or a postgresql:// URL"_s);
    }
    const struct
    {
        const QCommandLineOption &option;
        QLatin1StringView first;
        QLatin1StringView second;
        QLatin1StringView yes; // the one that sets target
        bool *target;
    } choices[] = {
        {guests, "on"_L1, "off"_L1, "on"_L1, &config.guestsAllowed},
        {dbSync, "normal"_L1, "full"_L1, "full"_L1, &config.databaseFullSync},
        {logFormat, "text"_L1, "json"_L1, "json"_L1, &config.logJson},
    };
    for (const auto &choice : choices) {
        if (const auto value = setting(choice.option)) {
            if (value->value != choice.first && value->value != choice.second) {
                return badSetting(*value, u"%1 or %2"_s.arg(choice.first, choice.second));
            }
            *choice.target = value->value == choice.yes;
        }
    }
    if (const auto value = setting(cluster)) {
        config.cluster = value->value;
        if (!config.databaseLocation.startsWith("postgresql://"_L1)
            && !config.databaseLocation.startsWith("postgres://"_L1)) {
            return usageError(u"--cluster needs --db postgresql://...: the servers of a cluster "
                              "share one PostgreSQL database"_s);
        }
    }
    if (const auto value = setting(metrics)) {
        // host:port, [v6]:port, or localhost:port.
        static const QRegularExpression endpoint(uR"(^\[?([^\[\]]+?)\]?:(\d+)$)"_s);
        const QRegularExpressionMatch match = endpoint.match(value->value);
        QHostAddress address;
        if (match.hasMatch()) {
            address = match.captured(1) == "localhost"_L1 ? QHostAddress(QHostAddress::LocalHost)
                                                          : QHostAddress(match.captured(1));
        }
        const auto number
            = match.hasMatch() ? parseNumber(match.captured(2), 0, 65535) : std::nullopt;
        if (!number || address.isNull()) {
            return badSetting(*value, u"an IP address and a port, like 127.0.0.1:9464"_s);
        }
        config.metricsAddress = address;
        config.metricsPort = quint16(*number);
    }
    if (int(parser.isSet(check)) + int(parser.isSet(backup)) + int(parser.isSet(grant)) > 1) {
        return usageError(u"--check, --backup and --grant are separate commands"_s);
    }
    if (parser.isSet(grant)) {
        config.command = Command::Grant;
    } else if (parser.isSet(check)) {
        config.command = Command::Check;
    } else if (parser.isSet(backup)) {
        config.command = Command::Backup;
        config.backupPath = parser.value(backup);
    }
    return config;
}

#pragma once

#include "protocol.h"

#include <QHostAddress>
#include <QMap>
#include <QStringList>

#include <optional>
#include <variant>

// Everything natter-server can be told on its command line, with the defaults it runs with.
struct ServerConfig
{
    QHostAddress bindAddress = QHostAddress::Any;
    quint16 port = Protocol::DefaultPort;
    int maxClients = 1000;
    qsizetype maxFrameBytes = Protocol::DefaultMaxFrameBytes;
    // Bytes queued for one client that it has not read yet; past this it is disconnected.
    qsizetype maxPendingBytes = 4 * 1024 * 1024;
    int maxClientsPerAddress = 32;
    // Connections from one network (an IPv4 /24, an IPv6 /64): four addresses' worth, so that a
    // few neighbours, or one host moving through its /64, cannot take every place.
    int maxClientsPerNetwork = 128;
    // New connections a second from one address, and at once: a client reconnecting in a loop is
    // held to this. The burst lets a whole address's --max-per-ip come back at once after a
    // restart.
    double connectRate = 20;
    double connectBurst = 40;
    // ... and from one network, whose burst lets a whole --max-per-network come back at once.
    double networkConnectRate = 50;
    double networkConnectBurst = 150;
    int maxTextLength = 4000; // characters in one say or dm
    double chatRate = 5.0; // say and dm frames a second, sustained
    double chatBurst = 20.0; // ... and in a burst
    int helloTimeoutMs = 20000; // to register, from connecting
    int idleTimeoutMs = 120000; // silence before a keep-alive ping; 0: never
    int frameTimeoutMs = 30000; // to finish a frame, from its first byte
    double historyRate = 2.0; // history requests a second, sustained
    double historyBurst = 10.0; // ... and in a burst
    int workerThreads = 0; // 0: a thread per client; K: K threads shared by all clients
    // Past this many people online, joins and departures are not announced one by one and
    // welcome lists only this many names (with the total), or every join would cost O(N).
    int presenceLimit = 1000;
    // In a room of more than this many people, joins and departures are told in one presence
    // frame per room every presenceIntervalMs, not a joined or left each: 1,000 people arriving
    // would otherwise cost half a million frames.
    int presenceBatch = 100;
    int presenceIntervalMs = 250; // tests only: a long one lets a test end the window itself
    std::optional<quint32> quizSeed; // fixed quiz questions, for tests and demos
    bool guestsAllowed = true; // a name that is no account's may be used without a password
    int tokenExpiryDays = 90; // a sign-in token unused this long stops working
    int hashThreads = 2; // password hashes at once (each takes 64 MiB while it runs)
    // Messages older than this many days, or beyond the newest this many, are deleted in the
    // background; 0: kept. The default keeps everything.
    int retentionDays = 0;
    qint64 retentionMaxMessages = 0;
    int retentionIntervalMs = 60 * 1000; // tests only: between sweeps
    QString tlsCertificatePath; // both set: serve TLS only
    QString tlsKeyPath;
    QString motd = QStringLiteral("Hi there, {name}! Welcome to Natter.");
    // The history database. The command line defaults to natter.db in the user's data directory
    // (defaultDatabasePath()); a configuration made in code, as in tests, keeps it in memory.
    QString databaseLocation = QStringLiteral(":memory:");
    bool databaseFullSync = false; // fsync every commit: a power cut loses nothing stored
    qint64 databaseMaxPages = 0; // tests only: a cap that makes SQLite report a full disk
    // Set (redis://host:port): one of a cluster's servers, which share a PostgreSQL database.
    QString cluster;
    // Set: Prometheus metrics and a health check over HTTP at this address (MetricsServer).
    std::optional<QHostAddress> metricsAddress;
    quint16 metricsPort = 0;
    bool logJson = false; // one JSON object a log line
    QString configPath; // the file the settings were read from, if any (SIGHUP reads it again)

    // What to do: serve, or a command on the database that exits when done.
    enum class Command { Serve, Check, Backup, Grant };
    Command command = Command::Serve;
    QString backupPath; // Command::Backup: the copy to make
    // Command::Grant (--grant ROLE NAME): the role, as typed, for the account called grantName.
    QString grantRole;
    QString grantName;

    static QString defaultDatabasePath();

    // Each setting as the file names it, and its value as the log may show it (no password).
    QMap<QString, QString> settings() const;
    // The settings a reload (SIGHUP) changes in a running server; the others need a restart.
    static const QStringList &liveSettings();

    // What the command line asked for: a configuration to run, text to print (help, version)
    // and exit 0, or an error to print and exit 2.
    struct Exit
    {
        QString text;
        int code = 0;
    };
    static std::variant<ServerConfig, Exit> fromArguments(const QStringList &arguments);
};

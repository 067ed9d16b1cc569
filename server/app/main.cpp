#include "chatserver.h"
#include "databasetool.h"
#include "grantcommand.h"
#include "metricsserver.h"
#include "serverconfig.h"
#include "serverlog.h"
#include "signalwatcher.h"
#include "systemdnotifier.h"

#include <QCoreApplication>
#include <QTextStream>

#include <csignal>
#include <sys/resource.h>

using namespace Qt::StringLiterals;

namespace {

// Each client holds a socket (and its thread an event descriptor); the usual soft limit of
// 1024 descriptors would cap the server at a few hundred clients.
void raiseOpenFileLimit()
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
            qCWarning(lcServer) << "could not raise the open-files limit";
        }
    }
}

QString endpoint(const QHostAddress &address, quint16 port)
{
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
        ? u"[%1]"_s.arg(address.toString())
        : address.toString();
    return u"%1:%2"_s.arg(host).arg(port);
}

} // namespace

int main(int argc, char *argv[])
{
    // Qt's plain Unix event dispatcher costs each worker thread about 12 KiB less than glib's
    // (docs/BENCHMARKS.md), and the server needs nothing from glib. QT_NO_GLIB=0 brings it back.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB")) {
        qputenv("QT_NO_GLIB", "1");
    }
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"natter-server"_s);
    QCoreApplication::setApplicationVersion(QLatin1StringView(NATTER_VERSION));
    qSetMessagePattern(u"%{time yyyy-MM-ddThh:mm:ss.zzz} "
                       "%{if-warning}warning: %{endif}%{if-critical}error: %{endif}%{message}"_s);

    QTextStream out(stdout);
    QTextStream err(stderr);
    const auto parsed = ServerConfig::fromArguments(QCoreApplication::arguments());
    if (const auto *exit = std::get_if<ServerConfig::Exit>(&parsed)) {
        (exit->code == 0 ? out : err) << exit->text;
        return exit->code;
    }
    const ServerConfig &config = std::get<ServerConfig>(parsed);
    installServerLogHandler(config.logJson);
    if (config.command == ServerConfig::Command::Grant) {
        return GrantCommand::run(
            config.databaseLocation, config.grantRole, config.grantName, out, err);
    }
    if (config.command != ServerConfig::Command::Serve) {
        const DatabaseTool::Result result = config.command == ServerConfig::Command::Check
            ? DatabaseTool::check(config.databaseLocation)
            : DatabaseTool::backup(config.databaseLocation, config.backupPath);
        (result.ok ? out : err) << (result.ok ? "" : "natter-server: ") << result.report
                                << Qt::endl;
        return result.ok ? 0 : 1;
    }

    raiseOpenFileLimit();
    ChatServer server(config);
    if (!server.start()) {
        err << "natter-server: " << server.startError() << Qt::endl;
        return 1;
    }
    MetricsServer metrics(server);
    quint16 metricsPort = 0;
    if (config.metricsAddress) {
        metricsPort = metrics.listen(*config.metricsAddress, config.metricsPort);
        if (metricsPort == 0) {
            err << "natter-server: cannot serve metrics on "
                << endpoint(*config.metricsAddress, config.metricsPort) << Qt::endl;
            return 1;
        }
    }
    out << "listening on " << endpoint(server.serverAddress(), server.serverPort())
        << (server.usesTls() ? " (TLS)" : "") << Qt::endl;
    if (metricsPort != 0) {
        out << "metrics on http://" << endpoint(*config.metricsAddress, metricsPort) << "/metrics"
            << Qt::endl;
    }
    qCInfo(lcServer).noquote() << "listening on"
                               << endpoint(server.serverAddress(), server.serverPort());

    SignalWatcher signalWatcher({SIGINT, SIGTERM, SIGHUP});
    QObject::connect(&signalWatcher, &SignalWatcher::received, &server, [&server](int number) {
        if (number == SIGHUP) {
            SystemdNotifier::reloading();
            // The same command line, so that it still wins over the file.
            const auto reread = ServerConfig::fromArguments(QCoreApplication::arguments());
            if (const auto *exit = std::get_if<ServerConfig::Exit>(&reread)) {
                qCCritical(lcServer).noquote()
                    << "configuration not reloaded, the settings in use are kept:"
                    << exit->text.section(u'\n', 0, 0);
            } else {
                server.reload(std::get<ServerConfig>(reread));
            }
            SystemdNotifier::ready(
                u"listening on "_s + endpoint(server.serverAddress(), server.serverPort()));
            return;
        }
        if (server.isListening()) {
            qCInfo(lcServer) << "received signal" << number << "- closing connections";
            SystemdNotifier::stopping();
            server.shutdown();
        } else {
            qCWarning(lcServer) << "second signal: exiting without waiting";
            QCoreApplication::exit(0);
        }
    });
    QObject::connect(&server, &ChatServer::stopped, &app, &QCoreApplication::quit);
    // Only now, with SIGTERM handled: systemd may stop the service as soon as it is ready.
    SystemdNotifier::ready(
        u"listening on "_s + endpoint(server.serverAddress(), server.serverPort()));
    return app.exec();
}

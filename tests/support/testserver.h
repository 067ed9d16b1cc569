#pragma once

#include "chatserver.h"
#include "postgresserver.h"

#include <QDebug>
#include <QHash>
#include <QTemporaryDir>

#include <memory>

// The database of the suite's server kept in dir: natter.db there, or with
// NATTER_TEST_STORE=postgres a database of its own on a PostgreSQL server the suite starts the
// first time it needs one (the same database each time for the same dir, as a file would be).
inline QString testDatabase(const QTemporaryDir &dir)
{
    if (qEnvironmentVariable("NATTER_TEST_STORE") != QLatin1StringView("postgres")) {
        return dir.filePath(QStringLiteral("natter.db"));
    }
    static std::unique_ptr<PostgresServer> postgres;
    static QHash<QString, QString> databases;
    if (!postgres) {
        postgres = std::make_unique<PostgresServer>();
        if (!postgres->start()) {
            qWarning().noquote() << "cannot start PostgreSQL:" << postgres->error();
            postgres.reset();
            return {};
        }
    }
    QString &url = databases[dir.path()];
    if (url.isEmpty()) {
        url = postgres->createDatabase(QStringLiteral("natter%1").arg(databases.size()));
        if (url.isEmpty()) {
            qWarning().noquote() << "cannot make a database:" << postgres->error();
        }
    }
    return url;
}

// A ChatServer for a suite that links natter-app: on a free loopback port, its history in
// testDatabase(dir) (unless config names a database of its own), chat and connection rate
// limits out of the way (the suites chat and connect fast on purpose, all from 127.0.0.1), and
// the worker threads ctest asks for (the server suites run again pooled). Nothing, with a
// warning saying why, if it cannot start.
inline std::unique_ptr<ChatServer> startTestServer(const QTemporaryDir &dir, ServerConfig config)
{
    config.bindAddress = QHostAddress::LocalHost;
    config.port = 0;
    config.chatRate = 10000;
    config.chatBurst = 10000;
    config.connectRate = config.connectBurst = 10000;
    config.networkConnectRate = config.networkConnectBurst = 10000;
    if (config.databaseLocation == QLatin1StringView(":memory:")) {
        config.databaseLocation = testDatabase(dir);
    }
    config.workerThreads = qEnvironmentVariableIntValue("NATTER_TEST_WORKER_THREADS");
    auto server = std::make_unique<ChatServer>(config);
    if (!server->start()) {
        qWarning().noquote() << "cannot start:" << server->startError();
        return nullptr;
    }
    return server;
}

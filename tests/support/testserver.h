#pragma once

#include "chatserver.h"

#include <QDebug>
#include <QTemporaryDir>

#include <memory>

// A ChatServer for a suite that links natter-app: on a free loopback port, its history in
// natter.db in dir (unless config names a database of its own), chat limits out of the way (the
// suites chat fast on purpose), and the worker threads ctest asks for (the server suites run
// again pooled). Nothing, with a warning saying why, if it cannot start.
inline std::unique_ptr<ChatServer> startTestServer(const QTemporaryDir &dir, ServerConfig config)
{
    config.bindAddress = QHostAddress::LocalHost;
    config.port = 0;
    config.chatRate = 10000;
    config.chatBurst = 10000;
    if (config.databaseLocation == QLatin1StringView(":memory:")) {
        config.databaseLocation = dir.filePath(QStringLiteral("natter.db"));
    }
    config.workerThreads = qEnvironmentVariableIntValue("NATTER_TEST_WORKER_THREADS");
    auto server = std::make_unique<ChatServer>(config);
    if (!server->start()) {
        qWarning().noquote() << "cannot start:" << server->startError();
        return nullptr;
    }
    return server;
}

#pragma once

#include <QLoggingCategory>

// Transport events: sockets that cannot be adopted, connections refused. Timestamps come from the
// message pattern set in main().
Q_DECLARE_LOGGING_CATEGORY(lcNet)

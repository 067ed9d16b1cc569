#pragma once

#include <QLoggingCategory>

// The history database: where it is, failed writes and recoveries.
Q_DECLARE_LOGGING_CATEGORY(lcStore)

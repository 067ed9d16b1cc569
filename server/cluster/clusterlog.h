#pragma once

#include <QLoggingCategory>

// The cluster: Redis coming and going, nodes catching up.
Q_DECLARE_LOGGING_CATEGORY(lcCluster)

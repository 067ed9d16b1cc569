#pragma once

#include <QLoggingCategory>

// Sessions: connects, registrations, departures and protocol errors. Tests silence it with
// QT_LOGGING_RULES="natter.*.info=false".
Q_DECLARE_LOGGING_CATEGORY(lcChat)

#pragma once

#include <QLoggingCategory>

// Sessions: connects, registrations, departures and protocol errors. Tests silence it with
// QT_LOGGING_RULES="natter.*.info=false".
Q_DECLARE_LOGGING_CATEGORY(lcChat)

// What moderators do (who, what, to whom, why) and whom bans refuse: kept apart so that an
// operator can follow it alone.
Q_DECLARE_LOGGING_CATEGORY(lcModeration)

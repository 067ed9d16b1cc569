#pragma once

#include <QLoggingCategory>

// Connects, disconnects and protocol errors; timestamps come from the message pattern set in
// main(). Tests silence it with QT_LOGGING_RULES="natter.server.info=false".
Q_DECLARE_LOGGING_CATEGORY(lcServer)

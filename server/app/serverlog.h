#pragma once

#include <QLoggingCategory>

// Connects, disconnects and protocol errors; timestamps come from the message pattern set in
// main(). Tests silence it with QT_LOGGING_RULES="natter.server.info=false".
Q_DECLARE_LOGGING_CATEGORY(lcServer)

// Writes log lines to stderr with one write(2) each, from a heap buffer. Qt's default handler
// uses fprintf on the unbuffered stderr, and glibc formats that through an 8 KiB buffer on the
// caller's stack: every worker thread that logged once kept those pages resident, about 7 KiB
// of each idle client's memory with a thread per client.
// json: one JSON object a line ({"ts", "level", "category", "message"}) for log shippers,
// instead of the message pattern.
void installServerLogHandler(bool json = false);

#pragma once

#include <QString>

// What tests do to a server's SQLite file from outside, as an admin's tools or a failing disk
// would: count its rows beside the server, and damage it behind the server's back.
namespace SqliteFile {

// The rows of table, read on a connection of its own; -1 if the file cannot be read.
qint64 count(const QString &path, const QString &table = QStringLiteral("messages"));

// Makes a connection of its own write (so the server's cached pages are stale) and move every
// page into the file, then writes 64 bytes of garbage at the start of each page in the middle
// fifth of the file. False, with a warning, if any of it could not be done.
bool damageMiddlePages(const QString &path);

} // namespace SqliteFile

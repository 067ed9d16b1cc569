#pragma once

#include <QString>

// natter-server's commands on an SQLite database that exit when done: --check verifies every page
// (PRAGMA integrity_check) without writing anything, and --backup copies it with SQLite's online
// backup API, consistently even while a server writes to it. Both go to the file directly, beside
// a running server (which holds the file's lock, and does not mind a reader).
class DatabaseTool
{
public:
    struct Result
    {
        bool ok = false;
        QString report; // what an admin reads: what was found or done, or why not
    };

    static Result check(const QString &path);
    // Writes a copy of path to target (replacing it only once the copy is whole), then checks
    // the copy; path.ids (the newest id handed out) goes beside it as target.ids.
    static Result backup(const QString &path, const QString &target);
};

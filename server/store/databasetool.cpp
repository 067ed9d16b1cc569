#include "databasetool.h"

#include "sqlbackend.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QStringList>

#include <sqlite3.h>

#include <memory>
#include <optional>

using namespace Qt::StringLiterals;

namespace {

struct Closer
{
    void operator()(sqlite3 *db) const { sqlite3_close(db); }
};
using Database = std::unique_ptr<sqlite3, Closer>;

// Opens path as SQLite does, or says why not. A file that is not there is an error, not a new
// database.
Database openDatabase(const QString &path, int flags, QString *error)
{
    sqlite3 *handle = nullptr;
    const int status = sqlite3_open_v2(path.toUtf8().constData(), &handle, flags, nullptr);
    Database db(handle);
    if (status != SQLITE_OK) {
        *error = u"cannot open %1: %2"_s.arg(
            path, QString::fromUtf8(handle ? sqlite3_errmsg(handle) : sqlite3_errstr(status)));
        return nullptr;
    }
    sqlite3_busy_timeout(handle, 5000);
    return db;
}

// The rows of a one-column statement, or the error that ended them.
QStringList rows(sqlite3 *db, const char *sql, QString *error)
{
    sqlite3_stmt *statement = nullptr;
    QStringList result;
    if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) != SQLITE_OK) {
        *error = QString::fromUtf8(sqlite3_errmsg(db));
        return result;
    }
    int status = SQLITE_ROW;
    while ((status = sqlite3_step(statement)) == SQLITE_ROW) {
        result.append(
            QString::fromUtf8(reinterpret_cast<const char *>(sqlite3_column_text(statement, 0))));
    }
    if (status != SQLITE_DONE) {
        *error = QString::fromUtf8(sqlite3_errmsg(db));
    }
    sqlite3_finalize(statement);
    return result;
}

DatabaseTool::Result checkOpen(sqlite3 *db, const QString &path)
{
    QString error;
    const QStringList version = rows(db, "PRAGMA user_version", &error);
    const QStringList problems
        = error.isEmpty() ? rows(db, "PRAGMA integrity_check", &error) : QStringList();
    if (!error.isEmpty()) {
        return {false, u"%1 is damaged or not a database: %2"_s.arg(path, error)};
    }
    if (problems != QStringList{u"ok"_s}) {
        return {false,
            u"%1 is damaged (%2 problem%3):\n  %4"_s.arg(path)
                .arg(problems.size())
                .arg(problems.size() == 1 ? ""_L1 : "s"_L1)
                .arg(problems.join("\n  "_L1))};
    }
    const QStringList messages = rows(db, "SELECT count(*) FROM messages", &error);
    return {true,
        u"%1 is whole: schema version %2, %3 messages, %4 bytes"_s
            .arg(path, version.value(0), error.isEmpty() ? messages.value(0) : u"no"_s)
            .arg(QFileInfo(path).size())};
}

// The commands work on SQLite files; PostgreSQL has its own tools.
std::optional<DatabaseTool::Result> refusePostgres(
    const QString &path, QLatin1StringView command, QLatin1StringView instead)
{
    if (!SqlBackend::isPostgres(path)) {
        return std::nullopt;
    }
    return DatabaseTool::Result{
        false, u"%1 is for SQLite files; for PostgreSQL use %2"_s.arg(command, instead)};
}

} // namespace

DatabaseTool::Result DatabaseTool::check(const QString &path)
{
    if (auto refused = refusePostgres(path, "--check"_L1, "pg_amcheck"_L1)) {
        return *refused;
    }
    if (!QFileInfo(path).isFile()) {
        return {false, u"there is no database file %1"_s.arg(path)};
    }
    if (QFileInfo(path).size() == 0) {
        return {false, u"%1 is an empty file, not a database"_s.arg(path)};
    }
    QString error;
    const Database db = openDatabase(path, SQLITE_OPEN_READONLY, &error);
    if (!db) {
        return {false, error};
    }
    return checkOpen(db.get(), path);
}

DatabaseTool::Result DatabaseTool::backup(const QString &path, const QString &target)
{
    if (auto refused = refusePostgres(path, "--backup"_L1, "pg_dump"_L1)) {
        return *refused;
    }
    if (!QFileInfo(path).isFile() || QFileInfo(path).size() == 0) {
        return {false, u"there is no database in %1 to back up"_s.arg(path)};
    }
    if (QFileInfo(target).canonicalFilePath() == QFileInfo(path).canonicalFilePath()) {
        return {false, u"the backup must go to another file than %1"_s.arg(path)};
    }
    QElapsedTimer timer;
    timer.start();
    QString error;
    const Database source = openDatabase(path, SQLITE_OPEN_READONLY, &error);
    if (!source) {
        return {false, error};
    }
    // Into a file of its own first: a copy that fails half way never replaces a good one.
    const QString partial = target + ".partial"_L1;
    QFile::remove(partial);
    Database copy = openDatabase(partial, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &error);
    if (!copy) {
        return {false, error};
    }
    // One step for every page: a single read transaction, so the copy is the database as of one
    // moment. In WAL mode the server goes on writing meanwhile.
    sqlite3_backup *job = sqlite3_backup_init(copy.get(), "main", source.get(), "main");
    int status = SQLITE_ERROR;
    int pages = 0;
    if (job) {
        status = sqlite3_backup_step(job, -1);
        pages = sqlite3_backup_pagecount(job);
        sqlite3_backup_finish(job);
    }
    if (status != SQLITE_DONE) {
        error = QString::fromUtf8(job ? sqlite3_errstr(status) : sqlite3_errmsg(copy.get()));
        copy.reset();
        QFile::remove(partial);
        return {false, u"cannot back up %1: %2"_s.arg(path, error)};
    }
    const Result checked = checkOpen(copy.get(), partial);
    copy.reset();
    if (!checked.ok) {
        QFile::remove(partial);
        return {false,
            u"the copy of %1 is not whole, so %2 was left as it was: %3"_s.arg(
                path, target, checked.report)};
    }
    QFile::remove(target);
    if (!QFile::rename(partial, target)) {
        return {false, u"cannot move the copy into %1 (it is in %2)"_s.arg(target, partial)};
    }
    // The newest id handed out goes with it: restored, the copy must not give ids out again.
    QFile::remove(target + ".ids"_L1);
    if (QFile::exists(path + ".ids"_L1) && !QFile::copy(path + ".ids"_L1, target + ".ids"_L1)) {
        return {false,
            u"the copy is in %1, but %2.ids could not be copied beside it"_s.arg(target, path)};
    }
    return {true,
        u"backed up %1 to %2: %3 pages, %4 bytes, in %5 ms; the copy is whole"_s.arg(path, target)
            .arg(pages)
            .arg(QFileInfo(target).size())
            .arg(timer.elapsed())};
}

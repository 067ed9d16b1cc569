#include "sqlitefile.h"

#include <QDebug>
#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace {

constexpr qint64 PageBytes = 4096;

} // namespace

qint64 SqliteFile::count(const QString &path, const QString &table)
{
    qint64 rows = -1;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"sqlitefile-count"_s);
        db.setDatabaseName(path);
        QSqlQuery query(db);
        if (db.open() && query.exec(u"SELECT count(*) FROM %1"_s.arg(table)) && query.next()) {
            rows = query.value(0).toLongLong();
        }
    }
    QSqlDatabase::removeDatabase(u"sqlitefile-count"_s);
    return rows;
}

bool SqliteFile::damageMiddlePages(const QString &path)
{
    bool checkpointed = false;
    {
        QSqlDatabase side = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"sqlitefile-side"_s);
        side.setDatabaseName(path);
        QSqlQuery query(side);
        // The checkpoint's first column is 0 when nothing held it back: all of it is in the file.
        checkpointed = side.open()
            && query.exec(u"INSERT OR REPLACE INTO meta (key, value) VALUES ('poke', '1')"_s)
            && query.exec(u"PRAGMA wal_checkpoint(TRUNCATE)"_s) && query.next()
            && query.value(0).toInt() == 0;
    }
    QSqlDatabase::removeDatabase(u"sqlitefile-side"_s);
    QFile file(path);
    if (!checkpointed || !file.open(QIODevice::ReadWrite)) {
        qWarning() << "cannot damage" << path;
        return false;
    }
    const qint64 pages = file.size() / PageBytes;
    for (qint64 page = pages * 2 / 5; page < pages * 3 / 5; ++page) {
        if (!file.seek(page * PageBytes) || file.write(QByteArray(64, '\xa5')) != 64) {
            return false;
        }
    }
    return pages > 50;
}

#include "sqlbackend.h"

#include "postgresbackend.h"
#include "sqlitebackend.h"

#include <QUrl>

using namespace Qt::StringLiterals;

std::unique_ptr<SqlBackend> SqlBackend::forLocation(const QString &location, bool exclusive)
{
    if (isPostgres(location)) {
        return std::make_unique<PostgresBackend>(location);
    }
    return std::make_unique<SqliteBackend>(location, exclusive);
}

bool SqlBackend::isPostgres(const QString &location)
{
    return location.startsWith("postgresql://"_L1) || location.startsWith("postgres://"_L1);
}

QString SqlBackend::displayName(const QString &location)
{
    // Without the password, and without the options, which could hold one too.
    return isPostgres(location) ? QUrl(location).toString(QUrl::RemovePassword | QUrl::RemoveQuery)
                                : location;
}

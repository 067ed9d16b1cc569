#pragma once

#include <QLoggingCategory>
#include <QSqlError>

// The history database: where it is, failed writes and recoveries.
Q_DECLARE_LOGGING_CATEGORY(lcStore)

// An error of the database as it may be logged or shown. PostgreSQL's DETAIL spells out the
// values of a violated key (a token's digest, say); it is left out.
QString storeErrorText(const QSqlError &error);

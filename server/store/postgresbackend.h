#pragma once

#include "sqlbackend.h"

#include <QUrl>

// A PostgreSQL database, through Qt's QPSQL driver, named by a URL:
// postgresql://user[:password]@host[:port]/database[?option=value&...], where the options are
// libpq's (sslmode, connect_timeout, ...). The schema version is kept in the meta table. A new
// database gets today's schema in one step; later versions add steps here as they do for SQLite.
class PostgresBackend : public SqlBackend
{
public:
    explicit PostgresBackend(const QString &url);

    std::optional<QString> open(const QString &connectionName) override;
    std::optional<QString> configure(QSqlDatabase db, bool fullSync) override;
    std::optional<QString> capGrowth(QSqlDatabase db, qint64 pages) override;
    // PostgreSQL checksums its own pages, and a read error fails the query that meets it.
    std::optional<QString> checkIntegrity(QSqlDatabase) const override { return std::nullopt; }
    QString damagedAdvice() const override;
    std::variant<int, QString> schemaVersion(QSqlDatabase db) const override;
    QStringList lockSchema() const override;
    QStringList lockSequence() const override;
    QString recordSchemaVersion(int version) const override;
    const QList<Migration> &migrations() const override;
    QString explainPrefix() const override;
    QString bytesType() const override;
    bool isPostgres() const override { return true; }

private:
    const QUrl m_url;
};

#pragma once

#include "sqlbackend.h"

// An SQLite file (or ":memory:"), in WAL mode. Its schema version is SQLite's user_version.
class SqliteBackend : public SqlBackend
{
public:
    explicit SqliteBackend(QString path);

    std::optional<QString> open(const QString &connectionName) override;
    std::optional<QString> configure(QSqlDatabase db, bool fullSync) override;
    std::optional<QString> capGrowth(QSqlDatabase db, qint64 pages) override;
    std::variant<int, QString> schemaVersion(QSqlDatabase db) const override;
    QStringList lockSchema() const override { return {}; }
    // One server per file (the ids are its own).
    QStringList lockSequence() const override { return {}; }
    QString recordSchemaVersion(int version) const override;
    const QList<Migration> &migrations() const override;
    QString explainPrefix() const override;
    QString bytesType() const override;
    bool isPostgres() const override { return false; }

private:
    const QString m_path;
};

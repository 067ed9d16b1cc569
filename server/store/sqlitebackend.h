#pragma once

#include "sqlbackend.h"

#include <QFile>
#include <QLockFile>

#include <memory>

// An SQLite file (or ":memory:"), in WAL mode. Its schema version is SQLite's user_version.
//
// One server per file: the ids are its own, so a second server on the same file would hand out
// the same ones. Opening takes FILE.lock (QLockFile, which sees through a lock left by a process
// that died) and holds it until the backend goes.
class SqliteBackend : public SqlBackend
{
public:
    explicit SqliteBackend(QString path, bool exclusive = true);
    ~SqliteBackend() override;

    std::optional<QString> open(const QString &connectionName) override;
    std::optional<QString> configure(QSqlDatabase db, bool fullSync) override;
    std::optional<QString> capGrowth(QSqlDatabase db, qint64 pages) override;
    std::optional<QString> checkIntegrity(QSqlDatabase db) const override;
    std::variant<int, QString> schemaVersion(QSqlDatabase db) const override;
    QStringList lockSchema() const override { return {}; }
    // One server per file (the ids are its own).
    QStringList lockSequence() const override { return {}; }
    QString recordSchemaVersion(int version) const override;
    const QList<Migration> &migrations() const override;
    QString explainPrefix() const override;
    QString bytesType() const override;
    bool isPostgres() const override { return false; }

    QString damagedAdvice() const override;
    // In FILE.ids, rewritten in place after each commit: one write(2), no fsync. It survives a
    // crash of the server (the page cache keeps it), which is when a damaged -wal loses commits
    // that were delivered; a power cut may lose both, as synchronous=NORMAL says.
    void recordIssuedId(qint64 id) override;
    qint64 issuedIdFloor() const override;

private:
    std::optional<QString> lock();

    const QString m_path;
    const bool m_exclusive = true;
    std::unique_ptr<QLockFile> m_lock;
    std::unique_ptr<QFile> m_issued; // FILE.ids, the server's own: open while it runs
};

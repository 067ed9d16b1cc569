#pragma once

#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>
#include <variant>

// What differs between the databases the store runs on: how one is reached, the schema's steps
// in its dialect, and where it records which of them it has taken. The queries themselves are
// one set of SQL that both SQLite and PostgreSQL accept (as Quassel keeps one storage interface
// over its SQLite and PostgreSQL back-ends).
class SqlBackend
{
public:
    // The schema as of `version`, from the one before it.
    struct Migration
    {
        int version = 0;
        QStringList statements;
    };
    virtual ~SqlBackend() = default;

    // A postgresql:// (or postgres://) URL is PostgreSQL; anything else is an SQLite file, or
    // ":memory:".
    // exclusive: the server's own, which no other server may open (an SQLite file's lock); not:
    // a command that edits or reads the database beside a running server (--grant, --check).
    static std::unique_ptr<SqlBackend> forLocation(const QString &location, bool exclusive = true);
    static bool isPostgres(const QString &location);
    // The location as it may be logged or shown: never with its password.
    static QString displayName(const QString &location);

    // Adds the connection connectionName and opens it; an error in words an operator can act on.
    virtual std::optional<QString> open(const QString &connectionName) = 0;
    // Per-connection settings, once the database is known to be ours; fullSync: every commit on
    // disk before it returns.
    virtual std::optional<QString> configure(QSqlDatabase db, bool fullSync) = 0;
    // Lets the database grow by at most this many pages from now (MessageStore::Options).
    virtual std::optional<QString> capGrowth(QSqlDatabase db, qint64 pages) = 0;
    // Whether the database reads back whole (SQLite's own check of every page); an error in
    // words an operator can act on if not. Run once, before anything is read from it.
    virtual std::optional<QString> checkIntegrity(QSqlDatabase db) const = 0;
    // Notes the newest id committed outside the database, where a rollback of the database's
    // own files cannot take it back; issuedIdFloor() reads it (0: nothing noted). A shared
    // database (PostgreSQL) keeps its ids itself.
    virtual void recordIssuedId(qint64) { }
    virtual qint64 issuedIdFloor() const { return 0; }
    // What an operator should do when a read fails, for the message that reports it.
    virtual QString damagedAdvice() const = 0;
    // The version of the schema the database holds (0: none yet), or why it cannot be read.
    virtual std::variant<int, QString> schemaVersion(QSqlDatabase db) const = 0;
    // Run first in the transaction that upgrades, so two servers never upgrade at once.
    virtual QStringList lockSchema() const = 0;
    // Run in a transaction that takes message ids, held to its commit: one at a time across
    // every server on the database.
    virtual QStringList lockSequence() const = 0;
    virtual QString recordSchemaVersion(int version) const = 0;
    virtual const QList<Migration> &migrations() const = 0;
    // Put before a query, asks how the database would run it.
    virtual QString explainPrefix() const = 0;
    // The column type of raw bytes, for a CAST of a bound value that the query cannot type.
    virtual QString bytesType() const = 0;
    virtual bool isPostgres() const = 0;

protected:
    SqlBackend() = default;
};

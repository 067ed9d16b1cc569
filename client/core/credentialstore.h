#pragma once

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QString>

#include <deque>
#include <functional>

namespace QKeychain {
class Job;
}

// Where the client keeps each account's sign-in token between runs, so that the next start
// signs in without asking. A token, never a password: it can be revoked on its own (Sign out,
// a password change elsewhere) and is worthless on another server.
//
// The desktop's keychain (Secret Service, KWallet, the macOS Keychain, the Windows credential
// store, through QtKeychain) is the place. Where none runs (a bare X session, a container) the
// keychain answers NoBackendAvailable, or OtherError from the start (no session bus, no Secret
// Service), and from then on the tokens go to a JSON file in the application's data folder
// that only the user can read (0600, written whole with QSaveFile). backend() and
// description() say which, for the settings line. An OtherError from a keychain that has
// answered before is a passing trouble: tried once more, then reported (writeFailed), and the
// keychain stays the place.
//
// Keychain calls are asynchronous and may wait for the person to unlock the keychain, so every
// operation is queued and they run one at a time, in order: a read after a write sees it, and a
// fallback to the file redoes the operation that found the keychain missing.
class CredentialStore : public QObject
{
    Q_OBJECT

public:
    enum class Backend { Keychain, File };
    Q_ENUM(Backend)
    using ReadHandler = std::function<void(const QString &token)>;

    // Backend::File skips the keychain; so does NATTER_CREDENTIAL_STORE=file in the
    // environment (tests, or a person who prefers the file).
    explicit CredentialStore(QObject *parent = nullptr, Backend preferred = Backend::Keychain);
    ~CredentialStore() override;

    // The entry for one account on one server: "alice@host:port", in lower case since names
    // are unique regardless of case. It is also the entry's label in the keychain.
    static QString key(const QString &host, quint16 port, const QString &name);

    // Calls done(token) in context's thread, unless context is gone by then; the token is
    // empty when none is stored, or when the keychain refused access.
    void read(const QString &key, QObject *context, ReadHandler done);
    void write(const QString &key, const QString &token);
    void remove(const QString &key);
    // Removes the entry only while it still holds this token: another sign-in of the same
    // account on this computer may have replaced it meanwhile.
    void removeIfUnchanged(const QString &key, const QString &token);
    // Asks the keychain once, so that backend() is known before the first token is kept.
    void probe();

    Backend backend() const { return m_backend; }
    // For people: "System keychain", or "File readable only by you: <path>" (~ for home).
    QString description() const;
    QString filePath() const { return m_filePath; }
    bool isIdle() const { return m_queue.empty(); }

signals:
    void backendChanged(CredentialStore::Backend backend);
    // A token could not be kept (the next start will ask for the password).
    void writeFailed(const QString &message);
    // A token was kept (after a writeFailed: the trouble is over).
    void written(const QString &key);

private:
    struct Operation
    {
        enum class Kind { Read, Write, Remove, RemoveIfUnchanged };
        Kind kind = Kind::Read;
        QString key;
        QString token;
        QPointer<QObject> context;
        ReadHandler done;
        bool retried = false; // after an OtherError
    };

    void enqueue(Operation operation);
    void runNext();
    void startKeychainJob();
    void onKeychainJobFinished(QKeychain::Job *job);
    // Runs the operation at the head of the queue on the file; the answer for a read.
    QString runOnFile(const Operation &operation);
    void finish(const QString &token);
    void fallBackToFile(const QString &why);

    QHash<QString, QString> readFile() const;
    bool writeFile(const QHash<QString, QString> &tokens);

    std::deque<Operation> m_queue;
    Backend m_backend = Backend::Keychain;
    QString m_filePath;
    bool m_running = false;
    bool m_keychainAnswered = false; // in this run: an OtherError is then not "no keychain"
};

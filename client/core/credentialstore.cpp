#include "credentialstore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSaveFile>
#include <QStandardPaths>

#include <qt6keychain/keychain.h>

using namespace Qt::StringLiterals;

namespace {

Q_LOGGING_CATEGORY(lcCredentials, "natter.client.credentials")

// The keychain's name for the entries of this program.
const QString KeychainService = u"natter"_s;
// An entry nobody writes: reading it tells whether a keychain answers at all.
const QString ProbeKey = u"natter-probe"_s;

constexpr QFileDevice::Permissions OwnerOnly = QFileDevice::ReadOwner | QFileDevice::WriteOwner;

} // namespace

CredentialStore::CredentialStore(QObject *parent, Backend preferred)
    : QObject(parent)
    , m_backend(preferred)
    , m_filePath(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)
          + u"/credentials.json"_s)
{
    if (qEnvironmentVariable("NATTER_CREDENTIAL_STORE") == "file"_L1) {
        m_backend = Backend::File;
    }
}

CredentialStore::~CredentialStore()
{
    // What the file still has to do is done now: a sign-out just before quitting must not leave
    // its token behind. (Reads answer nobody any more.) A keychain job still running is a child
    // and goes with us; main() lets the queue drain before the store is destroyed.
    if (m_backend == Backend::File) {
        for (; !m_queue.empty(); m_queue.pop_front()) {
            if (m_queue.front().kind != Operation::Kind::Read) {
                runOnFile(m_queue.front());
            }
        }
    } else if (!m_queue.empty()) {
        qCWarning(lcCredentials) << m_queue.size() << "keychain operations were not done";
    }
}

QString CredentialStore::key(const QString &host, quint16 port, const QString &name)
{
    const QString server = host.contains(u':') ? u"[%1]"_s.arg(host) : host;
    return u"%1@%2:%3"_s.arg(name, server).arg(port).toLower();
}

void CredentialStore::read(const QString &key, QObject *context, ReadHandler done)
{
    enqueue({Operation::Kind::Read, key, {}, context, std::move(done)});
}

void CredentialStore::write(const QString &key, const QString &token)
{
    enqueue({Operation::Kind::Write, key, token, {}, {}});
}

void CredentialStore::remove(const QString &key)
{
    enqueue({Operation::Kind::Remove, key, {}, {}, {}});
}

void CredentialStore::removeIfUnchanged(const QString &key, const QString &token)
{
    enqueue({Operation::Kind::RemoveIfUnchanged, key, token, {}, {}});
}

void CredentialStore::probe()
{
    if (m_backend == Backend::Keychain) {
        enqueue({Operation::Kind::Read, ProbeKey, {}, {}, {}});
    }
}

QString CredentialStore::description() const
{
    switch (m_backend) {
    case Backend::Keychain:
        return tr("System keychain");
    case Backend::File: {
        QString shown = m_filePath;
#ifdef Q_OS_UNIX
        // The way people write their own folder.
        if (const QString home = QDir::homePath(); shown.startsWith(home + u'/')) {
            shown.replace(0, home.size(), u"~"_s);
        }
#endif
        return tr("File readable only by you: %1").arg(QDir::toNativeSeparators(shown));
    }
    }
    return {};
}

void CredentialStore::enqueue(Operation operation)
{
    m_queue.push_back(std::move(operation));
    if (!m_running) {
        m_running = true;
        // Never answer inside the caller: the same order and timing whichever the backend.
        QMetaObject::invokeMethod(this, &CredentialStore::runNext, Qt::QueuedConnection);
    }
}

void CredentialStore::runNext()
{
    if (m_queue.empty()) {
        m_running = false;
        return;
    }
    if (m_backend == Backend::File) {
        finish(runOnFile(m_queue.front()));
    } else {
        startKeychainJob();
    }
}

void CredentialStore::finish(const QString &token)
{
    Operation operation = std::move(m_queue.front());
    m_queue.pop_front();
    if (operation.done && operation.context) {
        operation.done(token);
    }
    QMetaObject::invokeMethod(this, &CredentialStore::runNext, Qt::QueuedConnection);
}

void CredentialStore::startKeychainJob()
{
    const Operation &operation = m_queue.front();
    QKeychain::Job *job = nullptr;
    switch (operation.kind) {
    case Operation::Kind::Read:
    case Operation::Kind::RemoveIfUnchanged:
        job = new QKeychain::ReadPasswordJob(KeychainService, this);
        break;
    case Operation::Kind::Write: {
        auto *write = new QKeychain::WritePasswordJob(KeychainService, this);
        write->setTextData(operation.token);
        job = write;
        break;
    }
    case Operation::Kind::Remove:
        job = new QKeychain::DeletePasswordJob(KeychainService, this);
        break;
    }
    job->setAutoDelete(true);
    job->setKey(operation.key);
    connect(job, &QKeychain::Job::finished, this, &CredentialStore::onKeychainJobFinished);
    job->start();
}

void CredentialStore::onKeychainJobFinished(QKeychain::Job *job)
{
    Operation &operation = m_queue.front();
    switch (job->error()) {
    case QKeychain::NoError:
    case QKeychain::EntryNotFound:
        m_keychainAnswered = true;
        break;
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
        fallBackToFile(job->errorString());
        finish(runOnFile(operation));
        return;
    case QKeychain::OtherError:
        // Anything from a D-Bus hiccup to no keychain at all: once more before deciding.
        if (!operation.retried) {
            operation.retried = true;
            startKeychainJob();
            return;
        }
        if (!m_keychainAnswered) {
            // Never answered in this run: no session bus or no Secret Service, which QtKeychain
            // reports so. The file is the place now, and backendChanged says it.
            fallBackToFile(job->errorString());
            finish(runOnFile(operation));
            return;
        }
        // The keychain worked before: do not move tokens to a file for the rest of the run on
        // one failure; say what was not done.
        qCWarning(lcCredentials).noquote() << "the keychain failed:" << job->errorString();
        if (operation.kind == Operation::Kind::Write) {
            emit writeFailed(tr("The keychain failed: %1").arg(job->errorString()));
        }
        finish({});
        return;
    case QKeychain::AccessDeniedByUser:
    case QKeychain::AccessDenied:
    case QKeychain::CouldNotDeleteEntry:
        m_keychainAnswered = true;
        // The person said no, or the keychain stays locked: respect it, and keep nothing
        // anywhere else either.
        qCWarning(lcCredentials).noquote() << "the keychain refused:" << job->errorString();
        if (operation.kind == Operation::Kind::Write) {
            emit writeFailed(
                tr("The keychain refused to keep the sign-in: %1").arg(job->errorString()));
        }
        finish({});
        return;
    }
    const bool found = job->error() == QKeychain::NoError;
    // A token kept in the file while no keychain ran is still good: read it from there, and
    // let the next write or removal move it (one place for each token).
    const auto stored = [&] {
        const auto *read = qobject_cast<QKeychain::ReadPasswordJob *>(job);
        return found && read ? read->textData() : readFile().value(operation.key);
    };
    switch (operation.kind) {
    case Operation::Kind::Read:
        finish(operation.key == ProbeKey ? QString() : stored());
        return;
    case Operation::Kind::RemoveIfUnchanged:
        if (!operation.token.isEmpty() && stored() == operation.token) {
            operation.kind = Operation::Kind::Remove;
            startKeychainJob();
            return;
        }
        finish({});
        return;
    case Operation::Kind::Write:
    case Operation::Kind::Remove:
        if (QFile::exists(m_filePath)) {
            runOnFile({Operation::Kind::Remove, operation.key, {}, {}, {}});
        }
        if (operation.kind == Operation::Kind::Write) {
            emit written(operation.key);
        }
        finish({});
        return;
    }
}

void CredentialStore::fallBackToFile(const QString &why)
{
    if (m_backend == Backend::File) {
        return;
    }
    qCInfo(lcCredentials).noquote()
        << u"no keychain (%1): sign-ins are kept in %2"_s.arg(why, m_filePath);
    m_backend = Backend::File;
    emit backendChanged(m_backend);
}

QString CredentialStore::runOnFile(const Operation &operation)
{
    if (operation.key == ProbeKey) {
        return {};
    }
    QHash<QString, QString> tokens = readFile();
    switch (operation.kind) {
    case Operation::Kind::Read:
        return tokens.value(operation.key);
    case Operation::Kind::Write:
        tokens.insert(operation.key, operation.token);
        if (!writeFile(tokens)) {
            emit writeFailed(tr("Cannot write %1").arg(QDir::toNativeSeparators(m_filePath)));
        } else {
            emit written(operation.key);
        }
        return {};
    case Operation::Kind::RemoveIfUnchanged:
        if (operation.token.isEmpty() || tokens.value(operation.key) != operation.token) {
            return {};
        }
        [[fallthrough]];
    case Operation::Kind::Remove:
        if (tokens.remove(operation.key) > 0) {
            writeFile(tokens);
        }
        return {};
    }
    return {};
}

QHash<QString, QString> CredentialStore::readFile() const
{
    QFile file(m_filePath);
    if (!file.open(QIODevice::ReadOnly)) {
        return {};
    }
    QHash<QString, QString> tokens;
    const QJsonObject object = QJsonDocument::fromJson(file.readAll()).object();
    const QJsonObject stored = object.value("tokens"_L1).toObject();
    for (auto it = stored.constBegin(); it != stored.constEnd(); ++it) {
        tokens.insert(it.key(), it.value().toString());
    }
    return tokens;
}

bool CredentialStore::writeFile(const QHash<QString, QString> &tokens)
{
    if (tokens.isEmpty()) {
        return !QFile::exists(m_filePath) || QFile::remove(m_filePath);
    }
    const QString folder = QFileInfo(m_filePath).absolutePath();
    if (!QDir().mkpath(folder)) {
        return false;
    }
    QFile::setPermissions(folder, OwnerOnly | QFileDevice::ExeOwner);
    QSaveFile file(m_filePath);
    if (!file.open(QIODevice::WriteOnly)) {
        qCWarning(lcCredentials).noquote() << "cannot write" << m_filePath << file.errorString();
        return false;
    }
    // Before the first byte of a token: the new file starts with the umask's permissions.
    if (!file.setPermissions(OwnerOnly)) {
        qCWarning(lcCredentials).noquote() << "cannot restrict" << m_filePath;
        file.cancelWriting();
        return false;
    }
    QJsonObject stored;
    for (auto it = tokens.constBegin(); it != tokens.constEnd(); ++it) {
        stored.insert(it.key(), it.value());
    }
    file.write(QJsonDocument(QJsonObject{{"tokens"_L1, stored}}).toJson());
    return file.commit();
}

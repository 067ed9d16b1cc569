#include "grantcommand.h"

#include "framevalidator.h"
#include "messagestore.h"
#include "moderationtext.h"
#include "sqlbackend.h"

#include <QFileInfo>
#include <QTextStream>

using namespace Qt::StringLiterals;

int GrantCommand::run(const QString &location, const QString &role, const QString &name,
    QTextStream &out, QTextStream &err)
{
    const auto fail = [&err](const QString &message) {
        err << "natter-server: " << message << Qt::endl;
        return 1;
    };
    const auto granted = Protocol::roleFromName(role.toLower());
    if (!granted) {
        return fail(
            u"there is no role \"%1\": give owner, admin, moderator, or none to take one away"_s
                .arg(role));
    }
    if (!FrameValidator::validateName(name).isValid()) {
        return fail(u"\"%1\" cannot be an account's name"_s.arg(name));
    }
    const QString shown = SqlBackend::displayName(location);
    if (location == ":memory:"_L1) {
        return fail(u"--grant needs the database the server keeps (--db), not :memory:"_s);
    }
    // A mistyped path must not become a new, empty database that holds nobody.
    if (!SqlBackend::isPostgres(location) && !QFileInfo::exists(location)) {
        return fail(u"there is no database at %1: name the server's with --db"_s.arg(location));
    }
    // Shared: a server may be running on it, and keeps it.
    auto opened = MessageStore::open({location, false, 0, false});
    if (const auto *error = std::get_if<QString>(&opened)) {
        return fail(*error);
    }
    MessageStore &store = *std::get<std::unique_ptr<MessageStore>>(opened);
    const auto account = store.accounts().account(name);
    if (!account) {
        return fail(u"no account is called %1 in %2"_s.arg(name, shown));
    }
    if (account->role == *granted) {
        out << account->name << " is " << ModerationText::withArticle(*granted) << " already ("
            << shown << ")" << Qt::endl;
        return 0;
    }
    if (!store.accounts().setRole(account->id, *granted)) {
        return fail(u"cannot change the role of %1 in %2"_s.arg(account->name, shown));
    }
    out << account->name << " is " << ModerationText::withArticle(*granted)
        << " now (was: " << Protocol::roleName(account->role) << ") in " << shown << Qt::endl;
    return 0;
}

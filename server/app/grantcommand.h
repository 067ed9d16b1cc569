#pragma once

#include <QString>

class QTextStream;

// natter-server --grant ROLE NAME: gives the account NAME a role (owner, admin, moderator; none
// takes it away) in the database --db names, says what changed, and exits, without serving.
// It opens the database shared (MessageStore::Options::exclusive false), so it works beside a
// server running on the same SQLite file; that server reads the role at the account's next
// sign-in, and before every moderation request the account makes.
class GrantCommand
{
public:
    // 0 with a line on out saying what changed; 1 with the reason on err (no such role, no such
    // account, no database).
    static int run(const QString &location, const QString &role, const QString &name,
        QTextStream &out, QTextStream &err);
};

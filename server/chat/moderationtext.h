#pragma once

#include "moderationstore.h"
#include "protocol.h"

#include <QJsonObject>
#include <QString>

#include <optional>

// The words and fields of what moderation tells people (docs/PROTOCOL.md, notice and banned),
// in one place so that a kick reads the same to the room, to the person and in the log.
class ModerationText
{
public:
    // "until 15:04 UTC on 2026-11-21", or "for good".
    static QString untilText(const std::optional<qint64> &untilMs);
    // ": spamming", or "." when no reason was given: the end of a sentence.
    static QString because(const QString &reason);
    // "a moderator", "an admin", "an owner".
    static QString withArticle(Protocol::Role role);
    // The fields a notice or a refusal carries about it: name (if not empty), by, reason (if
    // given) and until (ISO 8601, if it ends).
    static QJsonObject details(const QString &name, const QString &by, const QString &reason,
        const std::optional<qint64> &untilMs = std::nullopt);
    // The error a banned sign-in, or with an address ban a connection, is refused with.
    static QJsonObject refusal(const ModerationStore::Ban &ban);
};

#pragma once

#include "protocol.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QStringList>

// Builders for every protocol v1 frame, so that field names are spelled in one place.
namespace Frames {

// Client to server.
QJsonObject hello(const QString &name);
QJsonObject say(const QString &text);
QJsonObject dm(const QString &to, const QString &text);
QJsonObject usersRequest();
QJsonObject ping();
QJsonObject pong(); // both directions: the answer to a ping
QJsonObject quit();
QJsonObject echo(const QString &text); // the server's answer has the same shape
QJsonObject timeQuery(const QString &query, const QString &zone = {});
QJsonObject quizStart();
QJsonObject quizAnswer(qint64 n, const QJsonValue &answer);
QJsonObject quizStop();
QJsonObject leaderboardRequest();

// Server to client.
QJsonObject welcome(const QString &name, const QStringList &users, const QString &motd);
QJsonObject joined(const QString &name, const QString &ts);
QJsonObject message(qint64 id, const QString &from, const QString &text, const QString &ts);
QJsonObject privateMessage(
    qint64 id, const QString &from, const QString &to, const QString &text, const QString &ts);
QJsonObject left(const QString &name, const QString &reason, const QString &ts);
QJsonObject users(const QStringList &users);
QJsonObject bye(const QString &reason);
QJsonObject error(Protocol::ErrorCode code, const QString &message);
QJsonObject leaderboard(const QJsonArray &entries);

} // namespace Frames

#pragma once

#include "protocol.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QStringList>

// Builders for every protocol v1 frame, so that field names are spelled in one place.
namespace Frames {

// Client to server.
// since: the last message id the client has seen, so the server replays what it missed after it
// (-1: a fresh start, nothing to replay).
QJsonObject hello(const QString &name, qint64 since = -1);
// Signs in to the account name with its password.
QJsonObject helloWithPassword(const QString &name, const QString &password, qint64 since = -1);
// Resumes the account a token was given for; the name comes from the token.
QJsonObject helloWithToken(const QString &token, qint64 since = -1);
// Turns the guest's name into an account.
QJsonObject registerRequest(const QString &password);
QJsonObject passwordChange(const QString &oldPassword, const QString &newPassword);
QJsonObject logout();
// A say to one room (say() goes to general).
QJsonObject sayIn(const QString &room, const QString &text, const QString &cid = {});
QJsonObject roomsRequest();
QJsonObject join(const QString &room);
QJsonObject part(const QString &room);
// A new room; isPrivate: only those invited may join it.
QJsonObject create(const QString &room, bool isPrivate, const QString &topic = {});
QJsonObject invite(const QString &room, const QString &name);
// Sets room's topic (client to server).
QJsonObject topic(const QString &room, const QString &topic);
// Everything in room up to id has been read.
QJsonObject read(const QString &room, qint64 id);
// cid: the client's own id for the message, which makes a retry harmless (empty: none).
QJsonObject say(const QString &text, const QString &cid = {});
QJsonObject dm(const QString &to, const QString &text, const QString &cid = {});
// One page of stored history: the newest `limit` before `before` (0: the latest), or, given an
// `after` of 0 or more, the oldest `limit` after it.
QJsonObject historyRequest(qint64 before, qint64 after = -1, int limit = 0);
// The newest page of a room's history before `before` (0: the latest).
QJsonObject roomHistoryRequest(const QString &room, qint64 before);
// The newest page of the private conversation with `name` before `before` (0: the latest).
QJsonObject conversationHistoryRequest(const QString &name, qint64 before);
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
// Moderation (docs/PROTOCOL.md, Moderation). room set: in that room only; minutes below 1:
// for good; reason empty: none given.
QJsonObject kick(const QString &name, const QString &reason = {}, const QString &room = {});
QJsonObject ban(
    const QString &name, qint64 minutes = -1, const QString &reason = {}, const QString &room = {});
// address: an IPv4 or IPv6 address, or a subnet in CIDR form ("203.0.113.0/24").
QJsonObject banAddress(const QString &address, qint64 minutes = -1, const QString &reason = {});
QJsonObject unban(const QString &name, const QString &room = {});
QJsonObject unbanAddress(const QString &address);
QJsonObject mute(const QString &name, qint64 minutes = -1, const QString &reason = {});
QJsonObject unmute(const QString &name);
// To everyone online, in every room.
QJsonObject announce(const QString &text);
// The greeting of every later welcome; empty: the server's own again.
QJsonObject motd(const QString &text);
// role: "owner", "admin", "moderator" or "none".
QJsonObject grant(const QString &name, const QString &role);
QJsonObject bansRequest();

// Server to client.
// users: names (perhaps only the first of many), userCount: everyone online; lastId: the newest
// message id when the client joined.
// account: signed in to an account, not a guest; token: the new sign-in secret after a password
// sign-in (empty: none).
QJsonObject welcome(const QString &name, const QStringList &users, qsizetype userCount,
    const QString &motd, qint64 lastId, bool account = false, const QString &token = {});
// welcome, for an account with a role (None: welcome as it is).
QJsonObject withRole(QJsonObject welcome, Protocol::Role role);
// welcome, for a client that resumed with "since": how many missed messages follow, and, when
// there were too many, the gap (after, before) it can page with history (-1: no gap).
QJsonObject withReplay(
    QJsonObject welcome, qsizetype replayed, qint64 gapAfter = -1, qint64 gapBefore = -1);
// room: where it happened (empty: not said, for tests of clients that predate rooms).
QJsonObject joined(const QString &name, const QString &ts, const QString &room = {});
QJsonObject message(qint64 id, const QString &from, const QString &text, const QString &ts,
    const QString &cid = {}, const QString &room = {});
QJsonObject privateMessage(qint64 id, const QString &from, const QString &to, const QString &text,
    const QString &ts, const QString &cid = {});
// messages: message and dm frames in id order; more: the range holds more beyond this page.
QJsonObject history(const QJsonArray &messages, bool more);
QJsonObject left(
    const QString &name, const QString &reason, const QString &ts, const QString &room = {});
// The net change of a big room's people over a short window, instead of a joined or left per
// person: joined, those who came and are still there; left, presenceDeparture rows of those who
// were there and have gone. Both in the order it happened; either may be empty.
QJsonObject presence(
    const QString &room, const QStringList &joined, const QJsonArray &left, const QString &ts);
// One row of presence's left (not a frame of its own): who, and why (as left's reason).
QJsonObject presenceDeparture(const QString &name, const QString &reason);
// rooms: roomEntry objects.
QJsonObject rooms(const QJsonArray &rooms);
// One row of rooms (not a frame of its own); members: how many belong to it.
QJsonObject roomEntry(
    const QString &room, const QString &topic, qsizetype members, bool joined, bool isPrivate);
// The answer to join: members are those online now.
QJsonObject room(const QString &room, const QString &topic, const QStringList &members,
    qint64 lastId, bool isPrivate = false);
QJsonObject invited(const QString &room, const QString &by);
// A room's new topic, as its members get it.
QJsonObject topicChanged(const QString &room, const QString &topic, const QString &by);
QJsonObject users(const QStringList &users, qsizetype userCount);
QJsonObject bye(const QString &reason);
QJsonObject registered(const QString &name, const QString &token);
QJsonObject passwordChanged();
// Something a moderator did, or the server says (docs/PROTOCOL.md, notice): kind is kick, ban,
// unban, mute, unmute, announce, motd or grant; text says it in words; details (name, by,
// reason, room, until, role, address) are copied in.
QJsonObject notice(const QString &kind, const QString &text, const QJsonObject &details = {});
// The answer to bansRequest: entries are banEntry objects.
QJsonObject bans(const QJsonArray &entries);
// cid: the client's id of the say or dm that failed, if it gave one.
QJsonObject error(Protocol::ErrorCode code, const QString &message, const QString &cid = {});
// The answer to timeQuery: value is the weekday, date or time asked for, in zone.
QJsonObject timeReply(const QString &query, const QString &value, const QString &zone,
    const QString &abbreviation, const QString &offset, const QString &iso);
// question: the text shown, "7 * 8"; op: one of + - * /.
QJsonObject quizQuestion(
    int n, int total, int a, const QString &op, int b, const QString &question);
// answer: what the client answered, as a number; expected: the right answer.
QJsonObject quizResult(int n, const QString &question, bool correct, double answer, int expected,
    double score, int right, int wrong);
// completed: false when the quiz was stopped early; seconds: first question to last answer.
QJsonObject quizFinished(
    bool completed, double score, int right, int wrong, int total, double seconds);
// entries: leaderboardEntry objects, best first.
QJsonObject leaderboard(const QJsonArray &entries);
// One row of a leaderboard (not a frame of its own); ts: when the result was achieved.
// guest: the player is a guest, whose result is forgotten at a restart.
QJsonObject leaderboardEntry(int rank, const QString &name, double score, double seconds, int right,
    int wrong, const QString &ts, bool guest = false);

} // namespace Frames

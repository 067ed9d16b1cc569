#pragma once

#include "messagestore.h"

#include <QByteArray>
#include <QList>
#include <QString>

// Room changes as a cluster's servers tell each other of them (the Redis channel natter:rooms):
// which server made them, then the changes, as JSON. Read markers are nobody else's business and
// are left out.
namespace RoomChangeCodec {

QByteArray encode(const QString &node, const QList<MessageStore::RoomChange> &changes);
// False for anything that is not such a message.
bool decode(const QByteArray &bytes, QString *node, QList<MessageStore::RoomChange> *changes);

} // namespace RoomChangeCodec

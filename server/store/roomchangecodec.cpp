#include "roomchangecodec.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;
using RoomChange = MessageStore::RoomChange;

namespace {

constexpr std::pair<RoomChange::Kind, QLatin1StringView> Kinds[] = {
    {RoomChange::Kind::Create, "create"_L1},
    {RoomChange::Kind::Join, "join"_L1},
    {RoomChange::Kind::Part, "part"_L1},
    {RoomChange::Kind::Invite, "invite"_L1},
    {RoomChange::Kind::Topic, "topic"_L1},
};

} // namespace

QByteArray RoomChangeCodec::encode(const QString &node, const QList<RoomChange> &changes)
{
    QJsonArray list;
    for (const RoomChange &change : changes) {
        for (const auto &[kind, name] : Kinds) {
            if (kind == change.kind) {
                list.append(QJsonObject{{"kind"_L1, name}, {"room"_L1, change.room},
                    {"name"_L1, change.name}, {"topic"_L1, change.topic},
                    {"private"_L1, change.isPrivate}, {"owner"_L1, change.owner},
                    {"by"_L1, change.by}});
            }
        }
    }
    return QJsonDocument(QJsonObject{{"node"_L1, node}, {"changes"_L1, list}})
        .toJson(QJsonDocument::Compact);
}

bool RoomChangeCodec::decode(const QByteArray &bytes, QString *node, QList<RoomChange> *changes)
{
    const QJsonObject object = QJsonDocument::fromJson(bytes).object();
    *node = object.value("node"_L1).toString();
    if (node->isEmpty() || !object.value("changes"_L1).isArray()) {
        return false;
    }
    changes->clear();
    for (const QJsonValue &value : object.value("changes"_L1).toArray()) {
        const QJsonObject entry = value.toObject();
        const QString kindName = entry.value("kind"_L1).toString();
        const auto kind = std::find_if(std::begin(Kinds), std::end(Kinds),
            [&kindName](const auto &known) { return known.second == kindName; });
        if (kind == std::end(Kinds) || entry.value("room"_L1).toString().isEmpty()) {
            return false;
        }
        changes->append(
            {kind->first, entry.value("room"_L1).toString(), entry.value("name"_L1).toString(),
                entry.value("topic"_L1).toString(), entry.value("private"_L1).toBool(),
                entry.value("owner"_L1).toString(), 0, entry.value("by"_L1).toString()});
    }
    return true;
}

#include "frametype.h"

#include <QJsonValue>

using namespace Qt::StringLiterals;

namespace Protocol {

namespace {

struct FrameTypeInfo
{
    QLatin1StringView name;
    FrameDirection direction = FrameDirection::Both;
};

// Indexed by FrameType; the list generates both, so the order always matches.
constexpr std::array<FrameTypeInfo, FrameTypeCount> frameTypes{
    {{}, // Unknown: no name, and no direction (isClientFrame() and isServerFrame() say false)
#define NATTER_FRAME_TYPE_INFO(name, wire, direction)                                              \
    {QLatin1StringView(wire, sizeof(wire) - 1), FrameDirection::direction},
        NATTER_ALL_FRAME_TYPES(NATTER_FRAME_TYPE_INFO)
#undef NATTER_FRAME_TYPE_INFO
    }};

// Unknown for a value outside the enum (a cast from a bad integer), so lookups stay in bounds.
const FrameTypeInfo &info(FrameType type)
{
    const auto index = std::size_t(type);
    return index < frameTypes.size() ? frameTypes[index] : frameTypes[0];
}

} // namespace

QLatin1StringView frameTypeName(FrameType type)
{
    return info(type).name;
}

FrameType frameTypeFromName(QStringView name)
{
    for (std::size_t i = 1; i < frameTypes.size(); ++i) {
        const QLatin1StringView candidate = frameTypes[i].name;
        // The length settles almost every candidate before a character is compared.
        if (candidate.size() == name.size() && candidate == name) {
            return FrameType(i);
        }
    }
    return FrameType::Unknown;
}

FrameType frameType(const QJsonObject &frame)
{
    const QJsonValue type = frame.value("type"_L1);
    return type.isString() ? frameTypeFromName(type.toString()) : FrameType::Unknown;
}

bool isClientFrame(FrameType type)
{
    const FrameTypeInfo &known = info(type);
    return !known.name.isEmpty() && known.direction != FrameDirection::ServerToClient;
}

bool isServerFrame(FrameType type)
{
    const FrameTypeInfo &known = info(type);
    return !known.name.isEmpty() && known.direction != FrameDirection::ClientToServer;
}

} // namespace Protocol

#include "protocol.h"

#include <array>

using namespace Qt::StringLiterals;

namespace Protocol {

namespace {

// Indexed by ErrorCode; the list generates both, so the order always matches.
constexpr std::array<QLatin1StringView, ErrorCodeCount> errorCodeNames{
    {QLatin1StringView("none", 4), QLatin1StringView("unknown", 7),
#define NATTER_ERROR_CODE_NAME(name, wire) QLatin1StringView(wire, sizeof(wire) - 1),
        NATTER_ALL_ERROR_CODES(NATTER_ERROR_CODE_NAME)
#undef NATTER_ERROR_CODE_NAME
    }};

} // namespace

QLatin1StringView errorCodeName(ErrorCode code)
{
    const auto index = std::size_t(code);
    return index < errorCodeNames.size() ? errorCodeNames[index] : errorCodeNames[1];
}

ErrorCode errorCodeFromName(QStringView name)
{
    // From 2: "none" and "unknown" are not wire codes.
    for (std::size_t i = 2; i < errorCodeNames.size(); ++i) {
        const QLatin1StringView candidate = errorCodeNames[i];
        if (candidate.size() == name.size() && candidate == name) {
            return ErrorCode(i);
        }
    }
    return ErrorCode::Unknown;
}

QLatin1StringView roleName(Role role)
{
    switch (role) {
    case Role::None:
        break;
    case Role::Moderator:
        return "moderator"_L1;
    case Role::Admin:
        return "admin"_L1;
    case Role::Owner:
        return "owner"_L1;
    }
    return "none"_L1;
}

std::optional<Role> roleFromName(QStringView name)
{
    for (const Role role : {Role::None, Role::Moderator, Role::Admin, Role::Owner}) {
        if (name == roleName(role)) {
            return role;
        }
    }
    return std::nullopt;
}

QString timestamp(const QDateTime &when)
{
    return when.toUTC().toString(Qt::ISODateWithMs);
}

QString timestampNow()
{
    return timestamp(QDateTime::currentDateTimeUtc());
}

} // namespace Protocol

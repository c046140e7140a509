#include "protocol/error_code.hpp"

#include <array>
#include <utility>

namespace rt::proto {

namespace {
constexpr std::array<std::pair<error_code, std::string_view>, 10> k_names{{
    {error_code::auth_required, "AUTH_REQUIRED"},
    {error_code::forbidden, "FORBIDDEN"},
    {error_code::invalid_filter, "INVALID_FILTER"},
    {error_code::rate_limited, "RATE_LIMITED"},
    {error_code::bad_request, "BAD_REQUEST"},
    {error_code::unknown_subscription, "UNKNOWN_SUBSCRIPTION"},
    {error_code::too_many_subscriptions, "TOO_MANY_SUBSCRIPTIONS"},
    {error_code::not_found, "NOT_FOUND"},
    {error_code::too_large, "TOO_LARGE"},
    {error_code::unavailable, "UNAVAILABLE"},
}};
}  // namespace

std::string_view to_wire(error_code c) {
    for (const auto& [code, name] : k_names)
        if (code == c) return name;
    return "BAD_REQUEST";
}

std::optional<error_code> error_code_from_wire(std::string_view s) {
    for (const auto& [code, name] : k_names)
        if (name == s) return code;
    return std::nullopt;
}

std::string describe(const protocol_error& e) { return std::string(to_wire(e.code)) + ": " + e.message; }

}  // namespace rt::proto

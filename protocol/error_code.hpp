#pragma once
// Domain error codes, mapped once to the wire's strings (docs/protocol.md).
#include <optional>
#include <string>
#include <string_view>

namespace rt::proto {

enum class error_code {
    auth_required,
    forbidden,
    invalid_filter,
    rate_limited,
    bad_request,
    unknown_subscription,
    too_many_subscriptions,
    not_found,
    too_large,
    unavailable,  // the shared store (--broker) cannot be reached: nothing was changed
};

// Every code, in the order of the enum (docs/protocol.md's table; the AsyncAPI document's enum).
inline constexpr error_code k_all_error_codes[] = {
    error_code::auth_required,  error_code::forbidden,    error_code::invalid_filter,
    error_code::rate_limited,   error_code::bad_request,  error_code::unknown_subscription,
    error_code::too_many_subscriptions, error_code::not_found, error_code::too_large, error_code::unavailable,
};

std::string_view to_wire(error_code c);
std::optional<error_code> error_code_from_wire(std::string_view s);

// An error as sent to a client: a code and a human-readable message naming what was wrong.
// `field` names the field at fault when one is known ("subscription", "since.seq", a row's
// attribute "status"), for callers that report it apart (REST's "field"); the wire's `error`
// message carries only code and message.
struct protocol_error {
    error_code code;
    std::string message;
    std::optional<std::string> field{};
};

// "CODE: message", the way the tools print a server's refusal.
std::string describe(const protocol_error& e);

}  // namespace rt::proto

#pragma once
// WebSocket close codes of protocol v1 (docs/protocol.md "Close codes"): every code rt's server,
// its clients or the WebSocket library under them may put in a close frame, plus 1006, which is
// never sent but is what a client reports when a connection ends without a close frame, and 1015,
// never sent either: what a client reports when it refused the server's TLS certificate.
// One table, shared by both ends, so the server and the clients cannot disagree on a number;
// tests/protocol/test_protocol_doc.cpp checks it against the document both ways.
#include <array>
#include <cstdint>
#include <string_view>

namespace rt::proto {

namespace close_code {
// RFC 6455 codes.
constexpr std::uint16_t normal = 1000;             // a client is done (stop, or every subscription refused)
constexpr std::uint16_t going_away = 1001;         // server shutdown (SIGINT/SIGTERM); a client object destroyed
constexpr std::uint16_t protocol_error = 1002;     // malformed WebSocket framing (sent by the WebSocket library)
constexpr std::uint16_t abnormal = 1006;           // never sent: the connection ended without a close frame
constexpr std::uint16_t invalid_payload = 1007;    // a text frame that is not UTF-8 (sent by the WebSocket library)
constexpr std::uint16_t policy_violation = 1008;   // rate-limit abuse or a slow consumer over its output limit
constexpr std::uint16_t message_too_big = 1009;    // a frame larger than --max-frame (sent by the WebSocket library)
constexpr std::uint16_t internal_error = 1011;     // a handler of this connection failed unexpectedly (logged, counted in
                                                   // rt_handler_failures_total), or a framing-layer error
constexpr std::uint16_t tls_failed = 1015;         // never sent: a client refused the server's TLS certificate
// Application range (4000-4999), rt's own.
constexpr std::uint16_t dropped_by_client = 4000;  // a client dropped the connection on purpose; it will reconnect
constexpr std::uint16_t auth_failed = 4001;        // the handshake carried no valid token (after error AUTH_REQUIRED),
                                                   // or a tokens reload (SIGHUP) removed the connection's token
constexpr std::uint16_t token_expired = 4002;      // the connection's JWT expired (exp + leeway) and no `refresh` replaced it
constexpr std::uint16_t rights_changed = 4003;     // a tokens reload changed the token's rights: reconnect to get them
}  // namespace close_code

struct close_code_info {
    std::uint16_t code;
    std::string_view name;  // the constant's name in close_code::
};

// Every close code above, in ascending order.
inline constexpr std::array<close_code_info, 13> all_close_codes{{
    {close_code::normal, "normal"},
    {close_code::going_away, "going_away"},
    {close_code::protocol_error, "protocol_error"},
    {close_code::abnormal, "abnormal"},
    {close_code::invalid_payload, "invalid_payload"},
    {close_code::policy_violation, "policy_violation"},
    {close_code::message_too_big, "message_too_big"},
    {close_code::internal_error, "internal_error"},
    {close_code::tls_failed, "tls_failed"},
    {close_code::dropped_by_client, "dropped_by_client"},
    {close_code::auth_failed, "auth_failed"},
    {close_code::token_expired, "token_expired"},
    {close_code::rights_changed, "rights_changed"},
}};

// The name of a close code in the table above; "" for a code rt does not use.
constexpr std::string_view close_code_name(std::uint16_t code) {
    for (const auto& c : all_close_codes)
        if (c.code == code) return c.name;
    return {};
}

}  // namespace rt::proto

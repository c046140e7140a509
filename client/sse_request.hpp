#pragma once
// What an SSE subscriber asks for: `GET /sse?subscription=S&filter=<JSON>&token=T` on the host and
// port of the server's WebSocket URL (docs/protocol.md, the SSE endpoint), plus the Last-Event-ID
// a resume sends. Pure string handling, no sockets.
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/messages.hpp"
#include "protocol/result.hpp"

namespace rt::client {

struct sse_request {
    std::string host;          // name or IP literal (an IPv6 literal without brackets)
    std::uint16_t port = 80;
    bool secure = false;       // https: TLS, verified like wss://
    std::string target;        // "/sse?subscription=TaskUpdates&filter=%7B...%7D&token=..."
    std::string last_event_id; // sent as Last-Event-ID when not empty ("EPOCH:SEQ")
};

// The path of the SSE endpoint on every rt server.
inline constexpr std::string_view sse_path = "/sse";

// The request for `sub` on the server whose WebSocket endpoint is `ws_url` (ws:// → plain,
// wss:// → TLS; its path is replaced by /sse): the subscription, its filter (compact JSON,
// percent-encoded; left out when empty), `token` when not empty, and `sub.since` as Last-Event-ID
// (the header a browser's EventSource sends). A `sid` has no meaning on SSE (one stream per
// connection) and is left out. The error says what is wrong with the URL.
result<sse_request, std::string> sse_request_of(std::string_view ws_url, const proto::subscribe_msg& sub,
                                                std::string_view token);

// "http://host:port/sse?..." or "https://...", for messages (holds the token: do not log it).
std::string to_string(const sse_request& r);

}  // namespace rt::client

#pragma once
// WebSocket URLs: ws:// or wss://host[:port][/path][?query]. Pure string handling, no sockets.
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/result.hpp"

namespace rt::client {

struct ws_url {
    std::string host;         // name or IP literal; an IPv6 literal without its brackets
    std::uint16_t port = 80;  // the ws:// default (443 for wss://)
    bool secure = false;      // wss://: TLS
    std::string path = "/";   // always starts with '/'
    std::string query;        // without the '?'; may be empty
};

// Parses `text`; the error says what is wrong with it ("expected ws://HOST[:PORT]/PATH ...").
result<ws_url, std::string> parse_ws_url(std::string_view text);

// The URL back as text: ws://host:port/path?query, or wss://... (brackets around an IPv6 host).
std::string to_string(const ws_url& u);

// Appends key=value to the query, percent-encoding both (for ?token=...).
void add_query_param(ws_url& u, std::string_view key, std::string_view value);

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string percent_encode(std::string_view s);

}  // namespace rt::client

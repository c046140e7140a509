#pragma once
// HOST:PORT, parsed once for every command: `rt serve --listen`, `rt partition`'s --listen,
// --upstream and --control, the authority of a ws:// URL, and the address `rt serve` prints when
// it is listening. Pure text handling: no name lookups, no sockets.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/result.hpp"

namespace rt::proto {

struct host_port {
    std::string host;  // as written, an IPv6 literal without its brackets; may be empty (":8080")
    std::uint16_t port = 0;
};

// Parses "127.0.0.1:9001", "[::1]:9001", "localhost:0", ":8080" (empty host: the caller decides
// what that means). The port is the text after the last ':' (after the ']' of a bracketed host):
// digits only, 0-65535. Without a port, `default_port` is used when given ("example.com" in a
// ws:// URL means port 80), else it is an error. Errors are a short reason without the text
// ("missing port", "empty port", "port must be a number", "port out of range 0-65535",
// "unterminated [IPv6] host", "unexpected text after ]"): callers add the text and the expected form.
result<host_port, std::string> parse_host_port(std::string_view text,
                                               std::optional<std::uint16_t> default_port = std::nullopt);

// "127.0.0.1:9001", "[::1]:9001": brackets around a host that contains ':'.
std::string to_string(const host_port& hp);

}  // namespace rt::proto

#pragma once
// `rt serve --broker redis://HOST:PORT[/DB]`, parsed. Pure text handling: no name lookups, no sockets.
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/result.hpp"

namespace rt::proto {

struct broker_url {
    std::string host;        // as written; an IPv6 literal without its brackets
    std::uint16_t port = 6379;
    int db = 0;              // SELECTed on every connection
};

// "redis://127.0.0.1:6379", "redis://localhost" (port 6379), "redis://[::1]:7000/2". Errors name
// what was wrong and show the expected form; the caller adds the flag's name.
result<broker_url, std::string> parse_broker_url(std::string_view text);

// "redis://HOST:PORT/DB", for logs.
std::string to_string(const broker_url& u);

}  // namespace rt::proto

#pragma once
// "127.0.0.1:9001", "[::1]:9001", "localhost:0" → a TCP endpoint: the text is parsed by
// proto::parse_host_port (one parser for every command), then made an Asio address. No DNS lookups.
#include <string>
#include <string_view>

#include <asio.hpp>

#include "protocol/result.hpp"

namespace rt::chaos {

// Returns the endpoint or an error naming the text and the reason. "localhost" means 127.0.0.1; port 0 = ephemeral.
result<asio::ip::tcp::endpoint, std::string> parse_host_port(std::string_view text);

std::string to_string(const asio::ip::tcp::endpoint& ep);  // "127.0.0.1:9001", "[::1]:9001"

}  // namespace rt::chaos

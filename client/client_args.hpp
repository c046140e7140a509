#pragma once
// Parsing of the values client commands take on the command line (--since, --filter, --data).
// Pure string handling; every error names the flag's text and the expected form.
#include <string>
#include <string_view>

#include "protocol/messages.hpp"
#include "protocol/result.hpp"

namespace rt::client {

// "EPOCH:SEQ" (e.g. "9f2c:41") → a stream position. The epoch is everything before the last ':'
// and must not be empty; SEQ is a decimal number without sign.
result<proto::stream_position, std::string> parse_since(std::string_view text);

// A JSON object given as text. `what` names the flag in the error ("--filter"):
// "--filter: not valid JSON (...)" or "--filter: expected a JSON object, got an array".
result<proto::json, std::string> parse_json_object(std::string_view text, std::string_view what);

}  // namespace rt::client

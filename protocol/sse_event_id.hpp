#pragma once
// The `id:` of an SSE event and the Last-Event-ID a reconnecting client sends back: a stream
// position written EPOCH:SEQ (docs/protocol.md, the SSE endpoint). Pure.
#include <optional>
#include <string>
#include <string_view>

#include "protocol/messages.hpp"

namespace rt::proto {

// "EPOCH:SEQ", e.g. "7f3a9c:42".
std::string format_event_id(const stream_position& p);

// The position in an id written by format_event_id: the text after the last ':' is SEQ (decimal
// digits, no sign, at most 19 of them), the text before it EPOCH (not empty). nullopt otherwise.
std::optional<stream_position> parse_event_id(std::string_view id);

}  // namespace rt::proto

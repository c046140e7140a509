#pragma once
// A throttle window ("250ms"), as a subscribe's "throttle" field and a spec subscription's
// `throttle` clause give it (docs/protocol.md, "Throttled delivery").
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/result.hpp"

namespace rt::proto {

inline constexpr std::int64_t k_min_throttle_ms = 10;     // below this a window saves nothing over a frame per change
inline constexpr std::int64_t k_max_throttle_ms = 60000;  // a window longer than this is a poll, not a live view

// The window in ms, within [k_min_throttle_ms, k_max_throttle_ms]; else an error naming the text
// and the bounds.
result<std::int64_t, std::string> parse_throttle(std::string_view text);

}  // namespace rt::proto

#pragma once
// Quantities in fault specs: durations and sizes come from protocol/units.hpp (one grammar for
// every command); this adds what only chaos/ needs: byte rates ("10KiB/s").
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/result.hpp"
#include "protocol/units.hpp"

namespace rt::chaos {

// "250ms", "5s", "2m", "1.5s" (see rt::proto::parse_duration). Error names the token.
result<std::chrono::milliseconds, std::string> parse_duration_ms(std::string_view s);

// "512", "512B", "64KiB", "1MiB", "10KB" (=10,000) (see rt::proto::parse_size). Returns bytes.
result<std::uint64_t, std::string> parse_size_bytes(std::string_view s);

// A size per second: "10KiB/s", "1MiB/s", "500B/s", "800/s". Returns bytes per second (> 0).
result<std::uint64_t, std::string> parse_rate_bytes_per_s(std::string_view s);

// Formats a duration the way it is parsed back ("250ms", "5s", "2m"): protocol/units.hpp's.
using proto::format_duration;

}  // namespace rt::chaos

#pragma once
// Command-line quantities: durations ("250ms"), rates ("10/s") and sizes ("64KiB"), parsed exactly
// (decimal arithmetic, no floating-point rounding surprises) and formatted for humans.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/result.hpp"

namespace rt::proto {

// Parses "<number><unit>" with unit us (or µs), ms, s, m, h; the number may have a fraction
// ("1.5s"). "0" alone is accepted. No sign, no spaces, no exponent. Rounds to the nearest
// microsecond (half up). Error: a message naming the text and the expected form.
result<std::chrono::microseconds, std::string> parse_duration_us(std::string_view text);

// As parse_duration_us, rounded to the nearest millisecond (half up). A nonzero duration that
// would round to 0 ms ("500us") is an error rather than silently becoming "no time at all".
result<std::chrono::milliseconds, std::string> parse_duration(std::string_view text);

// Parses "<number>/<unit>" with unit s, m or h ("10/s", "5/m", "2.5/s"), or a bare number meaning
// per second ("100"). Returns events per second (>= 0).
result<double, std::string> parse_rate(std::string_view text);

// Parses "<number>[unit]" with binary units B, KiB, MiB, GiB, TiB (1024-based) or decimal units
// KB (or kB), MB, GB, TB (1000-based); a bare number is bytes. A fraction is allowed ("1.5MiB")
// and the result is rounded to the nearest byte. Errors on overflow past 2^64-1.
result<std::uint64_t, std::string> parse_size(std::string_view text);

// Durations in user-visible text are written by one of these two, never by hand:
//
// A measured or elapsed duration (latencies, waits, timeouts in messages, progress clocks), with 3
// significant digits: "850µs", "12.3ms", "1.25s", "125s". Microseconds are shown as whole numbers
// ("5µs"). Negative values get a leading '-'.
std::string format_duration_us(double us);
// As format_duration_us, from any std::chrono duration.
template <class Rep, class Period>
std::string format_duration_us(std::chrono::duration<Rep, Period> d) {
    return format_duration_us(std::chrono::duration<double, std::micro>(d).count());
}

// A configured duration echoed back (defaults in --help, fault and scenario texts), exactly and in
// a form parse_duration reads back: the largest unit that divides it, "250ms", "5s", "2m".
std::string format_duration(std::chrono::milliseconds d);

// Human-readable size: "512 B" below 1 KiB, otherwise one decimal in the largest binary unit
// that keeps the number >= 1: "1.0 MiB", "1.5 KiB", "16.0 EiB".
std::string format_bytes(std::uint64_t bytes);

}  // namespace rt::proto

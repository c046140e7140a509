#pragma once
// A fast reader for the one server message a load generator sees thousands of times a second:
// `event`. It walks the frame's text once, without building a JSON tree or allocating, and
// validates what it walks (strings with their escapes and UTF-8, numbers, nesting), so that it
// never accepts a frame decode_server() would refuse, and never reads a field differently.
// Whenever it is not sure — a key written with escapes, a field given twice, nesting deeper than
// max_scan_depth, an epoch with escapes — it answers nullopt, and the caller falls back to
// decode_server(). tests/protocol/test_event_scan.cpp holds it to that against the general codec.
#include <cstdint>
#include <optional>
#include <string_view>

namespace rt::proto {

// Nesting the scanner follows inside a frame; deeper data is left to decode_server (rows are
// shallow: decode_limits::max_depth is 32).
constexpr int max_scan_depth = 32;

// The fields of an `event` frame a subscriber needs to account for a delivery. Views into the
// frame passed to scan_event.
struct event_scan {
    std::uint64_t seq = 0;
    std::string_view epoch;      // as written; scan_event gives up on an epoch with escapes
    std::string_view data_json;  // the text of the "data" value (an object, for rt's rows)
};

// Reads an `event` frame (fields in any order, with or without sid/id/ts and unknown fields).
// nullopt when `frame` is not a valid event frame, or when the scanner is not sure (see above).
std::optional<event_scan> scan_event(std::string_view frame);

// The value of the string member `key` of the JSON object `object_json`, as written (a view into
// it). nullopt when the member is absent or not a string, when its value or any key holds an
// escape, when `key` appears twice, or when `object_json` is not one valid JSON object.
std::optional<std::string_view> scan_string_member(std::string_view object_json, std::string_view key);

}  // namespace rt::proto

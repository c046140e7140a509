#pragma once
// What the load generator puts in a published row and reads back from an event frame. The
// timestamps travel in a string attribute of the row (the kanban demo's `title`, a spec
// workload's vary attribute):
// "t=<intended_us>;a=<actual_us>;" then 'x' padding up to the payload size. Both times are
// steady-clock µs of this process (publisher and subscribers share the clock).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rt::loadgen {

// The title for an event due at `intended_us` and sent at `actual_us`, padded with 'x' to
// `payload_bytes` when that is longer.
std::string encode_title(std::int64_t intended_us, std::int64_t actual_us, std::uint64_t payload_bytes);

struct title_times {
    std::int64_t intended_us = 0;
    std::int64_t actual_us = 0;
};
// Reads the times back from a title (or from any text that contains "t=..;a=..;").
std::optional<title_times> decode_title(std::string_view title);

// The fields the subscribers need from an event frame.
struct event_fields {
    std::uint64_t seq = 0;
    title_times times;
};

// The hot path of a delivery (a broadcast delivers 10,000 frames in a burst; building a JSON tree
// for each would add to the latency being measured): seq and the times in the row's
// `payload_attr`, read with proto::scan_event and proto::scan_string_member. nullopt when the
// frame is not an event, when the scanner is unsure, or when the attribute carries no times;
// callers then decode the frame with proto::decode_server.
std::optional<event_fields> scan_event(std::string_view frame, std::string_view payload_attr = "title");

// Whether an event frame is a delete (its row is as it was before: its times are an older
// publish's, so it counts as a delivery but not for latency).
bool is_delete_event(std::string_view frame);

}  // namespace rt::loadgen

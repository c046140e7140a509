#pragma once
// A Server-Sent Events stream parser (the `text/event-stream` body, WHATWG HTML "9.2.6 Interpreting
// an event stream"): bytes in, in any pieces, items out. Pure: no sockets, no HTTP (the response
// head is the transport's). A parser with no I/O, like uWebSockets' WebSocketProtocol.h.
//
// What it follows from the standard:
// - Lines end with CRLF, LF or a lone CR, alike, also when a CRLF is split between two feeds.
// - A leading UTF-8 BOM is dropped.
// - `field: value` (one space after the colon dropped, no more); a line without a colon is a field
//   with an empty value; a line starting with ':' is a comment.
// - `data` lines accumulate, joined by '\n'; `event` sets the type of the event being built;
//   `id` sets the last event id (unless its value holds a NUL), which stays in force for the
//   following events too; `retry` with ASCII digits only sets the reconnection time at once.
//   Unknown fields are ignored.
// - An empty line dispatches the event: with no data line, nothing is dispatched (an id alone
//   still set the last event id), and the type resets either way. An event the stream ends in the
//   middle of is never dispatched.
// Bounded: a line, or an event's data, over max_event_bytes is an error (the stream cannot be
// trusted after it; the caller closes). Not thread-safe: one parser per stream.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/result.hpp"

namespace rt::proto {

// 16 MiB, like the WebSocket client's frame limit: a subscription's snapshot is one event.
constexpr std::size_t default_sse_max_event_bytes = 16 * 1024 * 1024;

struct sse_item {
    enum class kind {
        event,    // a dispatched event: type, id, data
        comment,  // a ':' line: text is what follows the colon (a heartbeat, ": ping")
        retry,    // a valid `retry:` field: retry_ms is the new reconnection time
    };
    kind what = kind::event;
    std::string type;    // event: the `event:` field, "message" when none was given
    std::string id;      // event: the last event id in force when it was dispatched ("" for none)
    std::string data;    // event: the data lines joined by '\n'; comment: the text after ':'
    std::uint64_t retry_ms = 0;  // retry only
};

class sse_parser {
public:
    explicit sse_parser(std::size_t max_event_bytes = default_sse_max_event_bytes) : max_event_bytes_(max_event_bytes) {}

    // Parses `bytes`, the stream's next piece, appending each complete item to `out` in stream
    // order. An error (a line or an event over the limit) names the limit; the parser must not
    // be fed after it.
    result<void, std::string> feed(std::string_view bytes, std::vector<sse_item>& out);

    // The last event id set by an `id:` field ("" at the start): what a reconnect sends as
    // Last-Event-ID.
    const std::string& last_event_id() const { return last_id_; }
    // The reconnection time the last valid `retry:` field set, if any.
    std::optional<std::uint64_t> retry_ms() const { return retry_ms_; }

private:
    void process_line(std::string_view line, std::vector<sse_item>& out);

    std::size_t max_event_bytes_;
    std::string line_;             // the current line's bytes so far (no terminator)
    bool skip_lf_ = false;         // the last byte was a CR: a LF right after it ends nothing
    bool at_start_ = true;         // nothing processed yet: a BOM may start the first line
    std::string type_, data_;      // the event being built
    bool has_data_ = false;
    std::string last_id_;
    std::optional<std::uint64_t> retry_ms_;
};

}  // namespace rt::proto

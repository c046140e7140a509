#pragma once
// The server's side of the SSE transport (docs/protocol.md "SSE"): what a `GET /sse` request asks
// for, and the text/event-stream it gets. Pure: the transport (server/ws_sse.cpp) passes the
// request's query and Last-Event-ID header in and writes the text out.
//
// One SSE stream is one subscription. Its events carry the WebSocket messages unchanged as `data`:
//   event: snapshot | resumed   data: the `subscribed` message (recovered false | true)
//   event: change               data: the `event` message
//   event: spec_changed         data: the `spec_changed` message (a live spec reload; no id)
//   event: error                data: {"error":NAME,"code":CLOSE_CODE,"message":...}, the last event
//                               of a stream the server ends (NAME: the close code's name, upper case)
// and every event but `error` has `id: EPOCH:SEQ`, the stream position, so the browser's own
// Last-Event-ID resumes through the same replay buffer as WebSocket's `since`.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/messages.hpp"

namespace rt::proto {

// The `retry:` the stream opens with: EventSource's reconnect delay. 2 s: long enough that a
// server restart is not hammered by every browser at once, short enough that a user barely notices.
constexpr std::int64_t sse_retry_ms = 2000;

// An SSE event id: "EPOCH:SEQ".
std::string sse_event_id(const stream_position& p);
// "EPOCH:SEQ" → the position (the epoch is what precedes the last ':'; the seq a decimal number).
// The error is BAD_REQUEST naming `field` ("Last-Event-ID" or "since").
result<stream_position, protocol_error> parse_sse_event_id(std::string_view text, std::string_view field);

// The subscribe a `GET /sse` request stands for: `subscription`, `filter` (JSON object text) and
// `since` from the query, and the Last-Event-ID header (which wins over `since`: it is where the
// browser really is). Checked by decode_client under `limits`, exactly as a WebSocket `subscribe`
// is, so both transports refuse the same requests with the same codes. Other query parameters
// (token, user, a cache-buster) are not looked at here.
result<subscribe_msg, protocol_error> sse_subscribe_request(const std::map<std::string, std::string>& query,
                                                            std::string_view last_event_id, const decode_limits& limits);

// One SSE event. `data` is written on one `data:` line per line it holds (rt's JSON has none).
std::string sse_event(std::string_view event, std::string_view id, std::string_view data);
// A comment line (": ping"), which EventSource ignores: the heartbeat.
std::string sse_comment(std::string_view text);
// What a stream starts with: "retry: 2000".
std::string sse_preamble();

// A server frame as an SSE event: `subscribed` → snapshot (recovered false) or resumed, `event` →
// change; nullopt for anything else (an SSE stream carries no replies). A snapshot's id is its
// position (the snapshot holds every event up to it); a resumed's id is `resumed_from`, the
// position the client resumed from (the missed events follow it, so a reconnect right after
// `resumed` resumes from the same place), while its data's seq is the stream's top as on
// WebSocket. For fan-out, where one text serves every SSE subscriber of the event, sse_change
// reads an `event` frame only, through the allocation-free scanner.
std::optional<std::string> sse_from_frame(std::string_view frame, const std::optional<stream_position>& resumed_from);
std::optional<std::string> sse_change(std::string_view event_frame);
// `spec_changed` (a live spec reload) → `event: spec_changed` with the message as data and no id
// (sse_from_frame does it). An unasked `unsubscribed` (a reload removed the stream's subscription,
// or its new definition refused this subscriber) ends the stream instead: true for such a frame.
bool sse_ends_stream(std::string_view frame);

// The `error` event that ends a stream the server closes, for the WebSocket close code it would
// have used: {"error":"GOING_AWAY","code":1001,"message":"server shutting down"}.
std::string sse_end_event(std::uint16_t close_code, std::string_view reason);

}  // namespace rt::proto

#pragma once
// Wire protocol v1 message types and their JSON codec (docs/protocol.md).
// Decoding is strict and exception-free: every failure is a protocol_error naming the field.
// Encoding of server messages writes JSON text directly; it is on the broadcast hot path.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/error_code.hpp"
#include "protocol/result.hpp"

namespace rt::proto {

using json = nlohmann::json;

// Limits on decoded values; each default has its reason.
struct decode_limits {
    std::size_t max_message_bytes = 64 * 1024;  // rt serve --max-frame: rows are small; bigger frames are abuse
    std::size_t max_name_bytes = 256;           // subscription/entity/resource names are identifiers
    std::size_t max_token_bytes = 8 * 1024;     // a `refresh` token: JWTs with a rights claim stay far below
    std::size_t max_depth = 32;                 // rows are shallow; deep nesting is abuse
};

struct stream_position {
    std::string epoch;
    std::uint64_t seq = 0;
    bool operator==(const stream_position& o) const { return epoch == o.epoch && seq == o.seq; }
};

enum class operation { insert, update, remove };
std::string_view to_wire(operation op);  // "insert" | "update" | "delete"
std::optional<operation> operation_from_wire(std::string_view s);

// ---- client → server -----------------------------------------------------------------------

// `sid` (optional) is a name the client gives one subscription so that it may hold several of
// the same subscription name on one connection (two TicketDetail panes). The server echoes it in
// `subscribed`, `event` and `unsubscribed`. Without it a subscription is known by its name, and
// subscribing again to the same name replaces the old filter (the compatible default).
struct subscribe_msg {
    std::string subscription;
    json filter = json::object();  // always an object ({} when absent)
    std::optional<stream_position> since;
    std::string sid{};  // empty: the name-only form
    // "throttle": "250ms" (docs/protocol.md, "Throttled delivery"): the window in ms; nullopt when
    // absent (then the spec subscription's default applies, if any).
    std::optional<std::int64_t> throttle_ms{};
    // "batch": true: each closed throttle window arrives as one `events` frame instead of one
    // `event` frame per row. Only with a throttle window (the subscribe's or the spec's default);
    // the server refuses it otherwise (BAD_REQUEST naming 'batch').
    bool batch = false;
};
// Unsubscribes by `sid` when given (then `subscription` may be omitted), else by name (the
// name-only subscription of that name).
struct unsubscribe_msg {
    std::string subscription;
    std::string sid{};
};
struct publish_msg {
    std::string entity;
    operation op = operation::insert;
    json data = json::object();
};
enum class presence_action { join, leave };
struct presence_msg {
    presence_action action = presence_action::join;
    std::string resource;
    json meta = json::object();
};
struct ping_msg {
    std::int64_t timestamp = 0;
};

// A new JWT for a connection that authenticated with one, before the old one expires
// (docs/protocol.md "refresh"). The server checks it like a handshake's token.
struct refresh_msg {
    std::string token;
};

using client_body = std::variant<subscribe_msg, unsubscribe_msg, publish_msg, presence_msg, ping_msg, refresh_msg>;

struct client_message {
    json id;  // null when the client gave none; echoed in the reply
    client_body body;
};

// A decode failure, with the client's "id" when it could be read (so the error can carry it).
struct decode_error {
    protocol_error error;
    json id;
};

result<client_message, decode_error> decode_client(std::string_view text,
                                                   const decode_limits& limits = {});
// The frame text, fields in the documented order ("id" when not null, "type", then the body's).
std::string encode_client(const client_message& m);

// ---- server → client -----------------------------------------------------------------------

struct subscribed_msg {
    std::string subscription;
    stream_position position;
    bool recovered = false;
    json initial = json::array();  // rows; empty when recovered
    std::string sid{};             // echoed when the subscribe carried one
    std::int64_t throttle_ms = 0;  // the window of a throttled subscription ("throttle":"250ms"), else 0
    bool batch = false;            // echoed "batch":true: its windows come as `events` frames
    // Why the server sent it unasked (no id): "spec_changed" when a spec reload changed the
    // subscription's definition (new epoch, fresh snapshot). Empty for the reply to a subscribe.
    std::string reason{};
};
struct event_msg {
    std::string subscription;
    operation op = operation::insert;
    json data;
    stream_position position;
    std::int64_t ts_ms = 0;
    std::string sid{};  // the subscriber's sid for this stream, when it subscribed with one
};
// One closed throttle window of a batched subscription (docs/protocol.md, "events"): its
// coalesced events in seq order, each a full event_msg (subscription, sid and epoch filled in from
// the frame), so a client applies them one by one exactly like `event` frames.
struct events_msg {
    std::string subscription;
    std::string sid{};
    std::string epoch;
    std::vector<event_msg> events;
};
struct unsubscribed_msg {
    std::string subscription;
    std::string sid{};
    // Why the server ended it unasked (no id): "spec_changed" when a spec reload removed the
    // subscription. Empty for the reply to an unsubscribe.
    std::string reason{};
};
struct published_msg {
    std::string entity;
    json data;
};
struct presence_user {
    std::string id;
    json meta = json::object();
};
struct presence_state_msg {
    std::string resource;
    std::vector<presence_user> users;  // the server may list only the first users by id
    std::optional<std::size_t> count{};  // how many users are on the resource (rt serve always sends it)
};
struct pong_msg {
    std::int64_t timestamp = 0;
};
struct error_msg {
    protocol_error error;
};
// The reply to a `refresh` the server accepted: the new token's `exp` (seconds since the epoch, as
// in the JWT), absent when it has none.
struct refreshed_msg {
    std::optional<std::int64_t> exp{};
};

// Sent to every connection when the server applied a new spec: its version (spec::ir_hash) and the
// subscriptions it added, changed (their subscribers get a fresh `subscribed`) and removed (their
// subscribers get `unsubscribed` with reason "spec_changed"), each list sorted by name.
struct spec_changed_msg {
    std::string version;
    std::vector<std::string> added{};
    std::vector<std::string> changed{};
    std::vector<std::string> removed{};
};

using server_body = std::variant<subscribed_msg, event_msg, unsubscribed_msg, published_msg,
                                 presence_state_msg, pong_msg, error_msg, refreshed_msg, spec_changed_msg, events_msg>;
struct server_message {
    json id;  // null when absent
    server_body body;
};

// Clients decode what the server sends; a malformed server message is a bad_request error.
result<server_message, protocol_error> decode_server(std::string_view text);
// The same for a frame already parsed (by a client that reads JSON values, like sync_client).
result<server_message, protocol_error> decode_server_value(json doc);
// True when `text` is a JSON object whose "type" is a string that names no v1 server message: a
// later server's addition, which a v1 client ignores (docs/protocol.md, "Versioning").
bool is_unknown_server_type(std::string_view text);

// Encoders. `id` is omitted when null. Rows are passed pre-serialized where a frame is built once
// for many receivers (an event's `data_json` is the row's JSON text).
std::string encode_event(std::string_view subscription, operation op, std::string_view data_json,
                         const stream_position& pos, std::int64_t ts_ms, std::string_view sid = {});
// The same event (or `events`) frame (as encode_event/encode_events made it, without sid) for a
// subscriber that named its subscription `sid`: `"sid":...` spliced in after the type. Frames are built once per stream and
// kept in the replay buffer without a sid; only sid subscribers pay for this copy.
std::string event_with_sid(std::string_view event_frame, std::string_view sid);
// One item of an `events` frame, {"operation","data","seq","ts"}, from a row's JSON text.
struct batch_item {
    operation op = operation::update;
    std::string_view data_json;
    std::uint64_t seq = 0;
    std::int64_t ts_ms = 0;
};
// An `events` frame without sid (built once per throttle group and window); event_with_sid splices
// a sid into it like into an `event` frame. `items` must not be empty.
std::string encode_events(std::string_view subscription, std::string_view epoch, const std::vector<batch_item>& items,
                          std::string_view sid = {});
std::string encode_subscribed(const json& id, const subscribed_msg& m);
std::string encode_unsubscribed(const json& id, std::string_view subscription, std::string_view sid = {},
                                std::string_view reason = {});
std::string encode_published(const json& id, std::string_view entity, const json& data);
std::string encode_presence(const presence_state_msg& m);
std::string encode_pong(const json& id, std::int64_t timestamp);
std::string encode_error(const json& id, error_code code, std::string_view message);
std::string encode_refreshed(const json& id, std::optional<std::int64_t> exp);
std::string encode_spec_changed(const spec_changed_msg& m);
std::string encode_server(const server_message& m);  // any of the above, by variant

// Appends `s` as a JSON string literal (quoted, escaped) to `out`.
void append_json_string(std::string& out, std::string_view s);

}  // namespace rt::proto

#pragma once
// The client side of the protocol as a pure state machine (no sockets, no clock): which
// subscriptions the client wants, where each one stands ({epoch, seq}), what to send after a
// (re)connect, and what each server message means for the caller — deliver, drop a duplicate,
// resume over a gap, resync from a snapshot. Also keeps each subscription's rows (id → row) so a
// checker can compare the client's state to the server's. docs/protocol.md §8.
//
// Not thread-safe: one owner drives it (reconnecting_subscriber does, under its lock).
//
// Subscriptions are keyed by their sid when the request names one (the server echoes it in
// `subscribed`/`event`/`unsubscribed`), else by the subscription name: several subscriptions of
// one name (two TicketDetail panes) need a sid each. A sid must not equal another subscription's
// name in the same session.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/backoff.hpp"
#include "protocol/messages.hpp"
#include "protocol/request_id.hpp"

namespace rt::proto {

struct subscription_request {
    std::string name;
    json filter = json::object();
    std::optional<stream_position> since;  // resume from here on the first connect (rt subscribe --since)
    std::string sid{};                     // empty: the name-only form
    std::optional<std::int64_t> throttle_ms{};  // "throttle" (docs/protocol.md, "Throttled delivery"); nullopt: absent
    bool batch = false;                    // "batch":true: windows arrive as `events` frames (needs a throttle)
    // The key this subscription is known by in the session: sid, else name.
    const std::string& key() const { return sid.empty() ? name : sid; }
};

struct client_session_options {
    backoff_policy backoff{};
    std::uint64_t seed = 0;  // jitter seed; give each client its own so a crowd spreads out
    bool track_rows = true;  // keep id → row per subscription; turn off when rows are not needed, to save memory
};

struct session_counters {
    std::uint64_t connects = 0;
    std::uint64_t reconnects = 0;          // connects after the first
    std::uint64_t snapshots = 0;           // subscribed with recovered:false
    std::uint64_t resumed = 0;             // subscribed with recovered:true
    std::uint64_t resynced = 0;            // snapshots that replaced a known position (history lost)
    std::uint64_t replayed = 0;            // events announced by resumes (top seq − since seq)
    std::uint64_t gaps = 0;                // seq jumps detected
    std::uint64_t epoch_changes = 0;       // events from a different epoch than ours
    std::uint64_t duplicates_dropped = 0;  // events with seq <= the last one delivered
    std::uint64_t discarded_while_resuming = 0;  // events between a gap and the resubscribe reply
    std::uint64_t ignored = 0;             // messages of a type this v1 client does not know (a newer server's)
    std::uint64_t events_delivered = 0;
    std::uint64_t errors = 0;
    std::uint64_t batches = 0;             // `events` frames (each item is also counted as an event above)
    std::uint64_t spec_changes = 0;        // `spec_changed` messages (a live spec reload on the server)
    std::uint64_t ended = 0;               // subscriptions the server ended unasked (reason spec_changed)
};

enum class update_kind {
    other,          // nothing the session tracks (pong, published, presence, unknown subscription)
    snapshot,       // recovered:false: rows replaced by `initial` (`rows` of them); `resync` if a position was lost
    resumed,        // recovered:true: the server replays `replayed` events next
    event,          // in order: deliver `event` (rows already updated)
    duplicate,      // seq <= last delivered: dropped silently
    discarded,      // arrived while a resubscribe was pending: dropped, the replay brings it again
    gap,            // seq jumped from `expected` to `received`: `to_send` resubscribes with since = expected
    epoch_changed,  // an event from another epoch: `to_send` resubscribes without since (fresh snapshot)
    unsubscribed,   // the server confirmed an unsubscribe the caller asked for
    error,          // the server refused something: `error`; `subscription` when attributable; `fatal`
    spec_changed,   // the server applied a new spec: `spec` (its version and added/changed/removed names)
    ended,          // the server ended a subscription unasked (`reason`, e.g. "spec_changed"): not resubscribed
};

struct session_update {
    update_kind kind = update_kind::other;
    std::string subscription;          // the subscription's key (sid, else name)
    const event_msg* event = nullptr;  // kind event: points into the message passed to handle()
    std::size_t rows = 0;              // kind snapshot: rows in the snapshot
    bool resync = false;               // kind snapshot: replaced a position we had (history lost)
    std::uint64_t replayed = 0;        // kind resumed: events the server replays next
    stream_position expected;          // gap/epoch_changed: the last position delivered
    stream_position received;          // gap/epoch_changed/duplicate: the event's position
    std::optional<protocol_error> error;
    bool fatal = false;  // kind error: the subscription is dropped and will not be resubscribed
    // kind snapshot/ended: why the server sent it unasked ("spec_changed"); empty for a reply.
    std::string reason;
    const spec_changed_msg* spec = nullptr;  // kind spec_changed: points into the message passed to handle()
    std::vector<std::string> to_send;  // frames to send now, in this order
};

enum class subscription_phase {
    idle,         // not connected
    subscribing,  // subscribe sent, waiting for `subscribed`
    live,         // events flowing
    refused,      // the server refused it for good (FORBIDDEN, UNKNOWN_SUBSCRIPTION, ...)
    ended,        // the server ended it unasked (a spec reload removed it): not resubscribed
};

struct subscription_state {
    subscription_request request;
    std::optional<stream_position> position;  // the last event delivered (or the snapshot's seq)
    subscription_phase phase = subscription_phase::idle;
    std::map<std::string, json> rows;  // id → row; empty unless track_rows
    std::uint64_t replay_expected = 0;  // events the last resume announced
};

class client_session {
public:
    explicit client_session(client_session_options options = {});

    // Adds (or replaces the filter of) a wanted subscription, keyed by request.key(). Returns the
    // frames to send now: the subscribe when connected, nothing otherwise (on_connected() sends it later).
    std::vector<std::string> subscribe(subscription_request request);
    // Forgets a subscription by key (sid, else name); returns the unsubscribe frame when connected.
    std::vector<std::string> unsubscribe(std::string_view key);

    // The transport is open: returns the subscribe frames, with since where a position is known.
    std::vector<std::string> on_connected();
    // The transport closed: every subscription waits for the next connect. Returns the delay
    // before reconnecting (full jitter); attempt() counts the attempts since the last success.
    std::chrono::milliseconds on_disconnected();
    // Reconnect attempts since the last successful subscribe (1 after the first on_disconnected).
    int attempt() const { return backoff_.attempt(); }
    bool connected() const { return connected_; }

    // Interprets one server message: one update per message, except an `events` frame (a batched
    // throttle window), which gives one per item, in order, as if each had come as an `event`
    // frame (a gap inside the frame makes the items after it `discarded`). The updates' `event`
    // and `spec` point into `m`. Callers that deliver events use this one.
    std::vector<session_update> handle_all(const server_message& m);
    // handle_all for a message that is not an `events` frame; for one, its last item's update
    // (the others are applied and counted but not returned: use handle_all to see them).
    session_update handle(const server_message& m);
    // decode_server + handle_all; a frame that does not decode gives one update of kind error
    // (bad_request), except a message of an unknown type, which is ignored (kind other, counted in
    // counters().ignored).
    std::vector<session_update> handle_text_all(std::string_view text, server_message& storage);
    // handle_text_all's last update (see handle).
    session_update handle_text(std::string_view text, server_message& storage);

    const session_counters& counters() const { return counters_; }
    const subscription_state* find(std::string_view key) const;
    const std::map<std::string, subscription_state, std::less<>>& subscriptions() const { return subs_; }

private:
    std::string subscribe_frame(const subscription_state& s, bool with_since) const;
    std::string unsubscribe_frame(const subscription_request& r) const;
    session_update on_subscribed(const server_message& m, const subscribed_msg& s);
    session_update on_event(const event_msg& e);
    session_update on_error(const server_message& m, const error_msg& e);
    session_update on_unsubscribed(const unsubscribed_msg& m);
    void apply(subscription_state& s, operation op, const json& data);

    client_session_options options_;
    backoff backoff_;
    bool connected_ = false;
    session_counters counters_;
    std::map<std::string, subscription_state, std::less<>> subs_;
};

// The row key used in subscription_state::rows: the `id` string, or the id's JSON text when the id
// is not a string; "" when there is none.
std::string row_key(const json& row);

}  // namespace rt::proto

#pragma once
// The hub: entity store + streams + subscriptions + fan-out bookkeeping. No I/O: frames leave
// through a delivery_sink. One mutex guards everything, so a snapshot and its seq are taken
// atomically, and a connection receives its `subscribed`, its replay and later events in order.
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/messages.hpp"
#include "protocol/spec.hpp"
#include "protocol/stream_history.hpp"
#include "server/conn_context.hpp"
#include "server/hub_config.hpp"
#include "server/metrics.hpp"
#include "server/presence.hpp"
#include "server/store.hpp"

namespace rt::server {

using json = nlohmann::json;
using frame_ptr = std::shared_ptr<const std::string>;

// What became of a frame given to a connection (after its output limit had its say).
enum class send_status {
    sent,       // queued
    dropped,    // an event dropped for a slow consumer (the client sees the gap by its seq)
    too_large,  // a reply bigger than the connection's whole output limit: not queued; answer with TOO_LARGE
    closing,    // not queued: the connection is being closed (over its limit now, or before)
};

// Where frames go. Called with the hub lock held: implementations must not call back into the hub;
// they only queue bytes (and may post a close).
class delivery_sink {
public:
    virtual ~delivery_sink() = default;
    // A frame for one connection that may not be dropped silently (replies, snapshots, replayed
    // events, presence state). Never queues it beyond the connection's hard output limit.
    virtual send_status send_to(conn_context& c, const frame_ptr& frame) = 0;
    // One event for many connections: serialize-once, the same bytes for every subscriber.
    virtual void fan_out(const frame_ptr& frame, const std::vector<conn_context*>& subscribers) = 0;
};

// A subscription together with its canonical filter.
struct stream {
    std::string key;                    // subscription + '\x1f' + canonical filter JSON
    const spec::subscription* sub = nullptr;
    json filter;                        // canonical (object, values normalized to attribute types)
    std::vector<std::string> filter_keys;  // sorted attribute names of the filter
    proto::stream_history history;
    std::vector<conn_context*> subscribers;  // name-only subscribers: all get the same frame
    // Subscribers that named their subscription: sid → connections; each sid its own frame.
    std::map<std::string, std::vector<conn_context*>> sid_subscribers;
    std::int64_t idle_since_ms = 0;     // when the last subscriber left
    // hub::idle_ (oldest first) holds every idle stream; `idle_at` is its place there, `idle_cost`
    // what it was last counted for in hub::idle_bytes_.
    std::list<stream*>::iterator idle_at{};
    bool listed_idle = false;
    std::size_t idle_cost = 0;
    bool idle() const { return subscribers.empty() && sid_subscribers.empty(); }
};

// One page of a REST list: the rows, and the id to pass as `after` for the next page (none on the
// last page).
struct row_page {
    json rows = json::array();
    std::optional<std::string> next_after;
};

class hub {
public:
    hub(const spec::app& app, store& db, hub_config cfg, metrics& m, delivery_sink& sink);

    // Every read and write below is decided by authorize() (server/rights.hpp) for the caller's rights.

    // subscribe: replies `subscribed` (+ replayed events) through the sink, or returns the error.
    // A `subscribed` reply (with its snapshot) bigger than the connection's output limit is not
    // sent: the error is TOO_LARGE and the connection holds no subscription under that key (one
    // it held before is gone too). If the connection is being closed, nothing is registered.
    // A subscribe with a sid adds a subscription (or replaces that sid's); without one it replaces
    // the connection's name-only subscription of that name.
    std::optional<proto::protocol_error> subscribe(conn_context& c, const json& id, const proto::subscribe_msg& m);
    // unsubscribe (by sid, else by name): replies `unsubscribed` through the sink (idempotent), or
    // returns the error.
    std::optional<proto::protocol_error> unsubscribe(conn_context& c, const json& id, const proto::unsubscribe_msg& m);
    // Commits a change, then fans its events out. Returns what the reply may echo: the stored row
    // (the deleted row for delete) when `who` may read it, else only {"id": ...}.
    result<json, proto::protocol_error> publish(const rights& who, const proto::publish_msg& m);
    // presence join/leave; the presence state goes to everyone on the resource.
    std::optional<proto::protocol_error> presence(conn_context& c, const proto::presence_msg& m);
    // Forgets a connection: its subscriptions and presence. Must be called before it is destroyed.
    void disconnect(conn_context& c);

    // REST reads: only rows `who` may read (others are NOT_FOUND / left out of the list).
    result<json, proto::protocol_error> get_row(const rights& who, const std::string& entity, const std::string& id);
    // A page of the rows `who` may read, in id order: those after `after` ("" from the start), at
    // most `limit` rows and, past the first row, at most `max_bytes` of row JSON.
    result<row_page, proto::protocol_error> list_rows(const rights& who, const std::string& entity, const std::string& after,
                                                      std::size_t limit, std::size_t max_bytes);

    // Periodic upkeep: ages replay buffers out and reclaims idle streams (older than the replay
    // age, or the oldest past the idle caps).
    void sweep(std::int64_t now_ms);
    // Removes presence members silent for longer than timeout_ms and tells the others.
    void expire_presence(std::int64_t now_ms, std::int64_t timeout_ms);
    // Marks a connection as alive for presence (any message or pong).
    void touch_presence(conn_context& c, std::int64_t now_ms);

    struct stats {
        std::size_t streams = 0;
        std::size_t buffered_events = 0;
        std::size_t buffered_bytes = 0;
        std::size_t idle_streams = 0;
        std::size_t idle_stream_bytes = 0;
        std::map<std::string, std::size_t> subscribers_by_name;
    };
    stats snapshot_stats();

    const spec::app& app() const { return app_; }

private:
    stream& stream_for(const spec::subscription& s, const json& canonical_filter);
    json canonical_filter(const spec::subscription& s, const json& filter) const;
    json snapshot(const stream& st) const;
    void remove_subscriber(stream& st, conn_context& c, const std::string& sid, std::int64_t now_ms);
    // Idle-stream bookkeeping (hub lock held): a stream enters idle_ when its last subscriber
    // leaves, leaves it when one joins; its cost is recounted when its replay buffer changes.
    void mark_idle_locked(stream& st, std::int64_t now_ms);
    void mark_busy_locked(stream& st);
    void recount_idle_locked(stream& st);
    // Drops the oldest idle streams until both idle caps hold; counts them as evictions.
    void evict_idle_locked();
    // Forgets a stream everywhere: index, idle list, database, streams_. Returns the next iterator.
    std::unordered_map<std::string, std::unique_ptr<stream>>::iterator drop_stream_locked(
        std::unordered_map<std::string, std::unique_ptr<stream>>::iterator it);
    void broadcast_presence(const std::string& resource);
    // The presence message of a resource: its first max_presence_users users by id, and the count
    // of all (hub lock held).
    frame_ptr presence_frame(const std::string& resource) const;
    std::int64_t now_ms() const;

    const spec::app& app_;
    store& db_;
    hub_config cfg_;
    metrics& metrics_;
    delivery_sink& sink_;
    std::mutex mu_;
    std::mt19937_64 rng_;
    std::unordered_map<std::string, std::unique_ptr<stream>> streams_;
    // subscription name → filter key set → canonical filter JSON → stream: an event finds its
    // streams by lookup, not by testing every subscriber's filter.
    std::map<std::string, std::map<std::vector<std::string>, std::unordered_map<std::string, stream*>>> index_;
    presence_registry presence_;
    std::list<stream*> idle_;      // streams without subscribers, oldest idle first
    std::uint64_t idle_bytes_ = 0; // sum of their idle_cost
};

}  // namespace rt::server

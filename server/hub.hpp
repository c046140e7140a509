#pragma once
// The hub: streams, subscriptions and presence, and the one path of a change from `publish` to its
// subscribers. It does no network I/O (frames leave through a delivery_sink), but it reads rows from
// the store and commits each change through a change_commit (SQLite with a file database) while it
// holds its lock. One mutex guards everything, so a snapshot and its seq are taken atomically, and
// a connection receives its `subscribed`, its replay and later events in order.
//
// Its parts, each in its own file: stream_index (which streams a change may touch),
// stream_restore (streams persisted before a restart), row_change (a publish validated against the
// rows), change_commit (the commit seam), delivery_sink (where frames go). The hub's own files:
// hub.cpp (subscribe, unsubscribe, disconnect), hub_publish.cpp, hub_streams.cpp (stream lifetime,
// idle streams, sweep), hub_presence.cpp, hub_reads.cpp (snapshots and REST reads), hub_throttle.cpp
// (throttled delivery: throttle_group.hpp), hub_reload.cpp (a live spec reload).
#include <cstdint>
#include <functional>
#include <list>
#include <set>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <atomic>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/messages.hpp"
#include "protocol/spec.hpp"
#include "protocol/stream_history.hpp"
#include "server/change_bus.hpp"
#include "server/change_commit.hpp"
#include "server/conn_context.hpp"
#include "server/delivery_sink.hpp"
#include "server/hub_config.hpp"
#include "server/metrics.hpp"
#include "server/presence.hpp"
#include "server/row_change.hpp"
#include "server/store.hpp"
#include "server/stream.hpp"
#include "server/stream_index.hpp"

namespace rt::server {

using json = nlohmann::json;

// One page of a REST list: the rows, and the id to pass as `after` for the next page (none on the
// last page).
struct row_page {
    json rows = json::array();
    std::optional<std::string> next_after;
};

class hub {
public:
    // Streams persisted in `db` (a file database) are recreated idle. Changes are committed through
    // `commit`, or to `db` itself (store_commit) when it is nullptr; `commit` must outlive the hub.
    hub(const spec::app& app, store& db, hub_config cfg, metrics& m, delivery_sink& sink,
        change_commit* commit = nullptr);

    // Every read and write below is decided by authorize() (server/rights.hpp) for the caller's rights.

    // subscribe: replies `subscribed` (+ replayed events) through the sink, or returns the error.
    // A `subscribed` reply (with its snapshot) bigger than the connection's output limit is not
    // sent: the error is TOO_LARGE and the connection holds no subscription under that key (one
    // it held before is gone too). If the connection is being closed, nothing is registered.
    // A subscribe with a sid adds a subscription (or replaces that sid's); without one it replaces
    // the connection's name-only subscription of that name.
    result<void, proto::protocol_error> subscribe(conn_context& c, const json& id, const proto::subscribe_msg& m);
    // unsubscribe (by sid, else by name): replies `unsubscribed` through the sink (idempotent), or
    // returns the error.
    result<void, proto::protocol_error> unsubscribe(conn_context& c, const json& id, const proto::unsubscribe_msg& m);
    // Validates a change, finds the streams it touches, commits it with their events (the commit
    // seam), then appends the events to the streams' histories and fans them out. Returns what the
    // reply may echo: the stored row (the deleted row for delete) when `who` may read it, else only
    // {"id": ...}.
    result<json, proto::protocol_error> publish(const rights& who, const proto::publish_msg& m);
    // presence join/leave; the presence state goes to everyone on the resource.
    result<void, proto::protocol_error> presence(conn_context& c, const proto::presence_msg& m);
    // Forgets a connection: its subscriptions and presence. Must be called before it is destroyed.
    void disconnect(conn_context& c);

    // REST reads: only rows `who` may read (others are NOT_FOUND / left out of the list).
    result<json, proto::protocol_error> get_row(const rights& who, const std::string& entity, const std::string& id);
    // A page of the rows `who` may read, in id order: those after `after` ("" from the start), at
    // most `limit` rows and, past the first row, at most `max_bytes` of row JSON.
    result<row_page, proto::protocol_error> list_rows(const rights& who, const std::string& entity, const std::string& after,
                                                      std::size_t limit, std::size_t max_bytes);

    // Closes the throttle windows due at `now_ms`: their coalesced events go to their groups'
    // subscribers (hub_throttle.cpp). Cheap when no window is open: called every few ms.
    void flush_throttled(std::int64_t now_ms);

    // Periodic upkeep: ages replay buffers out and reclaims idle streams (older than the replay
    // age, or the oldest past the idle caps).
    void sweep(std::int64_t now_ms);
    // Removes presence members silent for longer than timeout_ms and tells the others.
    void expire_presence(std::int64_t now_ms, std::int64_t timeout_ms);
    // Marks a connection as alive for presence (any message or pong).
    void touch_presence(conn_context& c, std::int64_t now_ms);

    using stats = hub_stats;  // declared in metrics.hpp, whose gauges show it
    stats snapshot_stats();

    // The spec the hub serves now. A reload (reload_spec) may replace it at any time: a caller that
    // is not under the hub lock takes it once per request. Every app the hub ever served stays
    // alive (a few KB each) until the hub goes, so a reference taken before a reload never dangles.
    const spec::app& app() const { return *app_.load(std::memory_order_acquire); }

    // --- Live spec reload (hub_reload.cpp; docs/operations.md "Live spec reload").
    // Applies `next` under the hub lock, or refuses it (nothing changes then) when a stored row no
    // longer fits it: the error lists the first 10 misfits (entity, id, field, why) and their count.
    // Applied: `conns` (every open connection) get the `spec_changed` frame first, then, per
    // subscription of theirs: unchanged ones carry on (same epoch, seq, history, throttle groups);
    // changed ones start a new stream (new epoch) and get an unasked `subscribed` (reason
    // spec_changed, fresh snapshot) after the same checks as a subscribe, or an `unsubscribed`
    // (reason spec_changed) when those checks or the output limit refuse it; removed ones get an
    // `unsubscribed` (reason spec_changed). Returns the spec_changed message sent. Not with a bus.
    // `applying` runs under the hub lock once the reload is certain, before any frame is sent: what
    // else serves the spec (GET /api/_spec, /api/_info, token checks) switches there, so a client
    // that reacts to `spec_changed` by asking for the spec gets the new one.
    result<proto::spec_changed_msg, std::string> reload_spec(std::shared_ptr<const spec::app> next,
                                                             const std::string& version,
                                                             const std::vector<std::shared_ptr<conn_context>>& conns,
                                                             const std::function<void()>& applying = {});

    // --- Several nodes (rt serve --broker; hub_shared.cpp publishing and applying, hub_shared_streams.cpp
    // streams and presence, hub_shared_registry.cpp key sets and set/pattern streams). Without a bus none of this runs and
    // publish/subscribe keep their single-node path.

    // Plugs the shared store in, before the transport starts and before the bus's first call.
    void attach_bus(change_bus& bus) { bus_ = &bus; }
    bool shared() const { return bus_ != nullptr; }
    // publish() for a shared store: the change is committed by the bus and `done` gets what the
    // reply echoes (as publish() returns it) once this node has applied it, or the error
    // (UNAVAILABLE when Redis cannot be reached). `done` runs exactly once, on the caller's thread
    // for an error found before the commit, else on the bus's thread; never under the hub lock.
    using publish_done = std::function<void(result<json, proto::protocol_error>)>;
    void publish_shared(const rights& who, const proto::publish_msg& m, publish_done done);

    // Called by the bus, on its thread, in the global order of changes:
    // The rows as Redis holds them (start-up, or a resync): replaces the replica. `versions` gives
    // each row's G.
    void load_rows(const std::map<std::string, std::map<std::string, json>>& rows,
                   const std::map<std::string, std::map<std::string, std::uint64_t>>& versions);
    // Applies one committed change to the replica and to the streams this node holds: their
    // events are appended and fanned out.
    void apply_change(const change_message& m);
    // A stream the hub asked for (change_bus::open_stream) is registered: its epoch, top seq and
    // the events Redis holds for it (in seq order, as of the change this node applied last). The
    // subscribes waiting for it proceed.
    struct history_item {
        std::uint64_t seq = 0;
        proto::operation op = proto::operation::update;
        std::string data;
        std::int64_t ts_ms = 0;
    };
    // items[live_from..] are events this node applied while the stream was being opened: a stream
    // reopened with subscribers (after Redis lost history) sends them these, which they missed.
    void stream_opened(const std::string& key, const std::string& epoch, std::uint64_t top,
                       const std::vector<history_item>& items, std::size_t live_from);
    // It could not be: the subscribes waiting for it are answered `UNAVAILABLE` with `why`.
    void stream_open_failed(const std::string& key, const std::string& why);
    // The registry of streams in use on any node, and its version: the filter key sets (fields as
    // keyset_field writes them) and the keys of the set and pattern streams (pattern_stream).
    // Keys that name no subscription of this spec, or an invalid filter, are left out (logged).
    void set_keysets(const std::string& version, const std::vector<std::string>& fields,
                     const std::vector<std::string>& pattern_keys);
    // One change of that registry, as the shared store logs it: `kind` 'k' a key set field added,
    // '+' a set or pattern stream key added, '-' one removed; `version` the registry's after it.
    struct registry_change {
        std::uint64_t version = 0;
        char kind = 'k';
        std::string text;
    };
    // Brings the registry to `version` with the changes since the one the hub holds (consecutive
    // versions, oldest first; those it has already are skipped). Changes that do not continue
    // from its version are ignored: the next commit's reply brings what is missing.
    void update_registry(const std::string& version, const std::vector<registry_change>& changes);
    // all: Redis lost history (restarted empty, or this node fell behind its change log): every
    // stream this node holds gets a fresh local epoch (no resume can cross the hole) and is opened
    // again. !all: only the streams not open and not being opened (their opening failed).
    void reopen_streams(bool all);
    // A presence resource's users on every node (each user once, sorted by id): this node's members
    // of it get the presence message.
    void presence_state(const std::string& resource, std::vector<proto::presence_user> users);
    // Announces this node's users on every resource again (Redis lost them, or reaped this node).
    void republish_presence();
    // The keys of the streams this node holds (for the bus's TTL refresh).
    std::vector<std::string> stream_keys();

private:
    // A stream that a change touches, and how its view sees the change.
    struct affected {
        stream* st;
        spec::change ch;
    };
    // The event operation of a view's transition (a row leaving the view is a delete).
    static proto::operation event_op(spec::change c);
    // The streams whose view sees the change (hub lock held).
    std::vector<affected> affected_streams(const spec::entity& ent, const row_change& change) const;
    // Encodes one event per affected stream, commits the change with them through commit_ and, once
    // committed, appends each to its stream's history and fans it out. Returns ok, or the commit's
    // error (nothing sent then).
    result<void, std::string> commit_and_fan_out(const spec::entity& ent, const row_change& change,
                                                 const std::vector<affected>& streams);
    // Sends an event to a stream's subscribers: one frame for the name-only ones, one per sid.
    void fan_out_locked(const stream& st, const frame_ptr& frame);

    // subscribe() past its checks, unsubscribe() past its own (hub lock held).
    result<void, proto::protocol_error> subscribe_checked_locked(conn_context& c, const json& id, const proto::subscribe_msg& m,
                                                                 const spec::subscription& sub);
    result<void, proto::protocol_error> unsubscribe_locked(conn_context& c, const json& id, const proto::unsubscribe_msg& m);
    // Runs the requests of `key` that waited behind a subscribe now done, in order, until one of
    // them waits again (hub lock held).
    void resume_requests_locked(conn_context& c, const std::string& key);
    // subscribe() once the stream exists here (hub lock held): registers, replies, replays.
    // `reason`: an unasked `subscribed` (a spec reload), else empty.
    result<void, proto::protocol_error> subscribe_locked(conn_context& c, const json& id, const proto::subscribe_msg& m,
                                                         const spec::subscription& sub, const json& canonical,
                                                         const std::string& reason = {});
    // The checks of a subscribe against the current spec (hub lock held): the subscription, or the error.
    result<const spec::subscription*, proto::protocol_error> check_subscribe_locked(conn_context& c,
                                                                                  const proto::subscribe_msg& m);
    // Stored rows (and rows on disk `loaded` for entities `next` adds) that do not fit `next`: a
    // report line for each of the first `max_lines`, and their count (hub lock held).
    std::pair<std::vector<std::string>, std::size_t> misfit_rows_locked(
        const spec::app& next, const std::map<std::string, std::map<std::string, json>>& loaded, std::size_t max_lines) const;
    // The event slots of a change for a shared store: every stream key whose view sees the change,
    // derived from the key sets in use (keysets_) and the row before and after, and every
    // registered pattern stream the row matches before or after (shared_index_; hub lock held).
    std::vector<change_slot> shared_slots(const spec::entity& ent, const row_change& change) const;
    // The registry's entries (hub lock held): a key set field added; a set or pattern stream key
    // filed (once; a key that is not one of this spec's is logged and skipped) or unfiled.
    void add_keyset_locked(const std::string& field);
    void add_pattern_locked(const std::string& key);
    void remove_pattern_locked(const std::string& key);
    struct publish_job;
    void publish_attempt(const std::shared_ptr<publish_job>& job);
    // Throttled delivery (hub_throttle.cpp): a stream's group for a window (made on first use),
    // feeding a change to every group of a stream, flushing a group's window now, closing its
    // window without sending, and forgetting groups (aged out, or the stream dropped).
    throttle_group& group_for_locked(stream& st, std::int64_t window_ms);
    void feed_throttled_locked(stream& st, proto::operation op, const std::string& id, const std::string& data_json,
                               std::uint64_t seq, std::int64_t ts);
    void flush_group_locked(throttle_group& g);
    void close_window_locked(throttle_group& g);
    void sweep_groups_locked(stream& st, std::int64_t now);
    void drop_groups_locked(stream& st);

    stream& stream_for(const spec::subscription& s, const json& canonical_filter);
    json snapshot(const stream& st) const;
    void remove_subscriber(stream& st, conn_context& c, const conn_subscription& s, std::int64_t now_ms);
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

    std::atomic<const spec::app*> app_;  // the current spec (hub lock to change it)
    std::vector<std::shared_ptr<const spec::app>> reloaded_;  // every app reload_spec() applied (hub lock)
    store& db_;
    hub_config cfg_;
    metrics& metrics_;
    delivery_sink& sink_;
    std::unique_ptr<change_commit> own_commit_;  // store_commit, when none was given
    change_commit& commit_;
    std::mutex mu_;
    std::mt19937_64 rng_;
    std::unordered_map<std::string, std::unique_ptr<stream>> streams_;
    stream_index index_;  // every stream in streams_, filed for lookup by a change
    presence_registry presence_;
    std::list<stream*> idle_;      // streams without subscribers, oldest idle first
    std::uint64_t idle_bytes_ = 0; // sum of their idle_cost

    // With a shared store (hub lock):
    change_bus* bus_ = nullptr;
    struct pending_subscribe {
        std::weak_ptr<conn_context> conn;
        json id;
        proto::subscribe_msg msg;
    };
    struct opening {
        const spec::subscription* sub = nullptr;
        json filter;
        std::vector<pending_subscribe> waiting;
    };
    std::unordered_map<std::string, opening> opening_;  // streams asked of the bus, not opened yet
    std::string keysets_version_ = "?";                 // unknown until the bus says (a commit then retries)
    std::map<std::string, std::set<std::vector<std::string>>> keysets_;  // subscription → key sets in use
    // The set and pattern streams registered on any node: key → a stand-in stream (its sub and
    // filter only, never subscribed), filed in shared_index_ so a change finds the ones it
    // matches by lookup, the same way index_ finds this node's streams.
    std::unordered_map<std::string, std::unique_ptr<stream>> shared_patterns_;
    stream_index shared_index_{*app_.load()};
    std::unordered_map<std::string, std::unordered_map<std::string, std::uint64_t>> versions_;  // entity → id → G
    // Every node's users per resource, as last read from Redis (presence_state).
    std::map<std::string, std::vector<proto::presence_user>> shared_presence_;
    // Tells the bus this node's users on a resource (hub lock held).
    void announce_presence_locked(const std::string& resource);
    std::set<std::pair<std::int64_t, throttle_group*>> due_;  // open throttle windows by closing time
    std::atomic<std::size_t> open_windows_{0};                 // due_.size(), read without the lock
};

}  // namespace rt::server

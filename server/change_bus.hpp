#pragma once
// What the hub asks of a store shared by several nodes (rt serve --broker; redis_broker implements
// it). No I/O types here. With a bus, every node keeps a replica of the rows and applies every
// committed change in one global order (hub::apply_change); the hub computes a change against its
// replica and the bus commits it atomically — or says why not. docs/architecture.md, "Several nodes".
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/change_message.hpp"

namespace rt::server {

// One change, computed by the hub against its replica, for the shared store's compare-and-set.
struct commit_request {
    std::string entity, id;
    std::uint64_t expected_version = 0;  // G of the row's last change in the replica (0: no row)
    std::string keysets_version;         // the registry (key sets, pattern streams) the slots were derived from
    std::string before_json, after_json; // "" for none
    std::int64_t ts_ms = 0;
    std::vector<change_slot> slots;      // every stream the change may produce an event on
};

enum class commit_status {
    ok,           // committed, and applied on this node (read-your-writes)
    conflict,     // the row changed elsewhere; this node has caught up since: compute again
    registry,     // a key set or pattern stream was added (or expired); the hub's copy is updated
                  // (set_keysets): compute again
    unavailable,  // not committed (or not known to be): Redis cannot be reached
};

struct commit_outcome {
    commit_status status = commit_status::ok;
    std::string message;  // for unavailable: why
};

class change_bus {
public:
    virtual ~change_bus() = default;
    // Commits one change. `done` runs exactly once on the bus's thread, without the hub lock.
    // May be called from any thread.
    virtual void commit(commit_request req, std::function<void(commit_outcome)> done) = 0;
    // Registers the stream (its key set too) in the shared store and reads its epoch, top seq and
    // history; answers through hub::stream_opened or hub::stream_open_failed. Any thread.
    // `keyset_field` is registry_field's: "" registers the stream key itself (a pattern stream).
    virtual void open_stream(const std::string& stream_key, const std::string& keyset_field) = 0;
    // This node's users on a presence resource, as JSON [{"id":..,"meta":..}, ...] ("" or "[]": none
    // left): stored under this node's id and announced to every node, which then reads the
    // resource's users from all nodes (hub::presence_state). Any thread.
    virtual void presence_set(const std::string& resource, std::string users_json) = 0;
    // Calls `done(true)` once this node has applied every change committed before the call (a
    // barrier: Redis's counter read, then awaited), or `done(false)` when Redis cannot be reached.
    // `done` runs on the bus's thread, without the hub lock. Any thread.
    virtual void sync(std::function<void(bool)> done) = 0;
    // Whether the shared store is reachable now.
    virtual bool available() const = 0;
};

// The registry field of a stream's filter key set: "SUBSCRIPTION\x1f[KEY, ...]" (keys sorted).
std::string keyset_field(const std::string& subscription, const std::vector<std::string>& keys);
// Whether a stream is registered by its own key rather than by its key set: its canonical filter
// has a set or a prefix pattern, so no node can derive the key from a row's values. The second
// form reads the filter out of a stream key (false for a key that does not parse).
bool pattern_stream(const nlohmann::json& canonical_filter);
bool pattern_stream_key(const std::string& stream_key);
// What open_stream registers for a stream: its key set's field, or "" for a pattern stream (the
// stream key itself is registered then).
std::string registry_field(const std::string& subscription, const nlohmann::json& canonical_filter);

}  // namespace rt::server

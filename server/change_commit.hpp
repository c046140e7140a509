#pragma once
// The commit seam: where a row change and the events it produced become durable, before any event
// is sent. The hub decides everything before this step (the rows before and after, the affected
// streams, each event's frame and position) and, only if the commit succeeds, appends the events to
// its stream histories and fans them out. Today's implementation is the node's own store
// (store_commit: SQLite, or memory only); a shared one (a broker such as Redis, issue 18) plugs in
// here and commits the same record atomically.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/store.hpp"

namespace rt::server {

// One publish, ready to be committed.
struct change_record {
    const std::string& entity;
    const std::string& id;
    const nlohmann::json* before = nullptr;  // the row before the change (nullptr for an insert)
    const nlohmann::json* after = nullptr;   // the row after it (nullptr for a delete)
    std::string_view after_json;             // `after` serialized ("" for a delete)
    // One event per affected stream, at the position the hub gave it (that stream's next seq).
    const std::vector<store::stream_event>& events;
};

class change_commit {
public:
    virtual ~change_commit() = default;
    // Makes the change and its events durable, all or nothing. Called under the hub lock, once per
    // publish. Returns ok, or the error: then nothing changed, no event is sent, and the error is
    // told to the publisher.
    virtual result<void, std::string> commit(const change_record& change) = 0;
};

// Commits to the node's own store (one SQLite transaction; rows only with ":memory:").
class store_commit final : public change_commit {
public:
    // keep_events: the persisted history per stream (the replay buffer's max_events).
    store_commit(store& db, std::uint32_t keep_events) : db_(db), keep_events_(keep_events) {}
    result<void, std::string> commit(const change_record& change) override;

private:
    store& db_;
    std::uint32_t keep_events_;
};

}  // namespace rt::server

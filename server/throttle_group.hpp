#pragma once
// The throttled subscribers of one stream that share one window (docs/protocol.md, "Throttled
// delivery"): the stream's changes are coalesced here per row and sent when the window closes, one
// frame per changed row for the whole group (serialize-once, as for the stream itself); its batched
// subscribers ("batch":true) get the window as one `events` frame instead, built once too. The group
// numbers what it sends in its own seq space (its own epoch and replay history), so its
// subscribers' seqs are gap-free and a resume replays the coalesced events they missed.
// Plain state; the hub owns it (inside its stream) and guards it with its lock.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "protocol/coalescer.hpp"
#include "protocol/stream_history.hpp"

namespace rt::server {

struct conn_context;
struct stream;

struct throttle_group {
    throttle_group(stream& owner_, std::int64_t window, proto::stream_history h)
        : owner(&owner_), window_ms(window), history(std::move(h)) {}
    stream* owner;
    std::int64_t window_ms;
    proto::coalescer pending;        // the open window's changes
    std::int64_t due_ms = 0;         // when the open window closes; 0 when none is open
    proto::stream_history history;   // what the group sent, in its own seq space
    std::vector<conn_context*> subscribers;                              // name-only
    std::map<std::string, std::vector<conn_context*>> sid_subscribers;  // sid → connections
    // Batched subscribers: same seqs and history (a resume replays single `event` frames), but
    // each closed window reaches them as one `events` frame.
    std::vector<conn_context*> batch_subscribers;                              // name-only
    std::map<std::string, std::vector<conn_context*>> batch_sid_subscribers;  // sid → connections
    std::int64_t idle_since_ms = 0;  // when its last subscriber left
    bool idle() const {
        return subscribers.empty() && sid_subscribers.empty() && batch_subscribers.empty() && batch_sid_subscribers.empty();
    }
};

}  // namespace rt::server

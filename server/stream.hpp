#pragma once
// A stream: one subscription with one canonical filter, its replay history and its subscribers.
// Plain state; the hub owns every stream and guards it with its lock.
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/spec.hpp"
#include "protocol/stream_history.hpp"
#include "server/throttle_group.hpp"

namespace rt::server {

struct conn_context;

struct stream {
    std::string key;                    // subscription + '\x1f' + canonical filter JSON
    const spec::subscription* sub = nullptr;
    nlohmann::json filter;              // canonical (object, values normalized to attribute types)
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
    // With a shared store: false until the bus has opened it (and again after Redis lost history);
    // events for a stream not opened are ignored. Always true on a single node.
    bool opened = true;
    // Throttled subscribers, by window (ms): each window's group coalesces this stream's changes
    // (hub_throttle.cpp). A stream is idle only when its groups have no subscribers either.
    std::map<std::int64_t, std::unique_ptr<throttle_group>> throttled{};
    bool idle() const {
        for (const auto& [ms, g] : throttled)
            if (!g->idle()) return false;
        return subscribers.empty() && sid_subscribers.empty();
    }
};

}  // namespace rt::server

#pragma once
// Plain, JSON-serializable histories: what was published per stream, what each subscriber got.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rt::chaos {

// One published event. Within a stream, seq counts up from 1 (the server's stream offset).
struct published_event {
    std::string stream;  // proto::stream_key (subscription and sorted filter)
    std::uint64_t seq = 0;
    std::string key;     // identifies the change, e.g. "task-42@v3" (entity id + version)
};

enum class delivery_source {
    live,      // pushed as it happened
    replay,    // sent from the replay buffer after a resume (recovered:true)
    snapshot,  // a resync marker: `subscribed` with recovered:false and an `initial` snapshot at `seq`
};

// One entry of a subscriber's history, in the order the application saw it.
// A snapshot entry carries the `seq` of the `subscribed` reply (the snapshot covers every event
// up to it) and an empty key.
struct received_event {
    std::string stream;
    std::string epoch;
    std::uint64_t seq = 0;
    std::string key;
    delivery_source from = delivery_source::live;
    std::int64_t at_us = 0;  // when it arrived (steady clock, µs), for the report's timeline; not in the JSON
};

struct subscriber_history {
    std::string subscriber;             // a name for the report
    std::vector<std::string> streams;   // streams it subscribed to; empty = those seen in `received`
    std::vector<received_event> received;
};

NLOHMANN_JSON_SERIALIZE_ENUM(delivery_source, {
    {delivery_source::live, "live"},
    {delivery_source::replay, "replay"},
    {delivery_source::snapshot, "snapshot"},
})
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(published_event, stream, seq, key)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(received_event, stream, epoch, seq, key, from)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(subscriber_history, subscriber, streams, received)

}  // namespace rt::chaos

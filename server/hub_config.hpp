#pragma once
// The hub's limits, each default with its reason. `rt serve` embeds them in server_config (its
// settings write straight into them), so a hub built with hub_config{} (tests, fuzz targets) has
// the same defaults as the server.
#include <cstddef>
#include <cstdint>

#include "protocol/stream_history.hpp"

namespace rt::server {

struct hub_config {
    proto::replay_limits replay;                     // --replay-events, --replay-age
    int max_subscriptions = 50;                      // per connection; a UI rarely needs more than a few
    std::size_t max_filter_bytes = 1024;             // a subscribe filter's compact JSON: a real filter names a few short values; each distinct one is a stream
    std::size_t max_idle_streams = 10000;            // streams without subscribers kept for resume: a reconnect wave of 10k clients, each on its own stream, still resumes
    std::uint64_t max_idle_stream_bytes = 64 << 20;  // their estimated memory, replay buffers included: ~1,900 full buffers of 350 B events; departed clients pin no more
    std::size_t max_presence_resources = 20;         // per connection; a UI shows a handful of boards or documents at once
    std::size_t max_presence_meta_bytes = 1024;      // a join's `meta` compact JSON: a cursor or a column; every member receives it on every change
    std::size_t max_presence_users = 100;            // users listed in one presence message (then only `count`): bounds each frame
};

}  // namespace rt::server

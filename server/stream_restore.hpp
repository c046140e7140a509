#pragma once
// Streams as a durable store left them before a restart, recreated so their subscribers resume
// (docs/protocol.md §8): same epoch, same top seq, the replay buffer as persisted. Pure: the caller
// reads the store and files the streams.
#include <cstdint>
#include <memory>
#include <vector>

#include "protocol/spec.hpp"
#include "protocol/stream_history.hpp"
#include "server/store.hpp"
#include "server/stream.hpp"

namespace rt::server {

// One stream per stored record, with no subscribers and idle since now_ms. Records the spec no
// longer has a subscription for, or whose key does not hold a JSON object filter, are skipped.
std::vector<std::unique_ptr<stream>> restore_streams(const spec::app& app, std::vector<store::stored_stream> stored,
                                                     const proto::replay_limits& limits, std::int64_t now_ms);

}  // namespace rt::server

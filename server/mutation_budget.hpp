#pragma once
// One rate budget for changes per client, whatever the path: WebSocket publishes and REST
// POST/PATCH/DELETE of one token draw from the same token bucket (docs/protocol.md "Limits",
// docs/operations.md `--rate-limit`). Keys are chosen by the caller ("token:<token>" with a
// tokens file; "addr:<ip>" for REST in development mode). Thread-safe. Buckets that are full again
// carry no state and are dropped by sweep(), so memory is bounded by the clients active within
// one refill period.
#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

#include "protocol/token_bucket.hpp"

namespace rt::server {

class mutation_budget {
public:
    mutation_budget(double rate_per_s, double burst) : rate_per_s_(rate_per_s), burst_(burst) {}

    // Takes one mutation from `key`'s bucket; false when it is empty (the caller answers RATE_LIMITED).
    bool try_take(const std::string& key, proto::token_bucket::time_point now);
    // Drops buckets that have refilled completely.
    void sweep(proto::token_bucket::time_point now);
    std::size_t size() const;

private:
    double rate_per_s_, burst_;
    mutable std::mutex mu_;
    std::unordered_map<std::string, proto::token_bucket> buckets_;
};

}  // namespace rt::server

#pragma once
// Per-connection state, kept apart from the transport (no websocketpp here). Fields are touched
// only from that connection's handlers, except those marked "hub lock", which the hub touches
// while it holds its lock (subscribe, fan-out, disconnect).
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "protocol/output_limit.hpp"
#include "protocol/token_bucket.hpp"
#include "server/rights.hpp"

namespace rt::server {

struct stream;

struct conn_context {
    conn_context(std::uint64_t id_, rights r, proto::token_bucket bucket_, proto::output_limit limit)
        : id(id_), who(std::move(r)), bucket(bucket_), out_limit(limit) {}

    const std::uint64_t id;
    const rights who;
    std::weak_ptr<void> handle;  // the transport's connection handle
    std::string remote;          // peer address, for logs

    proto::token_bucket bucket;  // client message rate
    int violations = 0;          // rate-limit violations so far

    // hub lock:
    std::map<std::string, stream*> subscriptions;  // subscription name → its stream
    proto::output_limit out_limit;                 // slow-consumer policy
    bool close_requested = false;                  // a close has been posted already
    std::set<std::string> presence;                // resources joined
};

}  // namespace rt::server

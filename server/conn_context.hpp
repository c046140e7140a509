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

// One subscription of a connection: the stream it joined, and the client's sid (empty for the
// name-only form).
struct conn_subscription {
    stream* st = nullptr;
    std::string sid;
};

struct conn_context {
    conn_context(std::uint64_t id_, rights r, std::string token_, proto::token_bucket bucket_, proto::output_limit limit)
        : id(id_), who(std::move(r)), token(std::move(token_)), bucket(bucket_), out_limit(limit) {}

    // The key of a subscription in `subscriptions`: its sid, else its name (two namespaces).
    static std::string subscription_key(const std::string& name, const std::string& sid) {
        return sid.empty() ? "n:" + name : "s:" + sid;
    }

    const std::uint64_t id;
    const rights who;          // fixed for the connection's life: a reload that changes it closes the connection
    const std::string token;   // the token it authenticated with ("" in development mode); never logged
    std::weak_ptr<void> handle;  // the transport's connection handle
    std::string remote;          // peer address, for logs

    proto::token_bucket bucket;  // client message rate
    int violations = 0;          // rate-limit violations so far

    // hub lock:
    std::map<std::string, conn_subscription> subscriptions;  // subscription_key → its stream and sid
    proto::output_limit out_limit;                 // slow-consumer policy
    bool close_requested = false;                  // a close has been posted already
    std::set<std::string> presence;                // resources joined
};

}  // namespace rt::server

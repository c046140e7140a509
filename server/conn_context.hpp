#pragma once
// Per-connection state, kept apart from the transport (no websocketpp here). Fields are touched
// only from that connection's handlers, except those marked "hub lock", which the hub touches
// while it holds its lock (subscribe, fan-out, disconnect), and those marked "out_mu", touched by
// whoever queues a frame to the connection (its handlers, or a fan-out on another thread) while
// holding out_mu. Lock order: the hub lock, then out_mu.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "protocol/messages.hpp"
#include "protocol/output_limit.hpp"
#include "protocol/token_bucket.hpp"
#include "protocol/violation_count.hpp"
#include "server/rights.hpp"

namespace rt::server {

struct stream;
struct throttle_group;
class sse_stream;  // the SSE transport's state of a connection (ws_detail.hpp)

// One subscription of a connection: the stream it joined, the client's sid (empty for the
// name-only form) and, when throttled, its window's group.
struct conn_subscription {
    stream* st = nullptr;
    std::string sid;
    throttle_group* tg = nullptr;  // a throttled subscription's group (in st), else nullptr
    bool batch = false;            // in tg's batch lists ("batch":true)
    // The window the subscribe asked for ("throttle"), if any: a spec reload that changes the
    // subscription subscribes again with it (else with the new spec's default).
    std::optional<std::int64_t> throttle_asked{};
};

struct conn_context {
    conn_context(std::uint64_t id_, rights r, std::string token_, proto::token_bucket bucket_, proto::output_limit limit)
        : id(id_), who(std::move(r)), token(std::move(token_)), bucket(bucket_), out_limit(limit) {}
    conn_context(const conn_context&) = delete;
    conn_context& operator=(const conn_context&) = delete;

    // The key of a subscription in `subscriptions`: its sid, else its name (two namespaces).
    static std::string subscription_key(const std::string& name, const std::string& sid) {
        return sid.empty() ? "n:" + name : "s:" + sid;
    }

    const std::uint64_t id;
    const rights who;          // fixed for the connection's life: a reload that changes it closes the connection
    const std::string token;   // the tokens file's token it authenticated with ("" for a JWT and in development mode); never logged
    std::string budget_key;    // its change budget (identity::budget_key); set at open
    // A JWT's exp + leeway in wall-clock ms (0: never expires): a `refresh` (this connection's
    // handlers) moves it, the once-a-second sweep reads it and closes the connection with 4002.
    std::atomic<std::int64_t> expires_ms{0};
    std::weak_ptr<void> handle;  // the transport's connection handle
    // Set for an SSE connection (GET /sse) before the hub sees it, never changed: its frames go to
    // the SSE writer instead of a WebSocket. Null for a WebSocket connection.
    std::shared_ptr<sse_stream> sse;
    std::string remote;          // peer address, for logs

    proto::token_bucket bucket;  // client message rate
    proto::violation_count violations;  // rate-limit violations, decaying (set from --abuse-decay at open)

    // hub lock:
    std::map<std::string, conn_subscription> subscriptions;  // subscription_key → its stream and sid
    std::set<std::string> presence;                // resources joined
    bool gone = false;                             // hub::disconnect ran: register nothing more
    // With a shared store: a subscribe waiting for its stream to open, by subscription key (its
    // entry is present while it waits), and the subscribes and unsubscribes of that key that came
    // after it, run in order once it is done.
    struct deferred_request {
        nlohmann::json id;
        bool unsubscribe = false;
        proto::subscribe_msg sub;
        proto::unsubscribe_msg unsub;
    };
    std::map<std::string, std::vector<deferred_request>> waiting_requests;
    // Itself, for replies that come later (a shared store's publish and subscribe); set at open.
    std::weak_ptr<conn_context> self;

    // out_mu: every frame queued to the connection asks out_limit first (ws_server's one send path).
    std::mutex out_mu;
    proto::output_limit out_limit;                 // slow-consumer policy, for every frame queued
    bool close_requested = false;                  // a close has been posted already
};

}  // namespace rt::server

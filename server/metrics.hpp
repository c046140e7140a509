#pragma once
// Server counters, rendered in Prometheus text format at GET /metrics.
#include <atomic>
#include <cstdint>
#include <map>
#include <string>

namespace rt::server {

struct metrics {
    std::atomic<std::int64_t> connections{0};
    std::atomic<std::uint64_t> connections_total{0};
    std::atomic<std::int64_t> sse_connections{0};        // open SSE streams (also counted in connections)
    std::atomic<std::uint64_t> sse_connections_total{0}; // SSE streams opened (also in connections_total)
    std::atomic<std::uint64_t> auth_failures{0};
    std::atomic<std::uint64_t> messages_received{0};
    std::atomic<std::uint64_t> bad_requests{0};
    std::atomic<std::uint64_t> rate_limited{0};
    std::atomic<std::uint64_t> abuse_disconnects{0};
    std::atomic<std::uint64_t> events_published{0};   // stream events created (one per stream per change)
    std::atomic<std::uint64_t> throttled_batches{0};  // `events` frames built by throttle groups (one per group per window with batched subscribers)
    std::atomic<std::uint64_t> throttled_events{0};   // coalesced events sent by throttle groups (one per group per row per window)
    std::atomic<std::uint64_t> events_delivered{0};   // event frames queued to subscribers
    std::atomic<std::uint64_t> events_dropped{0};     // dropped for slow consumers
    std::atomic<std::uint64_t> slow_disconnects{0};
    std::atomic<std::uint64_t> heartbeat_timeouts{0};
    std::atomic<std::uint64_t> mutations{0};
    std::atomic<std::uint64_t> replayed_events{0};
    std::atomic<std::uint64_t> resumes_recovered{0};
    std::atomic<std::uint64_t> resumes_resynced{0};
    std::atomic<std::uint64_t> origin_refusals{0};       // upgrades and requests refused for their Origin
    std::atomic<std::uint64_t> handler_failures{0};      // handlers that threw: that connection closed with 1011
    std::atomic<std::uint64_t> token_reloads{0};         // SIGHUP reloads that took effect
    std::atomic<std::uint64_t> token_reload_failures{0}; // SIGHUP reloads refused (old tokens kept)
    std::atomic<std::uint64_t> token_refreshes{0};       // `refresh` messages accepted (a JWT replaced)
    std::atomic<std::uint64_t> token_expiries{0};        // connections closed with 4002: their JWT expired
    std::atomic<std::uint64_t> spec_reloads{0};          // live spec reloads applied (--watch, SIGHUP)
    std::atomic<std::uint64_t> spec_reload_failures{0};  // live spec reloads refused (the old spec kept)
    std::atomic<int> spec_reload_failed{0};              // 1 while the last reload attempt was refused
    std::atomic<std::uint64_t> streams_evicted{0};       // idle streams dropped early for the idle-stream caps
    // --broker only (rendered when broker_up >= 0):
    std::atomic<int> broker_up{-1};                      // 1: in sync with Redis; 0: not reachable; -1: no broker
    std::atomic<std::uint64_t> broker_reconnects{0};     // reconnect attempts after Redis was lost
    std::atomic<std::uint64_t> broker_resyncs{0};        // reloads after Redis lost history (streams got new epochs)
    std::atomic<std::uint64_t> broker_repairs{0};        // changes read from the change log (missed on the channel)
    std::atomic<std::uint64_t> broker_conflicts{0};      // commits that met a concurrent change of their row
};

// What the hub holds at one moment (hub::snapshot_stats), for the gauges.
struct hub_stats {
    std::size_t streams = 0;
    std::size_t buffered_events = 0;
    std::size_t buffered_bytes = 0;
    std::size_t idle_streams = 0;
    std::size_t idle_stream_bytes = 0;
    std::map<std::string, std::size_t> subscribers_by_name;
};

struct metrics_extra {
    std::uint64_t bytes_queued = 0;  // across every open connection
    hub_stats hub;
};

std::string render_prometheus(const metrics& m, const metrics_extra& extra);

}  // namespace rt::server

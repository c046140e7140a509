#pragma once
// Server-reported figures from `rt serve`'s GET /metrics (Prometheus text), read before and after
// a run so the report can show what the server dropped. A peer server without /metrics yields
// nothing, and the report says "n/a".
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "client/http_client.hpp"

namespace rt::loadgen {

// Sample values by metric name (labels kept as part of the name: `x{a="b"}`). Comment lines and
// lines that do not parse are skipped.
std::map<std::string, double> parse_prometheus(std::string_view text);

struct server_counters {
    std::uint64_t events_dropped = 0;     // rt_events_dropped_total
    std::uint64_t slow_disconnects = 0;   // rt_slow_consumer_disconnects_total
    std::uint64_t rate_limited = 0;       // rt_rate_limited_total
};
// Picks the counters out of parsed metrics; nullopt when rt_events_dropped_total is absent.
std::optional<server_counters> counters_from(const std::map<std::string, double>& metrics);

// GET /metrics of `server` (http:// or https://, trusting `trust`), at most `timeout`. nullopt
// on any failure (no server, not HTTP 200, no rt counters).
std::optional<server_counters> fetch_server_counters(const client::http_url& server, const client::tls_trust& trust,
                                                     std::chrono::milliseconds timeout);

}  // namespace rt::loadgen

#pragma once
// A run's outcome: every figure the table, the JSON file and the thresholds use. Built by the
// runner; pure formatting here.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "loadgen/config.hpp"
#include "loadgen/delivery_tally.hpp"
#include "loadgen/metrics_probe.hpp"
#include "loadgen/series_point.hpp"
#include "loadgen/thresholds.hpp"
#include "protocol/histogram.hpp"

namespace rt::loadgen {

// One node's share of a run (--url A --url B ...): the connections made to it, the publishes
// sent to it, and the deliveries and latency of its subscribers.
struct node_figures {
    std::string url;
    std::uint64_t conns_asked = 0, conns_subscribed = 0, sent = 0, acked = 0;
    delivery_outcome deliveries;
    proto::latency_histogram latency_us;  // corrected, after warm-up
};

// One process of a --workers run.
struct worker_figures {
    std::uint32_t index = 0;
    int pid = 0;
    std::uint64_t conns_asked = 0, conns_subscribed = 0, delivered = 0;
    std::string first_error;
};

struct loadgen_report {
    // What was asked.
    std::string url, workload;     // url: the first node's; workload: "boards", "broadcast" (the demo) or "spec"
    std::vector<std::string> urls;  // every node
    std::string publish_to = "any";
    std::uint32_t workers = 1;      // processes that shared the connections
    std::string transport = "websocket";  // the subscribers': "websocket" or "sse" (publishers: WebSocket)
    std::string workload_line;     // a spec workload: spec::describe's line
    nlohmann::json workload_plan;  // a spec workload: spec::to_json (null for the demo)
    std::uint32_t conns_asked = 0, boards = 0, publishers = 0, threads = 0, source_ips = 0;
    std::vector<std::string> source_addresses;  // what the subscribers bound to; "" : the kernel's choice
    double rate_per_s = 0;
    double duration_s = 0, warmup_s = 0;
    std::uint64_t payload_bytes = 0;

    // Connections.
    std::uint64_t conns_opened = 0, conns_subscribed = 0, conns_failed = 0, conns_dropped = 0;
    proto::latency_histogram connect_us, subscribe_us;

    // Publishing.
    std::uint64_t scheduled = 0, sent = 0, acked = 0, publish_errors = 0, late = 0;
    std::int64_t max_lag_us = 0;
    double publish_seconds = 0;  // first intended send to last actual send

    // Deliveries (members: connections subscribed when publishing started). The figures below
    // come from `tally` and `acked_per_board` (settle_deliveries), which add up across workers.
    delivery_tally tally;
    std::vector<std::uint64_t> acked_per_board;
    std::uint64_t expected = 0, delivered = 0, lost = 0, duplicated = 0, out_of_order = 0, unparsed = 0;
    double deliveries_per_s = 0;
    proto::latency_histogram latency_us;              // receive - intended (corrected), after warm-up
    proto::latency_histogram latency_uncorrected_us;  // receive - actual send

    // Churn (--churn): reconnects started; recovered (resumed, missed events replayed) and resynced
    // (recovered:false: the events in between skipped, or the connection left out of the
    // completeness figures when its stream's epoch changed); reconnects that failed.
    double churn_pct_per_min = 0;
    std::uint64_t reconnects = 0, recovered = 0, resynced = 0, reconnects_failed = 0;
    std::uint64_t skipped = 0, left_out = 0;
    proto::latency_histogram reconnect_us;  // churn close -> `subscribed` on the new connection

    // Over time: one point per second since the ramp started (series_sampler); when publishing
    // started, in the same seconds.
    std::vector<series_point> series;
    double publish_start_s = 0;

    std::vector<node_figures> nodes;      // one per url, in order
    std::vector<worker_figures> worker_list;  // one per worker process (empty without --workers)

    std::optional<server_counters> server;  // the difference over the run, summed over the nodes; none without /metrics
    std::string first_error;

    std::vector<threshold_result> thresholds;
    // Stopped early (SIGINT): the figures cover only what was measured until then.
    bool interrupted = false;
    // Every threshold held and the run was not interrupted. "ok" in the JSON, like `rt partition run`'s.
    bool ok = true;

    std::uint64_t errors() const { return publish_errors + conns_failed + conns_dropped + reconnects_failed; }
};

// Fills what `config` says about the run (urls, workload, rates, ...; conns_asked and publishers
// from the whole config: a worker overwrites them with its share).
void set_run_settings(loadgen_report& r, const loadgen_config& config);

// Works out expected, delivered, lost, duplicated, out_of_order, skipped and left_out, in total
// and per node, from r.tally and r.acked_per_board.
void settle_deliveries(loadgen_report& r);

// The figures the thresholds check.
threshold_inputs inputs_of(const loadgen_report& r);
// Evaluates `set` into r.thresholds and r.ok (false when r.interrupted, whatever the thresholds say).
void apply_thresholds(loadgen_report& r, const threshold_set& set);

// The final table, for people (several aligned lines ending in '\n').
std::string to_table(const loadgen_report& r);
// The same figures as JSON (latencies in µs).
nlohmann::json to_json(const loadgen_report& r);
// The per-second points as a JSON array of objects (`series` in to_json).
nlohmann::json series_json(const std::vector<series_point>& points);
// The one-line verdict: "PASS", "FAIL: max-p99 12.3ms > 1µs; ..." or, for an interrupted run,
// "INTERRUPTED: partial figures" (followed by the breaches, if any).
std::string verdict_line(const loadgen_report& r);

}  // namespace rt::loadgen

#pragma once
// Figures gathered while a run is under way, from many threads: latency histograms kept per
// thread (one shard each, merged on demand) and plain atomic counters for the progress line.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "protocol/histogram.hpp"

namespace rt::loadgen {

// The histograms one thread records into. Its mutex is only ever contended by the progress
// line, once a second.
struct latency_shard {
    std::mutex mu;
    proto::latency_histogram corrected;    // receive - intended send time
    proto::latency_histogram uncorrected;  // receive - actual send time
    proto::latency_histogram connect;      // connect() call -> WebSocket open
    proto::latency_histogram subscribe;    // open -> `subscribed` reply
    proto::latency_histogram reconnect;    // churn close -> `subscribed` reply on the new connection
    proto::latency_histogram this_second;  // corrected latency, warm-up included, since take_second()
    std::vector<proto::latency_histogram> node_corrected;  // corrected, per node (--url A --url B)
};

struct merged_latency {
    proto::latency_histogram corrected, uncorrected, connect, subscribe, reconnect;
};

class run_stats {
public:
    // `nodes`: how many nodes deliveries come from (per-node latency histograms).
    explicit run_stats(std::uint32_t nodes = 1);
    run_stats(const run_stats&) = delete;
    run_stats& operator=(const run_stats&) = delete;

    // Events intended before this time (µs, steady clock) are warm-up: checked for completeness
    // but kept out of the latency figures. Set before publishing starts.
    void set_measure_from(std::int64_t us) { measure_from_us_ = us; }

    // Records one unique delivery's latencies, received from `node` (< nodes). Any thread.
    void record_delivery(std::uint32_t node, std::int64_t intended_us, std::int64_t actual_us, std::int64_t receive_us);
    void record_connect(std::int64_t us);
    void record_subscribe(std::int64_t us);
    void record_reconnect(std::int64_t us);

    // A merged copy of every shard. Any thread.
    merged_latency merged() const;
    // The corrected latency per node, merged over the shards (one entry per node). Any thread;
    // for the report (progress lines do not need it).
    std::vector<proto::latency_histogram> merged_per_node() const;
    // Merges every shard's this_second histogram into `into` (reset first) and resets them: the
    // latencies recorded since the previous call. Any thread; the series sampler calls it once a
    // second, so its cost (one pass over each shard's buckets) does not grow with deliveries.
    void take_second(proto::latency_histogram& into);

    // Counters; relaxed: they are read for progress and, after the loops stop, for the report.
    std::atomic<std::uint64_t> deliveries{0};       // unique event deliveries
    std::atomic<std::uint64_t> duplicates{0};
    std::atomic<std::uint64_t> out_of_order{0};
    std::atomic<std::uint64_t> gaps{0};             // seq jumps seen so far (each may fill later)
    std::atomic<std::uint64_t> unparsed{0};         // frames that were neither events nor replies we know
    std::atomic<std::uint64_t> published_sent{0};
    std::atomic<std::uint64_t> published_acked{0};
    std::atomic<std::uint64_t> publish_errors{0};
    std::atomic<std::uint64_t> late{0};
    std::atomic<std::int64_t> max_lag_us{0};        // worst actual - intended send time

private:
    latency_shard& local();
    // Records `us` into this thread's histogram `which`.
    void record_into(proto::latency_histogram latency_shard::*which, std::int64_t us);

    const std::uint64_t id_;
    const std::uint32_t nodes_;  // tells this run's thread-local shard cache from an earlier run's
    std::atomic<std::int64_t> measure_from_us_{0};
    mutable std::mutex shards_mu_;
    std::vector<std::unique_ptr<latency_shard>> shards_;
};

// Steady-clock microseconds: the one clock for intended, actual and receive times.
std::int64_t now_us();

}  // namespace rt::loadgen

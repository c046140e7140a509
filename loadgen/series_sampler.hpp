#pragma once
// Takes one series_point per second of a run: the per-second latency histograms of run_stats
// (merged and reset each second, so nothing is allocated per delivery) and differences of its
// counters and the pool's. Controller thread only, polled like the progress line.
#include <cstdint>
#include <vector>

#include "loadgen/run_stats.hpp"
#include "loadgen/series_point.hpp"
#include "loadgen/subscriber_pool.hpp"
#include "protocol/histogram.hpp"

namespace rt::loadgen {

class series_sampler {
public:
    series_sampler(run_stats& stats, const subscriber_pool& pool, std::int64_t start_us);

    // Takes a point when a whole second has passed since the last one; `phase` names the run's
    // current phase. Cheap otherwise (one clock read).
    void poll(const char* phase);
    // Takes the last, partial point (if any time has passed) and returns every point.
    std::vector<series_point> finish(const char* phase);

private:
    void take(std::int64_t now, const char* phase);
    std::uint64_t errors_now() const;

    run_stats& stats_;
    const subscriber_pool& pool_;
    const std::int64_t start_us_;
    std::int64_t last_us_, next_us_;
    std::uint64_t last_deliveries_ = 0, last_sent_ = 0, last_errors_ = 0;
    proto::latency_histogram second_;  // reused: run_stats::take_second fills it
    std::vector<series_point> points_;
};

}  // namespace rt::loadgen

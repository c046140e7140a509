#include "loadgen/series_sampler.hpp"

namespace rt::loadgen {

namespace {
constexpr std::int64_t second_us = 1'000'000;
constexpr std::int64_t shortest_last_point_us = 50'000;  // a shorter, empty tail is noise, not a point
}  // namespace

series_sampler::series_sampler(run_stats& stats, const subscriber_pool& pool, std::int64_t start_us)
    : stats_(stats), pool_(pool), start_us_(start_us), last_us_(start_us), next_us_(start_us + second_us) {}

std::uint64_t series_sampler::errors_now() const {
    return stats_.publish_errors + pool_.failed() + pool_.dropped() + pool_.reconnects_failed();
}

void series_sampler::poll(const char* phase) {
    const std::int64_t now = now_us();
    if (now < next_us_) return;
    take(now, phase);
    next_us_ += second_us * ((now - next_us_) / second_us + 1);
}

std::vector<series_point> series_sampler::finish(const char* phase) {
    const std::int64_t now = now_us();
    // A short tail with deliveries, publishes or errors in it is still a point: without it the
    // series would not add up to the run's totals.
    const bool news = stats_.deliveries != last_deliveries_ || stats_.published_sent != last_sent_ ||
                      errors_now() != last_errors_;
    if (now - last_us_ >= shortest_last_point_us || (news && now > last_us_)) take(now, phase);
    return std::move(points_);
}

void series_sampler::take(std::int64_t now, const char* phase) {
    stats_.take_second(second_);
    const double dt_s = static_cast<double>(now - last_us_) / 1e6;
    const std::uint64_t deliveries = stats_.deliveries, sent = stats_.published_sent, errors = errors_now();
    series_point p;
    p.t_s = static_cast<double>(now - start_us_) / 1e6;
    p.interval_s = dt_s;
    p.phase = phase;
    p.latency_count = second_.count();
    p.p50_us = second_.percentile(50);
    p.p99_us = second_.percentile(99);
    p.max_us = second_.max();
    p.conns_open = pool_.open_now();
    p.deliveries_per_s = static_cast<double>(deliveries - last_deliveries_) / dt_s;
    p.publishes_per_s = static_cast<double>(sent - last_sent_) / dt_s;
    p.errors = errors - last_errors_;
    points_.push_back(std::move(p));
    last_us_ = now;
    last_deliveries_ = deliveries;
    last_sent_ = sent;
    last_errors_ = errors;
}

}  // namespace rt::loadgen

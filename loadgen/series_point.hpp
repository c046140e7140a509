#pragma once
// One second of a load run, for the JSON report's `series` and the HTML report's charts.
#include <cstdint>
#include <string>

namespace rt::loadgen {

struct series_point {
    double t_s = 0;                   // end of the interval, seconds since the ramp started
    double interval_s = 0;            // its length: about 1 s (longer while the runner was blocked)
    std::string phase;                // what the run was doing: ramp, subscribe, publish, catch-up, drain
    std::uint64_t latency_count = 0;  // deliveries whose latency was recorded in the interval
    std::int64_t p50_us = 0, p99_us = 0, max_us = 0;  // their corrected latency; 0 without any
    std::int64_t conns_open = 0;      // open subscriber connections at t_s
    double deliveries_per_s = 0;      // unique deliveries in the interval, per second
    double publishes_per_s = 0;       // publishes sent in the interval, per second
    std::uint64_t errors = 0;         // errors in the interval: publish errors, failed, dropped or
                                      // failed-to-reconnect connections
};

}  // namespace rt::loadgen

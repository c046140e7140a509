#pragma once
// A latency histogram's percentile distribution, walked the way HdrHistogram's percentile
// iterator walks it: percentile levels that halve their distance to 100% every `ticks` steps
// (0%, 10%, 20% ... 50%, 55% ... 75%, 77.5% ... 99%, 99.1% ...), each reported at the first
// recorded value that reaches it, and a last line at 100%.
#include <cstdint>
#include <vector>

#include "protocol/histogram.hpp"

namespace rt::report {

struct percentile_line {
    std::int64_t value_us = 0;       // the highest value equivalent to the bucket reached
    double percentile = 0;           // the level iterated to, 0..100
    std::uint64_t total_count = 0;   // values at or below value_us
};

// The lines for `h`; empty when `h` is empty. `ticks_per_half_distance` is HdrHistogram's
// percentileTicksPerHalfDistance (5 in its own output and here by default), at least 1.
std::vector<percentile_line> percentile_distribution(const proto::latency_histogram& h,
                                                     int ticks_per_half_distance = 5);

}  // namespace rt::report

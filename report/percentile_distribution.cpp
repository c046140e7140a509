#include "report/percentile_distribution.hpp"

#include <algorithm>
#include <cmath>

namespace rt::report {

std::vector<percentile_line> percentile_distribution(const proto::latency_histogram& h, int ticks_per_half_distance) {
    std::vector<percentile_line> out;
    const auto buckets = h.recorded_buckets();
    if (buckets.empty()) return out;
    const auto total = static_cast<double>(h.count());
    const auto ticks = static_cast<double>(std::max(ticks_per_half_distance, 1));

    double level = 0;  // the next percentile to report
    std::uint64_t cumulative = 0;
    for (const auto& b : buckets) {
        cumulative += b.count;
        const double reached = 100.0 * static_cast<double>(cumulative) / total;
        // Like HdrHistogram: once the last bucket is reached, report its first level and then 100%.
        const bool last = cumulative >= h.count();
        while (level <= reached) {
            out.push_back({b.highest_us, level, cumulative});
            // Halvings of the distance to 100% done so far, plus one: the tick width shrinks with it.
            const double halvings = std::floor(std::log2(100.0 / (100.0 - level))) + 1;
            level += 100.0 / (ticks * std::pow(2.0, halvings));
            if (last) break;
        }
        if (last) {
            out.push_back({b.highest_us, 100.0, cumulative});
            break;
        }
    }
    return out;
}

}  // namespace rt::report

#include "report/hgrm.hpp"

#include <cmath>
#include <cstdio>

#include "report/percentile_distribution.hpp"

namespace rt::report {

namespace {

constexpr double us_per_unit = 1000;  // values printed in ms, as most hgrm files are

// HdrHistogram computes the deviation from each bucket's middle value; so do we.
double std_deviation_us(const proto::latency_histogram& h) {
    if (h.count() == 0) return 0;
    const double mean = h.mean();
    double sum = 0;
    for (const auto& b : h.recorded_buckets()) {
        const double mid = (static_cast<double>(b.lowest_us) + static_cast<double>(b.highest_us) + 1) / 2;
        sum += (mid - mean) * (mid - mean) * static_cast<double>(b.count);
    }
    return std::sqrt(sum / static_cast<double>(h.count()));
}

}  // namespace

std::string to_hgrm(const proto::latency_histogram& h) {
    char line[160];  // every line of the format is under 80 characters
    std::snprintf(line, sizeof line, "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)");
    std::string out = line;
    for (const auto& l : percentile_distribution(h)) {
        const double value = static_cast<double>(l.value_us) / us_per_unit;
        const double fraction = l.percentile / 100.0;
        const auto count = static_cast<unsigned long long>(l.total_count);
        if (l.percentile < 100.0)
            std::snprintf(line, sizeof line, "%12.3f %2.12f %10llu %14.2f\n", value, fraction, count, 1.0 / (1.0 - fraction));
        else
            std::snprintf(line, sizeof line, "%12.3f %2.12f %10llu\n", value, fraction, count);
        out += line;
    }
    std::snprintf(line, sizeof line, "#[Mean    = %12.3f, StdDeviation   = %12.3f]\n", h.mean() / us_per_unit,
                  std_deviation_us(h) / us_per_unit);
    out += line;
    std::snprintf(line, sizeof line, "#[Max     = %12.3f, Total count    = %12llu]\n",
                  static_cast<double>(h.max()) / us_per_unit, static_cast<unsigned long long>(h.count()));
    out += line;
    std::snprintf(line, sizeof line, "#[Buckets = %12d, SubBuckets     = %12d]\n",
                  proto::latency_histogram::bucket_count, proto::latency_histogram::sub_bucket_count);
    return out + line;
}

}  // namespace rt::report

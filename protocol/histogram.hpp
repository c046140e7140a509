#pragma once
// Latency histogram, HdrHistogram style: microsecond values from 1 µs to 60 s at 3 significant
// digits, in a fixed array of counts (17,408 buckets, 136 KiB), so recording is O(1) and
// allocation-free. Not thread-safe: keep one per thread and merge them at the end.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rt::proto {

class latency_histogram {
public:
    // Largest value tracked; larger values are recorded as this and counted in overflow_count().
    static constexpr std::int64_t highest_trackable_us = 60'000'000;  // 60 s: no sane latency is longer
    // The layout, in HdrHistogram's words (its hgrm footer prints them): 2048 sub-buckets give 3
    // significant digits, and 16 buckets reach highest_trackable_us.
    static constexpr int sub_bucket_count = 2048;
    static constexpr int bucket_count = 16;

    // One bucket with values in it: every value in [lowest_us, highest_us] is counted here.
    struct bucket {
        std::int64_t lowest_us = 0, highest_us = 0;
        std::uint64_t count = 0;
    };

    latency_histogram();

    // Records one value. Negative values (clock skew) are recorded as 0; values above
    // highest_trackable_us are recorded as highest_trackable_us and counted as overflow.
    void record(std::int64_t us) { record_n(us, 1); }
    // Records the same value n times (n == 0 does nothing).
    void record_n(std::int64_t us, std::uint64_t n);

    std::uint64_t count() const { return count_; }
    std::uint64_t overflow_count() const { return overflow_count_; }
    // Exact smallest / largest recorded value (after clamping); 0 when empty.
    std::int64_t min() const { return count_ ? min_us_ : 0; }
    std::int64_t max() const { return count_ ? max_us_ : 0; }
    // Exact mean of the recorded values (after clamping); 0 when empty.
    double mean() const;

    // The value at percentile p (clamped to [0, 100]): the smallest recorded v such that at least
    // p% of the values are <= v (p == 0 gives min()). Reported as the highest value equivalent to
    // v's bucket, clamped to max(), so it is >= the exact answer and off by less than 0.1%.
    // 0 when empty.
    std::int64_t percentile(double p) const;

    // The buckets with values in them, lowest first (for percentile tables and hgrm files).
    std::vector<bucket> recorded_buckets() const;

    // Adds every value recorded in `other` to this histogram.
    void merge(const latency_histogram& other);
    // Forgets every recorded value.
    void reset();

    // {"count","min","mean","p50","p90","p99","p999","max","overflow"}, values in µs.
    nlohmann::json to_json() const;

    // Every recorded value, losslessly, for another process to merge (rt loadgen --workers):
    // {"layout":[sub_bucket_count, bucket_count], "buckets":[[index, count], ...] (non-empty
    // ones, ascending), "count", "min", "max", "sum", "overflow"}. Raw counts, not percentiles:
    // percentiles of a merge cannot be computed from percentiles.
    nlohmann::json to_buckets_json() const;
    // The histogram to_buckets_json described; an error names what is wrong (another layout, an
    // index out of range, counts that do not add up to "count").
    static std::optional<latency_histogram> from_buckets_json(const nlohmann::json& j, std::string* error = nullptr);

private:
    static std::size_t index_of(std::int64_t us);
    static std::int64_t highest_equivalent_us(std::size_t index);

    std::vector<std::uint64_t> counts_;
    std::uint64_t count_ = 0;
    std::uint64_t overflow_count_ = 0;
    std::int64_t min_us_ = 0;
    std::int64_t max_us_ = 0;
    double sum_us_ = 0;  // double: an integer sum of 60 s values overflows after ~3e11 samples
};

}  // namespace rt::proto

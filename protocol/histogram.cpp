#include "protocol/histogram.hpp"

#include <algorithm>
#include <cmath>

namespace rt::proto {
namespace {

// Layout (HdrHistogram with lowest value 1 and 3 significant digits): bucket 0 holds 0..2047 at
// width 1; bucket b >= 1 holds [1024 << b, 2048 << b) in 1024 sub-buckets of width 2^b, so a
// sub-bucket's width is under 1/1024 (< 0.1%) of any value in it.
constexpr int sub_bucket_half_count_magnitude = 10;
constexpr std::int64_t sub_bucket_half_count = std::int64_t{1} << sub_bucket_half_count_magnitude;
constexpr std::int64_t sub_bucket_count = 2 * sub_bucket_half_count;  // 2048: 3 significant digits
static_assert(sub_bucket_count == latency_histogram::sub_bucket_count, "the public constant says 2048");
constexpr std::int64_t sub_bucket_mask = sub_bucket_count - 1;

// Buckets needed so that (sub_bucket_count << (buckets - 1)) > highest_trackable_us.
constexpr int bucket_count_for(std::int64_t highest) {
    int buckets = 1;
    for (std::int64_t smallest_untrackable = sub_bucket_count; smallest_untrackable <= highest;
         smallest_untrackable <<= 1)
        ++buckets;
    return buckets;
}
constexpr int bucket_count = bucket_count_for(latency_histogram::highest_trackable_us);
constexpr std::size_t counts_len =
    static_cast<std::size_t>(bucket_count + 1) * static_cast<std::size_t>(sub_bucket_half_count);
static_assert(bucket_count == latency_histogram::bucket_count && counts_len == 17'408, "layout changed: update the comments");

}  // namespace

latency_histogram::latency_histogram() : counts_(counts_len, 0) {}

std::size_t latency_histogram::index_of(std::int64_t us) {
    const auto v = static_cast<std::uint64_t>(us);
    const int bucket = 53 - __builtin_clzll(v | static_cast<std::uint64_t>(sub_bucket_mask));
    const auto sub = static_cast<std::int64_t>(v >> bucket);
    return static_cast<std::size_t>((static_cast<std::int64_t>(bucket + 1)
                                     << sub_bucket_half_count_magnitude) +
                                    (sub - sub_bucket_half_count));
}

std::int64_t latency_histogram::highest_equivalent_us(std::size_t index) {
    const auto i = static_cast<std::int64_t>(index);
    std::int64_t bucket = (i >> sub_bucket_half_count_magnitude) - 1;
    std::int64_t sub = (i & (sub_bucket_half_count - 1)) + sub_bucket_half_count;
    if (bucket < 0) {
        sub -= sub_bucket_half_count;
        bucket = 0;
    }
    return (sub << bucket) + (std::int64_t{1} << bucket) - 1;
}

void latency_histogram::record_n(std::int64_t us, std::uint64_t n) {
    if (n == 0) return;
    if (us < 0) us = 0;
    if (us > highest_trackable_us) {
        us = highest_trackable_us;
        overflow_count_ += n;
    }
    counts_[index_of(us)] += n;
    if (count_ == 0 || us < min_us_) min_us_ = us;
    if (count_ == 0 || us > max_us_) max_us_ = us;
    count_ += n;
    sum_us_ += static_cast<double>(us) * static_cast<double>(n);
}

double latency_histogram::mean() const {
    return count_ ? sum_us_ / static_cast<double>(count_) : 0.0;
}

std::int64_t latency_histogram::percentile(double p) const {
    if (count_ == 0) return 0;
    p = std::clamp(std::isnan(p) ? 0.0 : p, 0.0, 100.0);
    // Values needed at or below the answer: ceil(p% of count), at least 1. The tiny relative
    // slack keeps 99.9% of 1000 at 999 despite binary floating point (99.9 is not exact).
    const double exact = p / 100.0 * static_cast<double>(count_);
    auto needed = static_cast<std::uint64_t>(std::ceil(exact - exact * 1e-14));
    needed = std::clamp<std::uint64_t>(needed, 1, count_);

    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        seen += counts_[i];
        if (seen >= needed) return std::min(highest_equivalent_us(i), max_us_);
    }
    return max_us_;  // unreachable: the counts add up to count_
}

std::vector<latency_histogram::bucket> latency_histogram::recorded_buckets() const {
    std::vector<bucket> out;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        if (counts_[i] == 0) continue;
        const std::int64_t highest = highest_equivalent_us(i);
        // A bucket's width is 1 below 2048 µs and doubles with each bucket after that.
        const std::int64_t width = i < 2 * static_cast<std::size_t>(sub_bucket_half_count)
                                       ? 1
                                       : std::int64_t{1} << ((i >> sub_bucket_half_count_magnitude) - 1);
        out.push_back({highest - width + 1, highest, counts_[i]});
    }
    return out;
}

void latency_histogram::merge(const latency_histogram& other) {
    if (other.count_ == 0) return;
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    min_us_ = count_ ? std::min(min_us_, other.min_us_) : other.min_us_;
    max_us_ = count_ ? std::max(max_us_, other.max_us_) : other.max_us_;
    count_ += other.count_;
    overflow_count_ += other.overflow_count_;
    sum_us_ += other.sum_us_;
}

void latency_histogram::reset() {
    std::fill(counts_.begin(), counts_.end(), 0);
    count_ = 0;
    overflow_count_ = 0;
    min_us_ = 0;
    max_us_ = 0;
    sum_us_ = 0;
}

nlohmann::json latency_histogram::to_json() const {
    return {
        {"count", count()},        {"min", min()},
        {"mean", mean()},          {"p50", percentile(50)},
        {"p90", percentile(90)},   {"p99", percentile(99)},
        {"p999", percentile(99.9)}, {"max", max()},
        {"overflow", overflow_count()},
    };
}

nlohmann::json latency_histogram::to_buckets_json() const {
    nlohmann::json buckets = nlohmann::json::array();
    for (std::size_t i = 0; i < counts_.size(); ++i)
        if (counts_[i] != 0) buckets.push_back({i, counts_[i]});
    return {{"layout", {sub_bucket_count, bucket_count}},
            {"buckets", std::move(buckets)},
            {"count", count_},
            {"min", min()},
            {"max", max()},
            {"sum", sum_us_},
            {"overflow", overflow_count_}};
}

std::optional<latency_histogram> latency_histogram::from_buckets_json(const nlohmann::json& j, std::string* error) {
    auto fail = [error](const std::string& why) -> std::optional<latency_histogram> {
        if (error) *error = "histogram: " + why;
        return std::nullopt;
    };
    if (!j.is_object()) return fail("expected an object");
    const nlohmann::json layout = nlohmann::json::array({sub_bucket_count, bucket_count});
    if (j.value("layout", nlohmann::json()) != layout)
        return fail("layout " + j.value("layout", nlohmann::json()).dump() + " is not this build's " + layout.dump());
    auto number = [&j](const char* key) { return j.contains(key) && j[key].is_number(); };
    if (!number("count") || !number("min") || !number("max") || !number("sum") || !number("overflow") ||
        !j.contains("buckets") || !j["buckets"].is_array())
        return fail("expected count, min, max, sum, overflow (numbers) and buckets (an array)");
    latency_histogram h;
    std::uint64_t total = 0;
    for (const auto& b : j["buckets"]) {
        auto whole = [](const nlohmann::json& v) { return v.is_number_integer() && v.get<std::int64_t>() >= 0; };
        if (!b.is_array() || b.size() != 2 || !whole(b[0]) || !whole(b[1]))
            return fail("a bucket is not [index, count]: " + b.dump());
        const auto index = b[0].get<std::uint64_t>();
        if (index >= h.counts_.size()) return fail("bucket index " + std::to_string(index) + " out of range");
        h.counts_[index] += b[1].get<std::uint64_t>();
        total += b[1].get<std::uint64_t>();
    }
    if (total != j["count"].get<std::uint64_t>())
        return fail("buckets hold " + std::to_string(total) + " values, count says " + j["count"].dump());
    h.count_ = total;
    h.min_us_ = j["min"].get<std::int64_t>();
    h.max_us_ = j["max"].get<std::int64_t>();
    h.sum_us_ = j["sum"].get<double>();
    h.overflow_count_ = j["overflow"].get<std::uint64_t>();
    return h;
}

}  // namespace rt::proto

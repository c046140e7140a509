#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "protocol/histogram.hpp"

using rt::proto::latency_histogram;

namespace {

constexpr std::int64_t max_us = latency_histogram::highest_trackable_us;

// Percentiles as hundredths of a percent, so the exact rank is integer arithmetic.
constexpr std::int64_t percentiles_x100[] = {0,    1,    100,  1000, 2500, 5000, 7500,
                                             9000, 9500, 9900, 9990, 9999, 10000};

// The exact percentile by the histogram's definition: the smallest recorded v such that at least
// p% of the values are <= v. `sorted` holds the values after clamping to [0, max_us].
std::int64_t exact_percentile(const std::vector<std::int64_t>& sorted, std::int64_t p_x100) {
    const auto n = static_cast<std::int64_t>(sorted.size());
    std::int64_t needed = (p_x100 * n + 9999) / 10000;  // ceil(p% of n)
    needed = std::clamp<std::int64_t>(needed, 1, n);
    return sorted[static_cast<std::size_t>(needed - 1)];
}

// Checks every percentile in the table: never below the exact answer, less than 0.1% above it.
void check_against_exact(const latency_histogram& h, std::vector<std::int64_t> values) {
    for (auto& v : values) v = std::clamp<std::int64_t>(v, 0, max_us);
    std::sort(values.begin(), values.end());
    REQUIRE(h.count() == values.size());
    CHECK(h.min() == values.front());
    CHECK(h.max() == values.back());
    double sum = 0;
    for (auto v : values) sum += static_cast<double>(v);
    CHECK(h.mean() == Approx(sum / static_cast<double>(values.size())).epsilon(1e-9));
    for (const auto p_x100 : percentiles_x100) {
        const double p = static_cast<double>(p_x100) / 100.0;
        const std::int64_t exact = exact_percentile(values, p_x100);
        const std::int64_t got = h.percentile(p);
        INFO("p" << p << " exact " << exact << " got " << got);
        CHECK(got >= exact);
        if (exact == 0) CHECK(got == 0);
        else CHECK(static_cast<double>(got - exact) / static_cast<double>(exact) < 0.001);
    }
}

struct distribution {
    const char* name;
    std::function<std::int64_t(std::mt19937_64&)> draw;
};

std::vector<distribution> distributions() {
    return {
        {"uniform 0..10ms",
         [](std::mt19937_64& g) { return std::uniform_int_distribution<std::int64_t>(0, 10'000)(g); }},
        {"uniform 0..60s",
         [](std::mt19937_64& g) { return std::uniform_int_distribution<std::int64_t>(0, max_us)(g); }},
        {"exponential mean 1ms",
         [](std::mt19937_64& g) {
             return static_cast<std::int64_t>(std::exponential_distribution<double>(1.0 / 1000)(g));
         }},
        {"lognormal heavy tail",
         [](std::mt19937_64& g) {
             return static_cast<std::int64_t>(std::lognormal_distribution<double>(7.0, 2.0)(g));
         }},
        {"bimodal 300us / 40ms",
         [](std::mt19937_64& g) {
             const bool slow = std::bernoulli_distribution(0.05)(g);
             const double v = slow ? std::normal_distribution<double>(40'000, 5'000)(g)
                                   : std::normal_distribution<double>(300, 50)(g);
             return std::max<std::int64_t>(1, static_cast<std::int64_t>(v));
         }},
        {"small integers 0..3000",
         [](std::mt19937_64& g) { return std::uniform_int_distribution<std::int64_t>(0, 3'000)(g); }},
        {"powers of two and neighbours",
         [](std::mt19937_64& g) {
             const int shift = std::uniform_int_distribution<int>(0, 25)(g);
             const std::int64_t delta = std::uniform_int_distribution<std::int64_t>(-1, 1)(g);
             return std::max<std::int64_t>(0, (std::int64_t{1} << shift) + delta);
         }},
        {"constant 12345", [](std::mt19937_64&) { return std::int64_t{12'345}; }},
    };
}

}  // namespace

TEST_CASE("histogram percentiles are within 0.1% of the exact ones", "[histogram]") {
    for (const auto& dist : distributions()) {
        for (const std::size_t n : {1u, 7u, 1000u, 100'000u}) {
            INFO(dist.name << ", n=" << n);
            std::mt19937_64 gen(n * 7919 + 17);
            latency_histogram h;
            std::vector<std::int64_t> values;
            values.reserve(n);
            for (std::size_t i = 0; i < n; ++i) {
                const std::int64_t v = dist.draw(gen);
                values.push_back(v);
                h.record(v);
            }
            check_against_exact(h, values);
        }
    }
}

TEST_CASE("histogram bucket boundaries stay within 0.1%", "[histogram]") {
    // One value v under a much larger one: percentile(50) reports v's bucket's highest value.
    std::vector<std::int64_t> probes;
    for (std::int64_t v = 0; v <= 5000; ++v) probes.push_back(v);
    for (int shift = 11; shift <= 25; ++shift)
        for (std::int64_t d : {-2, -1, 0, 1, 2, 3}) probes.push_back((std::int64_t{1} << shift) + d);
    for (double v = 5000; v < static_cast<double>(max_us); v *= 1.0137)
        probes.push_back(static_cast<std::int64_t>(v));
    probes.push_back(max_us - 1);
    for (const auto v : probes) {
        latency_histogram h;
        h.record(v);
        h.record(max_us);
        const auto got = h.percentile(50);
        INFO("v=" << v << " got=" << got);
        REQUIRE(got >= v);
        if (v < 2048) REQUIRE(got == v);  // exact below 2048 µs
        else REQUIRE(static_cast<double>(got - v) / static_cast<double>(v) < 0.001);
    }
}

TEST_CASE("histogram edge cases", "[histogram]") {
    SECTION("empty") {
        latency_histogram h;
        CHECK(h.count() == 0);
        CHECK(h.min() == 0);
        CHECK(h.max() == 0);
        CHECK(h.mean() == 0.0);
        CHECK(h.overflow_count() == 0);
        for (double p : {0.0, 50.0, 100.0}) CHECK(h.percentile(p) == 0);
        const auto j = h.to_json();
        for (const char* key : {"count", "min", "mean", "p50", "p90", "p99", "p999", "max"}) {
            INFO(key);
            REQUIRE(j.contains(key));
            CHECK(j[key] == 0);
        }
    }
    SECTION("one value") {
        for (const std::int64_t v : {0LL, 1LL, 2047LL, 2048LL, 123'457LL, 59'999'999LL, 60'000'000LL}) {
            INFO(v);
            latency_histogram h;
            h.record(v);
            CHECK(h.count() == 1);
            CHECK(h.min() == v);
            CHECK(h.max() == v);
            CHECK(h.mean() == Approx(static_cast<double>(v)));
            for (double p : {0.0, 0.1, 50.0, 99.9, 100.0}) CHECK(h.percentile(p) == v);
            CHECK(h.overflow_count() == 0);
        }
    }
    SECTION("values beyond 60 s clamp to 60 s and count as overflow") {
        latency_histogram h;
        h.record(1000);
        h.record(max_us + 1);
        h.record(3'600'000'000);  // an hour
        h.record_n(std::int64_t{1} << 62, 2);
        CHECK(h.count() == 5);
        CHECK(h.overflow_count() == 4);
        CHECK(h.max() == max_us);
        CHECK(h.percentile(100) == max_us);
        CHECK(h.percentile(50) == max_us);
        CHECK(h.percentile(20) == 1000);
        CHECK(h.mean() == Approx((1000.0 + 4.0 * max_us) / 5.0));
        CHECK(h.to_json()["overflow"] == 4);
    }
    SECTION("negative values record as 0") {
        latency_histogram h;
        h.record(-5);
        h.record(10);
        CHECK(h.min() == 0);
        CHECK(h.percentile(50) == 0);
        CHECK(h.percentile(100) == 10);
    }
    SECTION("percentile arguments outside [0, 100] are clamped") {
        latency_histogram h;
        for (std::int64_t v = 1; v <= 100; ++v) h.record(v);
        CHECK(h.percentile(-1) == 1);
        CHECK(h.percentile(0) == 1);
        CHECK(h.percentile(100) == 100);
        CHECK(h.percentile(250) == 100);
        CHECK(h.percentile(std::nan("")) == 1);
    }
    SECTION("ranks that floating point could get wrong") {
        latency_histogram h;
        for (std::int64_t v = 1; v <= 1000; ++v) h.record(v);
        CHECK(h.percentile(99.9) == 999);
        CHECK(h.percentile(99.99) == 1000);
        CHECK(h.percentile(10) == 100);
        CHECK(h.percentile(0.1) == 1);
        CHECK(h.percentile(0.11) == 2);
    }
}

TEST_CASE("histogram record_n equals n records", "[histogram]") {
    latency_histogram a;
    latency_histogram b;
    const std::pair<std::int64_t, std::uint64_t> rows[] = {{5, 3}, {70'000, 10}, {2049, 1}, {42, 0}};
    for (const auto& [v, n] : rows) {
        a.record_n(v, n);
        for (std::uint64_t i = 0; i < n; ++i) b.record(v);
    }
    CHECK(a.to_json() == b.to_json());
    CHECK(a.count() == 14);
}

TEST_CASE("histogram merge equals recording into one", "[histogram]") {
    std::mt19937_64 gen(2024);
    const auto dists = distributions();
    latency_histogram all;
    std::vector<latency_histogram> parts(4);
    std::vector<std::int64_t> values;
    for (int i = 0; i < 40'000; ++i) {
        const auto& dist = dists[static_cast<std::size_t>(i) % dists.size()];
        std::int64_t v = dist.draw(gen);
        if (i % 997 == 0) v = max_us + i;  // a few overflows too
        values.push_back(v);
        all.record(v);
        parts[static_cast<std::size_t>(i) % 3].record(v);  // parts[3] stays empty
    }
    latency_histogram merged;
    for (const auto& p : parts) merged.merge(p);

    CHECK(merged.count() == all.count());
    CHECK(merged.min() == all.min());
    CHECK(merged.max() == all.max());
    CHECK(merged.overflow_count() == all.overflow_count());
    CHECK(merged.mean() == Approx(all.mean()).epsilon(1e-12));
    for (double p = 0; p <= 100; p += 0.5) {
        INFO(p);
        CHECK(merged.percentile(p) == all.percentile(p));
    }
    CHECK(merged.percentile(99.9) == all.percentile(99.9));
    check_against_exact(merged, values);

    SECTION("merging an empty histogram changes nothing") {
        const auto before = all.to_json();
        all.merge(latency_histogram{});
        CHECK(all.to_json() == before);
    }
    SECTION("merging into an empty histogram copies") {
        latency_histogram empty;
        empty.merge(parts[1]);
        CHECK(empty.to_json() == parts[1].to_json());
    }
}

TEST_CASE("histogram reset forgets everything", "[histogram]") {
    latency_histogram h;
    h.record(500);
    h.record(max_us * 2);
    h.reset();
    CHECK(h.count() == 0);
    CHECK(h.overflow_count() == 0);
    CHECK(h.max() == 0);
    CHECK(h.percentile(99) == 0);
    h.record(7);
    CHECK(h.min() == 7);
    CHECK(h.max() == 7);
    CHECK(h.percentile(50) == 7);
}

TEST_CASE("histogram to_json reports the summary in microseconds", "[histogram]") {
    latency_histogram h;
    for (std::int64_t v = 1; v <= 1000; ++v) h.record(v);
    const auto j = h.to_json();
    CHECK(j["count"] == 1000);
    CHECK(j["min"] == 1);
    CHECK(j["mean"].get<double>() == Approx(500.5));
    CHECK(j["p50"] == 500);
    CHECK(j["p90"] == 900);
    CHECK(j["p99"] == 990);
    CHECK(j["p999"] == 999);
    CHECK(j["max"] == 1000);
    CHECK(j["overflow"] == 0);
}

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "protocol/backoff.hpp"

using namespace std::chrono_literals;
using rt::proto::backoff;
using rt::proto::backoff_policy;

TEST_CASE("backoff window doubles from base up to the cap", "[backoff]") {
    struct row {
        backoff_policy policy;
        std::vector<std::int64_t> windows_ms;  // for attempts 0, 1, 2, ...
    };
    const row rows[] = {
        {{100ms, 10000ms}, {100, 200, 400, 800, 1600, 3200, 6400, 10000, 10000, 10000}},
        {{1ms, 5ms}, {1, 2, 4, 5, 5}},
        {{250ms, 1000ms}, {250, 500, 1000, 1000}},
        {{300ms, 1000ms}, {300, 600, 1000, 1000}},
        {{500ms, 200ms}, {200, 200, 200}},      // a cap below the base wins
        {{0ms, 1000ms}, {0, 0, 0}},             // zero base: retry at once, every time
        {{100ms, 0ms}, {0, 0}},
        {{-5ms, 100ms}, {0, 0}},
    };
    for (const auto& r : rows) {
        INFO("base " << r.policy.base.count() << "ms cap " << r.policy.cap.count() << "ms");
        backoff b(r.policy, 1);
        for (std::size_t i = 0; i < r.windows_ms.size(); ++i) {
            INFO("attempt " << i);
            CHECK(b.attempt() == static_cast<int>(i));
            CHECK(b.window().count() == r.windows_ms[i]);
            const auto d = b.next();
            CHECK(d.count() >= 0);
            CHECK(d.count() <= r.windows_ms[i]);
        }
    }
}

TEST_CASE("backoff defaults are 100ms base and 10s cap", "[backoff]") {
    const backoff_policy p;
    CHECK(p.base == 100ms);
    CHECK(p.cap == 10s);
}

TEST_CASE("backoff delays stay in bounds for every attempt", "[backoff]") {
    const backoff_policy policy{100ms, 10000ms};
    for (std::uint64_t seed = 0; seed < 50; ++seed) {
        backoff b(policy, seed);
        for (int attempt = 0; attempt < 200; ++attempt) {
            const std::int64_t window = std::min<std::int64_t>(10000, attempt < 20 ? (100LL << attempt) : 10000);
            const auto d = b.next();
            INFO("seed " << seed << " attempt " << attempt);
            REQUIRE(d.count() >= 0);
            REQUIRE(d.count() <= window);
        }
        CHECK(b.attempt() == 200);
    }
}

TEST_CASE("backoff with a huge cap does not overflow", "[backoff]") {
    backoff b({1ms, std::chrono::milliseconds::max()}, 7);
    for (int i = 0; i < 100; ++i) {
        const auto d = b.next();
        REQUIRE(d.count() >= 0);
    }
    CHECK(b.window() == std::chrono::milliseconds::max());
}

TEST_CASE("backoff reset starts the window over", "[backoff]") {
    backoff b({100ms, 10000ms}, 42);
    for (int i = 0; i < 10; ++i) b.next();
    CHECK(b.attempt() == 10);
    CHECK(b.window() == 10000ms);
    b.reset();
    CHECK(b.attempt() == 0);
    CHECK(b.window() == 100ms);
    CHECK(b.next() <= 100ms);
    CHECK(b.attempt() == 1);
    CHECK(b.window() == 200ms);
}

TEST_CASE("backoff is deterministic for a seed", "[backoff]") {
    const backoff_policy policy{100ms, 10000ms};
    const auto draw = [&](std::uint64_t seed) {
        backoff b(policy, seed);
        std::vector<std::int64_t> out;
        for (int i = 0; i < 50; ++i) {
            if (i == 20) b.reset();
            out.push_back(b.next().count());
        }
        return out;
    };
    CHECK(draw(1) == draw(1));
    CHECK(draw(123456789) == draw(123456789));
    CHECK(draw(1) != draw(2));
    // Clients seeded differently spread out: 100 seeds give many distinct first-window delays.
    std::vector<std::int64_t> firsts;
    for (std::uint64_t seed = 0; seed < 100; ++seed) firsts.push_back(draw(seed)[10]);
    std::sort(firsts.begin(), firsts.end());
    const auto distinct = std::unique(firsts.begin(), firsts.end()) - firsts.begin();
    CHECK(distinct > 80);
}

TEST_CASE("backoff delays are spread over the whole window", "[backoff]") {
    // Full jitter: uniform in [0, window], so the mean is near window / 2 and both ends are hit.
    struct row {
        int attempt;
        std::int64_t window_ms;
    };
    const row rows[] = {{0, 100}, {1, 200}, {3, 800}, {6, 6400}, {12, 10000}};
    for (const auto& r : rows) {
        INFO("attempt " << r.attempt);
        const int draws = 20'000;
        double sum = 0;
        std::int64_t lo = r.window_ms;
        std::int64_t hi = 0;
        backoff b({100ms, 10000ms}, 99);
        for (int i = 0; i < draws; ++i) {
            b.reset();
            for (int k = 0; k < r.attempt; ++k) b.next();
            const auto d = b.next().count();
            sum += static_cast<double>(d);
            lo = std::min(lo, d);
            hi = std::max(hi, d);
        }
        const double mean = sum / draws;
        const double half = static_cast<double>(r.window_ms) / 2.0;
        // The standard error of the mean is window / sqrt(12 * draws) ~ 0.2% of the window.
        CHECK(mean == Approx(half).epsilon(0.02));
        CHECK(lo <= r.window_ms / 100);
        CHECK(hi >= r.window_ms - r.window_ms / 100);
        CHECK(hi <= r.window_ms);
    }
}

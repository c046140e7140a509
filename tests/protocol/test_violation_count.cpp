#include <catch2/catch.hpp>

#include <vector>

#include "protocol/violation_count.hpp"

using namespace std::chrono_literals;
using rt::proto::violation_count;

namespace {
const violation_count::time_point vc_t0 = violation_count::time_point{} + 1000s;  // only differences matter
}  // namespace

TEST_CASE("violation count default half-life", "[violation_count]") {
    CHECK(violation_count::default_half_life == 60s);
    violation_count v;
    CHECK(v.half_life() == 60s);
    CHECK(v.record(vc_t0) == 1);
    CHECK(v.count(vc_t0 + 59s) == 1);
    CHECK(v.count(vc_t0 + 60s) == 0);
}

TEST_CASE("violation count halves every half-life", "[violation_count]") {
    // One violation_count with a 10 s half-life; each step records (or only reads) at t0+at and
    // expects the count after it.
    struct step {
        std::chrono::milliseconds at;
        bool record;
        std::uint64_t want;
    };
    const std::vector<step> steps = {
        {0ms, true, 1},     {1ms, true, 2},      {2ms, true, 3},       {3ms, true, 4},
        {9999ms, false, 4},                     // not yet a whole period
        {10000ms, false, 2},                    // one period: halved
        {10000ms, true, 3},                     // recorded after the halving
        {19999ms, false, 3},                    // still the second period (it began at 10 s)
        {20000ms, false, 1},                    // 3 >> 1
        {30000ms, false, 0},                    // 1 >> 1
        {30000ms, true, 1},                     // starts again from zero
        {100000ms, false, 0},                   // many periods
        {100000ms, true, 1},
        {50000ms, true, 2},                     // time running backwards counts as no time
    };
    violation_count v(10s);
    for (std::size_t i = 0; i < steps.size(); ++i) {
        INFO("step " << i << ": t0+" << steps[i].at.count() << "ms");
        const auto now = vc_t0 + steps[i].at;
        CHECK((steps[i].record ? v.record(now) : v.count(now)) == steps[i].want);
    }
}

TEST_CASE("violation count: occasional bursts never reach a threshold, a flood does", "[violation_count]") {
    constexpr std::uint64_t threshold = 50;
    violation_count calm(10s);
    std::uint64_t peak = 0;
    // A burst of 20 violations every 30 s for an hour.
    for (int burst = 0; burst < 120; ++burst)
        for (int i = 0; i < 20; ++i) peak = std::max(peak, calm.record(vc_t0 + burst * 30s + i * 10ms));
    CHECK(peak < threshold);
    violation_count flood(10s);
    std::uint64_t n = 0;
    for (int i = 0; i < 100; ++i) n = flood.record(vc_t0 + i * 10ms);  // 100 in one second
    CHECK(n >= threshold);
}

TEST_CASE("violation count with no half-life never decays", "[violation_count]") {
    violation_count v(0ms);
    CHECK(v.record(vc_t0) == 1);
    CHECK(v.record(vc_t0 + 24h) == 2);
    CHECK(v.count(vc_t0 + 1000h) == 2);
}

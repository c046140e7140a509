#include <catch2/catch.hpp>

#include "protocol/token_bucket.hpp"

using namespace std::chrono_literals;
using rt::proto::token_bucket;
using time_point = token_bucket::time_point;

namespace {

const time_point tb_t0 = time_point{} + 1000s;  // an arbitrary start; only differences matter

}  // namespace

TEST_CASE("token bucket starts full and admits a burst", "[token_bucket]") {
    token_bucket b(10, 5);
    CHECK(b.available(tb_t0) == Approx(5));
    for (int i = 0; i < 5; ++i) {
        INFO(i);
        CHECK(b.try_take(tb_t0));
    }
    CHECK_FALSE(b.try_take(tb_t0));
    CHECK(b.available(tb_t0) == Approx(0).margin(1e-9));
}

TEST_CASE("token bucket refills at its rate, up to the burst", "[token_bucket]") {
    // Each row: after emptying a 10/s burst-5 bucket at tb_t0, what is available at tb_t0 + dt.
    struct row {
        std::chrono::nanoseconds dt;
        double want;
    };
    const row rows[] = {
        {0ms, 0.0},   {1ms, 0.01},  {50ms, 0.5},  {100ms, 1.0}, {250ms, 2.5},
        {499ms, 4.99}, {500ms, 5.0}, {501ms, 5.0}, {10s, 5.0},   {1h, 5.0},
    };
    for (const auto& r : rows) {
        INFO(r.dt.count() << "ns");
        token_bucket b(10, 5);
        REQUIRE(b.try_take(tb_t0, 5));
        CHECK(b.available(tb_t0 + r.dt) == Approx(r.want).margin(1e-9));
    }
}

TEST_CASE("token bucket admits exactly rate per second in steady state", "[token_bucket]") {
    token_bucket b(100, 1);
    int admitted = 0;
    // Offer 1000 requests per second for 10 s, 1 ms apart.
    for (int ms = 0; ms < 10'000; ++ms)
        if (b.try_take(tb_t0 + std::chrono::milliseconds{ms})) ++admitted;
    // 1 initial token, then 100/s over 9.999 s.
    CHECK(admitted == 1000);
}

TEST_CASE("token bucket refills of fractions add up to whole tokens", "[token_bucket]") {
    token_bucket b(1, 1);
    REQUIRE(b.try_take(tb_t0));
    const auto third = std::chrono::nanoseconds{333'333'334};  // a third of a token: not exact in binary
    CHECK_FALSE(b.try_take(tb_t0 + third));
    CHECK_FALSE(b.try_take(tb_t0 + 2 * third));
    CHECK(b.try_take(tb_t0 + 3 * third));
}

TEST_CASE("token bucket takes all of n or nothing", "[token_bucket]") {
    token_bucket b(1, 10);
    CHECK(b.try_take(tb_t0, 7));
    CHECK(b.available(tb_t0) == Approx(3));
    CHECK_FALSE(b.try_take(tb_t0, 4));            // not enough: nothing is taken
    CHECK(b.available(tb_t0) == Approx(3));
    CHECK(b.try_take(tb_t0 + 1s, 4));             // 3 + 1 refilled
    CHECK(b.available(tb_t0 + 1s) == Approx(0).margin(1e-9));
    CHECK_FALSE(b.try_take(tb_t0 + 100s, 11));    // more than the burst never succeeds
    CHECK(b.try_take(tb_t0 + 100s, 10));
    CHECK(b.try_take(tb_t0 + 100s, 0));           // taking nothing always succeeds
}

TEST_CASE("token bucket ignores time running backwards", "[token_bucket]") {
    token_bucket b(10, 2);
    REQUIRE(b.try_take(tb_t0 + 1s, 2));
    CHECK_FALSE(b.try_take(tb_t0));               // earlier than the last call: no refill
    CHECK(b.available(tb_t0) == Approx(0).margin(1e-9));
    // The earlier call did not move the clock back: 100 ms after tb_t0 + 1s gives one token.
    CHECK(b.try_take(tb_t0 + 1s + 100ms));
    CHECK_FALSE(b.try_take(tb_t0 + 1s + 100ms));
}

TEST_CASE("token bucket with a zero rate or zero burst", "[token_bucket]") {
    SECTION("zero rate never refills") {
        token_bucket b(0, 3);
        CHECK(b.try_take(tb_t0, 3));
        CHECK_FALSE(b.try_take(tb_t0 + 1h));
    }
    SECTION("zero burst never admits") {
        token_bucket b(1000, 0);
        CHECK_FALSE(b.try_take(tb_t0));
        CHECK_FALSE(b.try_take(tb_t0 + 1h));
    }
    SECTION("negative arguments act as zero") {
        token_bucket b(-5, -1);
        CHECK(b.rate_per_s() == 0);
        CHECK(b.burst() == 0);
        CHECK_FALSE(b.try_take(tb_t0));
    }
}

TEST_CASE("token bucket available does not consume", "[token_bucket]") {
    token_bucket b(2, 4);
    REQUIRE(b.try_take(tb_t0, 4));
    const auto later = tb_t0 + 1500ms;
    CHECK(b.available(later) == Approx(3));
    CHECK(b.available(later) == Approx(3));
    CHECK(b.try_take(later, 3));
    CHECK(b.available(later) == Approx(0).margin(1e-9));
}

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "protocol/output_limit.hpp"

using namespace std::chrono_literals;
using rt::proto::output_limit;
using rt::proto::output_limit_config;
using rt::proto::send_verdict;
using time_point = std::chrono::steady_clock::time_point;

namespace {

const time_point t0 = time_point{} + 1000s;  // an arbitrary start; only differences matter

// soft 1000 B, 5 s grace, hard 4000 B: small numbers keep the table readable.
const output_limit_config small{1000, 5000ms, 4000};

const char* name(send_verdict v) {
    switch (v) {
        case send_verdict::send: return "send";
        case send_verdict::drop: return "drop";
        case send_verdict::disconnect: return "disconnect";
        case send_verdict::too_large: return "too_large";
    }
    return "?";
}

}  // namespace

TEST_CASE("output limit defaults", "[output_limit]") {
    const output_limit_config c;
    CHECK(c.soft_bytes == 1u << 20);
    CHECK(c.soft_grace == 5s);
    CHECK(c.hard_bytes == 8u << 20);
    output_limit lim(c);
    CHECK(lim.check(0, t0) == send_verdict::send);
    CHECK(lim.check(1u << 20, t0) == send_verdict::send);
    CHECK(lim.check((1u << 20) + 1, t0) == send_verdict::drop);
}

TEST_CASE("output limit verdicts through each transition", "[output_limit]") {
    // Each scenario is a sequence of (time since t0, queued bytes) -> expected verdict, all on
    // one output_limit, with the dropped() count expected after the step.
    struct step {
        std::chrono::milliseconds at;
        std::uint64_t queued;
        send_verdict want;
        std::uint64_t dropped_after;
    };
    struct scenario {
        const char* name;
        std::vector<step> steps;
    };
    using v = send_verdict;
    const scenario scenarios[] = {
        {"at or below soft: always send",
         {{0ms, 0, v::send, 0}, {1ms, 999, v::send, 0}, {2ms, 1000, v::send, 0}, {1h, 1000, v::send, 0}}},
        {"over soft within the grace: drop, then recover",
         {{0ms, 1001, v::drop, 1},
          {4000ms, 3000, v::drop, 2},
          {5000ms, 4000, v::drop, 3},   // exactly the grace: not yet longer than it
          {5001ms, 500, v::send, 3},    // back under soft: the timer is cleared
          {5002ms, 2000, v::drop, 4},   // a new episode starts its own timer
          {10002ms, 2000, v::drop, 5},
          {10003ms, 2000, v::disconnect, 5}}},
        {"over soft for longer than the grace: disconnect",
         {{0ms, 2000, v::drop, 1}, {5001ms, 2000, v::disconnect, 1}}},
        {"the grace counts from the first crossing, not the last check",
         {{0ms, 1500, v::drop, 1},
          {2000ms, 1500, v::drop, 2},
          {4000ms, 1500, v::drop, 3},
          {5000ms, 1500, v::drop, 4},
          {5001ms, 1001, v::disconnect, 4}}},
        {"over hard: disconnect at once",
         {{0ms, 4001, v::disconnect, 0}}},
        {"exactly hard is only over soft",
         {{0ms, 4000, v::drop, 1}, {1ms, 4001, v::disconnect, 1}}},
        {"over hard while inside the grace",
         {{0ms, 1500, v::drop, 1}, {1000ms, 100'000, v::disconnect, 1}}},
        {"disconnect is final",
         {{0ms, 5000, v::disconnect, 0},
          {1ms, 0, v::disconnect, 0},
          {1h, 1500, v::disconnect, 0}}},
        {"a late first crossing starts the timer then",
         {{0ms, 10, v::send, 0}, {1h, 1001, v::drop, 1}, {1h + 5000ms, 1001, v::drop, 2},
          {1h + 5001ms, 1001, v::disconnect, 2}}},
    };
    for (const auto& s : scenarios) {
        output_limit lim(small);
        for (std::size_t i = 0; i < s.steps.size(); ++i) {
            const auto& st = s.steps[i];
            INFO(s.name << ", step " << i << ": t0+" << st.at.count() << "ms queued " << st.queued);
            const auto got = lim.check(st.queued, t0 + st.at);
            CHECK(std::string{name(got)} == name(st.want));
            CHECK(lim.dropped() == st.dropped_after);
            CHECK(lim.disconnected() == (st.want == v::disconnect));
        }
    }
}

TEST_CASE("output limit with zero grace disconnects on the second check over soft", "[output_limit]") {
    output_limit lim({1000, 0ms, 4000});
    CHECK(lim.check(2000, t0) == send_verdict::drop);
    CHECK(lim.check(2000, t0) == send_verdict::drop);  // no time has passed
    CHECK(lim.check(2000, t0 + 1ns) == send_verdict::disconnect);
}

TEST_CASE("output limit logs a drop at most once per 5 seconds", "[output_limit]") {
    output_limit lim(small);
    struct row {
        std::chrono::milliseconds at;
        bool want;
    };
    const row rows[] = {
        {0ms, true},     {1ms, false},    {4999ms, false}, {5000ms, true},
        {5001ms, false}, {9999ms, false}, {10000ms, true}, {60000ms, true},
        {60000ms, false},
    };
    for (const auto& r : rows) {
        INFO("t0+" << r.at.count() << "ms");
        CHECK(lim.should_log_drop(t0 + r.at) == r.want);
    }
    CHECK(output_limit::drop_log_interval == 5s);
}

TEST_CASE("output limit drop logging is per connection", "[output_limit]") {
    output_limit a(small);
    output_limit b(small);
    CHECK(a.should_log_drop(t0));
    CHECK(b.should_log_drop(t0));
    CHECK_FALSE(a.should_log_drop(t0 + 1s));
    CHECK_FALSE(b.should_log_drop(t0 + 1s));
}

TEST_CASE("output limit verdicts for frames that may not be dropped (replies, snapshots, pongs)", "[output_limit]") {
    // Each scenario: (time since t0, queued bytes, frame bytes) -> expected verdict, on one
    // output_limit with soft 1000 B, grace 5 s, hard 4000 B. Replies are never dropped.
    struct step {
        std::chrono::milliseconds at;
        std::uint64_t queued;
        std::uint64_t frame;
        send_verdict want;
    };
    struct scenario {
        const char* name;
        std::vector<step> steps;
    };
    using v = send_verdict;
    const scenario scenarios[] = {
        {"within soft, counting the frame: send",
         {{0ms, 0, 10, v::send}, {1ms, 990, 10, v::send}, {1h, 0, 1000, v::send}}},
        {"over soft counting the frame: still sent, never dropped",
         {{0ms, 995, 10, v::send}, {4000ms, 3000, 100, v::send}, {5000ms, 3990, 10, v::send}}},
        {"over soft for longer than the grace: disconnect",
         {{0ms, 2000, 10, v::send}, {5001ms, 2000, 10, v::disconnect}}},
        {"back under soft clears the timer",
         {{0ms, 2000, 10, v::send}, {5000ms, 0, 10, v::send}, {9000ms, 2000, 10, v::send},
          {14000ms, 2000, 10, v::send}, {14001ms, 2000, 10, v::disconnect}}},
        {"the frame would take the queue past hard: disconnect",
         {{0ms, 3990, 11, v::disconnect}}},
        {"exactly hard with the frame is only over soft",
         {{0ms, 3990, 10, v::send}, {1ms, 3990, 11, v::disconnect}}},
        {"already over hard (events in flight): disconnect",
         {{0ms, 5000, 1, v::disconnect}}},
        {"one frame bigger than hard: too_large, and the connection goes on",
         {{0ms, 0, 4001, v::too_large}, {1ms, 0, 100'000'000, v::too_large}, {2ms, 0, 10, v::send},
          {3ms, 3000, 4001, v::too_large}, {4ms, 3000, 1001, v::disconnect}}},
        {"a pong flood from a client that never reads ends in disconnect at hard",
         {{0ms, 0, 8, v::send}, {1ms, 3992, 8, v::send}, {2ms, 4000, 8, v::disconnect}, {3ms, 0, 8, v::disconnect}}},
    };
    for (const auto& s : scenarios) {
        output_limit lim(small);
        for (std::size_t i = 0; i < s.steps.size(); ++i) {
            const auto& st = s.steps[i];
            INFO(s.name << ", step " << i << ": t0+" << st.at.count() << "ms queued " << st.queued << " frame " << st.frame);
            CHECK(std::string{name(lim.check_reply(st.queued, st.frame, t0 + st.at))} == name(st.want));
            CHECK(lim.dropped() == 0);
            CHECK(lim.disconnected() == (st.want == v::disconnect));
        }
    }
}

TEST_CASE("output limit: events and replies share one timer and one disconnect", "[output_limit]") {
    output_limit lim(small);
    CHECK(lim.check(2000, t0) == send_verdict::drop);                // an event starts the timer
    CHECK(lim.check_reply(2000, 10, t0 + 5000ms) == send_verdict::send);
    CHECK(lim.check_reply(2000, 10, t0 + 5001ms) == send_verdict::disconnect);  // the same episode
    CHECK(lim.check(0, t0 + 6s) == send_verdict::disconnect);        // final for both
}

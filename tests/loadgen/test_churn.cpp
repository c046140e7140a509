// Churn: the --churn text, the reconnect schedule, the resume subscribe and the tracker's skip_to.
#include <catch2/catch.hpp>

#include <cmath>

#include "loadgen/churn_schedule.hpp"
#include "loadgen/config.hpp"
#include "loadgen/delivery_tracker.hpp"
#include "loadgen/scenario_file.hpp"
#include "loadgen/subscriber_pool.hpp"
#include "protocol/messages.hpp"

using namespace rt::loadgen;

TEST_CASE("churn texts parse into a share per second", "[loadgen][churn]") {
    struct row {
        const char* text;
        double share_per_s;
    };
    const row rows[] = {
        {"0", 0.0},         {"5%/min", 0.05 / 60}, {"5%/m", 0.05 / 60}, {"0.5%/s", 0.005},
        {"60%/h", 0.6 / 3600}, {"100%/s", 1.0},    {"0%/min", 0.0},
    };
    for (const auto& r : rows) {
        INFO(r.text);
        auto v = parse_churn(r.text);
        REQUIRE(v.ok());
        CHECK(*v == Approx(r.share_per_s));
    }
}

TEST_CASE("bad churn texts are refused with the expected form", "[loadgen][churn]") {
    for (const char* text : {"5", "5%", "5%min", "5/min", "%/min", "x%/min", "5%/d", "-5%/min", "101%/s", ""}) {
        INFO(text);
        auto v = parse_churn(text);
        REQUIRE_FALSE(v.ok());
        CHECK((v.error().find("churn") != std::string::npos));
    }
}

TEST_CASE("churn is a setting for flags and scenario files alike", "[loadgen][churn]") {
    loadgen_config c;
    REQUIRE(apply_setting(c, "churn", "6%/min").ok());
    CHECK(c.churn_share_per_s == Approx(0.001));
    loadgen_config t;
    REQUIRE(apply_scenario_text(t, "churn = \"30%/min\"\n", "x.toml").ok());
    CHECK(t.churn_share_per_s == Approx(0.005));
    auto bad = apply_setting(c, "churn", "lots");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().rfind("churn:", 0) == 0);
}

TEST_CASE("the churn schedule spreads reconnects evenly", "[loadgen][churn]") {
    // 10,000 connections at 6%/min: 10 reconnects a second, one every 100 ms.
    const churn_schedule s(1'000'000, 10'000, 0.06 / 60);
    CHECK(s.per_s() == Approx(10.0));
    struct row {
        std::int64_t now_us;
        std::uint64_t due;
    };
    const row rows[] = {
        {0, 0}, {1'000'000, 0}, {1'099'999, 0}, {1'100'000, 1}, {1'150'000, 1}, {2'000'000, 10}, {61'000'000, 600},
    };
    for (const auto& r : rows) {
        INFO("now " << r.now_us);
        CHECK(s.due(r.now_us) == r.due);
    }
    // Never in bursts: each reconnect has its own time, 100 ms after the one before.
    for (std::uint64_t k = 0; k < 50; ++k) {
        INFO("k " << k);
        CHECK(s.at_us(k) == 1'000'000 + static_cast<std::int64_t>(k + 1) * 100'000);
        CHECK(s.due(s.at_us(k)) == k + 1);
        CHECK(s.due(s.at_us(k) - 1) == k);
    }
}

TEST_CASE("the churn schedule takes connections round-robin", "[loadgen][churn]") {
    const churn_schedule s(0, 7, 0.5);
    std::vector<int> seen(7, 0);
    for (std::uint64_t k = 0; k < 70; ++k) ++seen[s.slot(k)];
    for (int n : seen) CHECK(n == 10);
    CHECK(s.slot(0) == 0);
    CHECK(s.slot(8) == 1);
}

TEST_CASE("no churn: nothing is ever due", "[loadgen][churn]") {
    const churn_schedule s(0, 1000, 0.0);
    CHECK(s.due(1'000'000'000) == 0);
    CHECK(s.per_s() == 0);
}

TEST_CASE("a resume subscribe carries since and decodes as a client message", "[loadgen][churn]") {
    loadgen_config c;
    const std::string text = subscriber_pool::resume_text(c, 7, {"785bca4d0d21bdfd", 42});
    auto m = rt::proto::decode_client(text);
    REQUIRE(m.ok());
    const auto* sub = std::get_if<rt::proto::subscribe_msg>(&m->body);
    REQUIRE(sub != nullptr);
    CHECK(sub->subscription == "TaskUpdates");
    CHECK(sub->filter == rt::proto::json{{"board", "b7"}});
    REQUIRE(sub->since.has_value());
    CHECK(sub->since->epoch == "785bca4d0d21bdfd");
    CHECK(sub->since->seq == 42);
    c.mode = workload::broadcast;
    auto b = rt::proto::decode_client(subscriber_pool::resume_text(c, 0, {"e", 0}));
    REQUIRE(b.ok());
    CHECK(std::get<rt::proto::subscribe_msg>(b->body).subscription == "AllTasks");
}

TEST_CASE("delivery_tracker: a resync skips events without counting them lost", "[loadgen][tracker]") {
    delivery_tracker t(10);
    for (std::uint64_t s = 11; s <= 15; ++s) t.on_seq(s);
    t.skip_to(20);  // the stream moved on to 20 while away; 16..20 will not come
    CHECK(t.skipped() == 5);
    CHECK(t.highest_seq() == 20);
    CHECK(t.on_seq(21) == seq_verdict::in_order);
    CHECK(t.on_seq(18) == seq_verdict::duplicate);  // skipped is not missing: a late one is a repeat
    CHECK(t.lost(11) == 0);                          // 6 delivered + 5 skipped
    CHECK(t.lost(13) == 2);                          // two more published, never delivered
    t.skip_to(19);                                   // behind: skips nothing
    CHECK(t.skipped() == 5);
    CHECK(t.missing_inside() == 0);
}

// Pure pieces of the publishing side: the schedule's arithmetic, the title that carries the
// times, the fast event scan, and the /metrics parser.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "loadgen/event_payload.hpp"
#include "loadgen/metrics_probe.hpp"
#include "loadgen/publish_schedule.hpp"
#include "loadgen/publisher.hpp"
#include "protocol/messages.hpp"

using namespace rt::loadgen;

TEST_CASE("the schedule holds rate x length events at fixed offsets", "[loadgen][schedule]") {
    struct row {
        double rate;
        std::int64_t length_us;
        std::uint64_t count;
        std::uint64_t k;
        std::int64_t offset_us;
    };
    const row rows[] = {
        {1000, 30'000'000, 30'000, 29'999, 29'999'000},
        {1000, 1'000'000, 1000, 1, 1000},
        {50, 2'000'000, 100, 99, 1'980'000},
        {1, 30'000'000, 30, 29, 29'000'000},
        {1, 500'000, 1, 0, 0},              // one event at the start, none at 1 s
        {3, 1'000'000, 3, 1, 333'333},      // rounded, not truncated: 333,333.3
        {3, 1'000'000, 3, 2, 666'667},
        {7, 10'000'000, 70, 69, 9'857'143},  // computed from k, no drift from summed intervals
        {2.5, 2'000'000, 5, 4, 1'600'000},
        {1000, 0, 0, 0, 0},
    };
    for (const auto& r : rows) {
        INFO("rate " << r.rate << " length " << r.length_us << " k " << r.k);
        publish_schedule s(1'000'000, r.rate, r.length_us);
        CHECK(s.count() == r.count);
        CHECK(s.intended_us(r.k) - 1'000'000 == r.offset_us);
        if (s.count() > 0) CHECK(s.intended_us(s.count() - 1) < s.end_us());
        CHECK(s.intended_us(s.count()) >= s.end_us());
    }
}

TEST_CASE("late means more than 1 ms behind the intended time", "[loadgen][schedule]") {
    CHECK_FALSE(is_late(1000, 1000));
    CHECK_FALSE(is_late(1000, 2000));
    CHECK(is_late(1000, 2001));
    CHECK_FALSE(is_late(1000, 500));  // early is never late
}

TEST_CASE("titles carry the intended and actual times", "[loadgen][payload]") {
    CHECK(encode_title(12, 34, 0) == "t=12;a=34;");
    std::string padded = encode_title(1234567890123, 1234567890456, 200);
    CHECK(padded.size() == 200);
    CHECK(padded.back() == 'x');
    auto t = decode_title(padded);
    REQUIRE(t);
    CHECK(t->intended_us == 1234567890123);
    CHECK(t->actual_us == 1234567890456);
    CHECK(encode_title(1, 2, 3) == "t=1;a=2;");  // shorter payloads never cut the times

    const char* bad[] = {"", "loadgen", "t=;a=1;", "t=1;a=2", "t=1;b=2;", "t=x;a=1;"};
    for (const char* b : bad) {
        INFO(b);
        CHECK_FALSE(decode_title(b));
    }
}

TEST_CASE("scan_event reads seq and times from real event frames", "[loadgen][payload]") {
    nlohmann::json row = {{"id", "lg-1-b7"}, {"title", encode_title(100, 150, 64)}, {"status", "todo"},
                          {"board", "b7"},   {"priority", 2}};
    std::string frame = rt::proto::encode_event("TaskUpdates", rt::proto::operation::update, row.dump(),
                                                {"9f2c", 42}, 1732230000123);
    auto ev = scan_event(frame);
    REQUIRE(ev);
    CHECK(ev->seq == 42);
    CHECK(ev->times.intended_us == 100);
    CHECK(ev->times.actual_us == 150);

    // Not events, or events without our title: nullopt (the caller falls back to a JSON decode).
    CHECK_FALSE(scan_event(R"({"type":"subscribed","subscription":"x","epoch":"e","seq":3})"));
    CHECK_FALSE(scan_event(R"({"type":"event","subscription":"x","data":{"title":"hello"},"seq":3})"));
    CHECK_FALSE(scan_event(R"({"type":"event","data":{"title":"t=1;a=2;"}})"));
    CHECK_FALSE(scan_event(R"({"type":"event","data":{"title":"t=1;a=2;"},"seq":-4})"));
    CHECK_FALSE(scan_event(""));
    // Every truncation of a good frame is either rejected or still correct.
    for (std::size_t n = 0; n < frame.size(); ++n) {
        auto part = scan_event(std::string_view(frame).substr(0, n));
        if (part) CHECK(part->times.intended_us == 100);
    }
}

TEST_CASE("publish frames decode as valid client messages", "[loadgen][payload]") {
    auto upd = rt::proto::decode_client(update_text(7, "lg-1-b3", encode_title(5, 6, 0)));
    REQUIRE(upd.ok());
    const auto& p = std::get<rt::proto::publish_msg>(upd->body);
    CHECK(p.op == rt::proto::operation::update);
    CHECK(p.data["id"] == "lg-1-b3");
    CHECK(p.data["priority"] == 2);  // odd k
    CHECK(upd->id == 7);
    auto ins = rt::proto::decode_client(insert_text(3, "lg-1-b3"));
    REQUIRE(ins.ok());
    const auto& q = std::get<rt::proto::publish_msg>(ins->body);
    CHECK(q.op == rt::proto::operation::insert);
    CHECK(q.data["board"] == "b3");
    CHECK(q.data["status"] == "todo");
}

TEST_CASE("prometheus text parses into counters", "[loadgen][metrics]") {
    const char* text =
        "# HELP rt_events_dropped_total Event frames dropped for slow consumers.\n"
        "# TYPE rt_events_dropped_total counter\n"
        "rt_events_dropped_total 17\n"
        "rt_slow_consumer_disconnects_total 2\n"
        "rt_rate_limited_total 0\n"
        "x{label=\"a b\"} 1.5\n"
        "broken line\n"
        "no_value \n";
    auto m = parse_prometheus(text);
    CHECK(m.at("rt_events_dropped_total") == 17);
    CHECK(m.at("x{label=\"a b\"}") == 1.5);
    CHECK(m.count("broken") == 0);
    auto c = counters_from(m);
    REQUIRE(c);
    CHECK(c->events_dropped == 17);
    CHECK(c->slow_disconnects == 2);
    CHECK_FALSE(counters_from(parse_prometheus("other_metric 1\n")));
}

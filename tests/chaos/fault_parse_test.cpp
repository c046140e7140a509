#include <catch2/catch.hpp>

#include <string>

#include "chaos/fault.hpp"
#include "chaos/fault_set.hpp"
#include "chaos/timeline.hpp"
#include "chaos/units.hpp"

using namespace rt::chaos;
using namespace std::chrono_literals;

TEST_CASE("units: durations, sizes, rates", "[chaos][units]") {
    struct row { const char* text; long long ms; };
    for (auto r : {row{"250ms", 250}, row{"5s", 5000}, row{"2m", 120000}, row{"1h", 3600000}, row{"0ms", 0}, row{"1.5s", 1500}}) {
        INFO(r.text);
        auto d = parse_duration_ms(r.text);
        REQUIRE(d.ok());
        CHECK(d->count() == r.ms);
    }
    for (const char* bad : {"5", "ms", "5x", "-5s", "5 s"}) {
        INFO(bad);
        auto d = parse_duration_ms(bad);
        REQUIRE_FALSE(d.ok());
        CHECK_THAT(d.error(), Catch::Contains(bad));
    }
    CHECK(*parse_size_bytes("64KiB") == 65536);
    CHECK(*parse_size_bytes("1MiB") == 1048576);
    CHECK(*parse_size_bytes("512") == 512);
    CHECK(*parse_size_bytes("10KB") == 10000);
    CHECK_FALSE(parse_size_bytes("10XB").ok());
    CHECK(*parse_rate_bytes_per_s("10KiB/s") == 10240);
    CHECK_FALSE(parse_rate_bytes_per_s("10KiB").ok());
    CHECK_FALSE(parse_rate_bytes_per_s("0B/s").ok());
    CHECK(format_duration(5000ms) == "5s");
    CHECK(format_duration(250ms) == "250ms");
    CHECK(format_duration(120000ms) == "2m");
}

TEST_CASE("fault specs parse", "[chaos][fault]") {
    SECTION("blackhole defaults to both directions, all connections") {
        auto c = parse_fault("blackhole");
        REQUIRE(c.ok());
        CHECK_FALSE(c->heal);
        CHECK(c->f.kind == fault_kind::blackhole);
        CHECK(c->f.dir == direction::both);
        CHECK(c->f.fraction == 1.0);
    }
    SECTION("latency with jitter and direction") {
        auto c = parse_fault("latency 200ms jitter 50ms down");
        REQUIRE(c.ok());
        CHECK(c->f.kind == fault_kind::latency);
        CHECK(c->f.latency_ms == 200ms);
        CHECK(c->f.jitter_ms == 50ms);
        CHECK(c->f.dir == direction::down);
    }
    SECTION("bandwidth") {
        auto c = parse_fault("  bandwidth 10KiB/s   up ");
        REQUIRE(c.ok());
        CHECK(c->f.bytes_per_s == 10240);
        CHECK(c->f.dir == direction::up);
    }
    SECTION("reset with fraction and seed") {
        auto c = parse_fault("reset fraction 0.5 seed 7");
        REQUIRE(c.ok());
        CHECK(c->f.kind == fault_kind::reset);
        CHECK(c->f.fraction == 0.5);
        CHECK(c->f.seed == 7);
    }
    SECTION("heal") {
        auto c = parse_fault("heal");
        REQUIRE(c.ok());
        CHECK(c->heal);
    }
    SECTION("to_spec round-trips") {
        for (const char* s : {"blackhole", "blackhole up", "latency 200ms jitter 50ms down", "bandwidth 10240B/s",
                              "refuse fraction 0.25 seed 3", "latency 2s"}) {
            INFO(s);
            auto c = parse_fault(s);
            REQUIRE(c.ok());
            CHECK(to_spec(c->f) == s);
            auto again = parse_fault(to_spec(c->f));
            REQUIRE(again.ok());
            CHECK(to_spec(again->f) == to_spec(c->f));
        }
    }
}

TEST_CASE("fault spec errors name the bad token", "[chaos][fault]") {
    struct row { const char* spec; const char* must_mention; };
    for (auto r : {row{"", "empty"}, row{"blackhol", "\"blackhol\""}, row{"latency", "needs a duration"},
                   row{"latency fast", "\"fast\""}, row{"latency 200ms jitter", "\"jitter\" needs a value"},
                   row{"latency 200ms jitter 5q", "\"5q\""}, row{"bandwidth 10KiB", "\"10KiB\""},
                   row{"blackhole sideways", "\"sideways\""}, row{"blackhole up down", "twice"},
                   row{"reset up", "\"up\""}, row{"blackhole fraction 1.5", "\"1.5\""},
                   row{"blackhole fraction x", "\"x\""}, row{"blackhole jitter 5ms", "\"jitter\""},
                   row{"heal now", "\"now\""}, row{"refuse seed -1", "\"-1\""}}) {
        INFO(r.spec);
        auto c = parse_fault(r.spec);
        REQUIRE_FALSE(c.ok());
        CHECK_THAT(c.error(), Catch::Contains(r.must_mention));
    }
}

TEST_CASE("fraction selection is deterministic and proportional", "[chaos][fault]") {
    fault f;
    f.fraction = 0.5;
    f.seed = 42;
    int selected = 0;
    for (std::uint64_t n = 1; n <= 10000; ++n) {
        if (selects(f, n)) ++selected;
        CHECK(selects(f, n) == selects(f, n));
    }
    CHECK(selected > 4500);
    CHECK(selected < 5500);
    fault more = f;
    more.fraction = 0.8;
    for (std::uint64_t n = 1; n <= 1000; ++n)
        if (selects(f, n)) CHECK(selects(more, n));  // raising the fraction only adds connections
    f.fraction = 0.0;
    CHECK_FALSE(selects(f, 1));
    f.fraction = 1.0;
    CHECK(selects(f, 1));
}

TEST_CASE("fault_set combines faults per connection and direction", "[chaos][fault]") {
    fault_set set;
    set.set(parse_fault("latency 100ms down")->f);
    set.set(parse_fault("latency 300ms jitter 10ms")->f);
    set.set(parse_fault("bandwidth 1MiB/s up")->f);
    set.set(parse_fault("bandwidth 1KiB/s up")->f);  // replaces the same kind and direction
    set.set(parse_fault("blackhole up")->f);
    set.set(parse_fault("reset")->f);                // one-shot: never stored
    CHECK(set.faults().size() == 4);
    auto up = set.policy(1, direction::up);
    CHECK(up.blackhole);
    CHECK(up.latency_ms == 300ms);
    CHECK(up.jitter_ms == 10ms);
    CHECK(up.bytes_per_s == 1024);
    auto down = set.policy(1, direction::down);
    CHECK_FALSE(down.blackhole);
    CHECK(down.latency_ms == 300ms);
    CHECK(down.bytes_per_s == 0);
    CHECK_FALSE(set.refuses(1));
    set.set(parse_fault("refuse")->f);
    CHECK(set.refuses(1));
    CHECK(set.to_json().size() == 5);
    set.clear();
    CHECK(set.empty());
    CHECK_FALSE(set.policy(1, direction::up).blackhole);
}

TEST_CASE("timeline parses and sorts steps", "[chaos][timeline]") {
    auto t = parse_timeline("5s blackhole; 15s heal");
    REQUIRE(t.ok());
    REQUIRE(t->size() == 2);
    CHECK((*t)[0].at_ms == 5000ms);
    CHECK((*t)[0].command.f.kind == fault_kind::blackhole);
    CHECK((*t)[1].at_ms == 15000ms);
    CHECK((*t)[1].command.heal);

    auto u = parse_timeline("2m heal;\n 250ms latency 200ms jitter 50ms down ;; 250ms reset;");
    REQUIRE(u.ok());
    REQUIRE(u->size() == 3);
    CHECK((*u)[0].command.f.kind == fault_kind::latency);  // stable among equal offsets
    CHECK((*u)[1].command.f.kind == fault_kind::reset);
    CHECK((*u)[2].at_ms == 120000ms);
    CHECK(to_json((*u)[0])["fault"] == "latency 200ms jitter 50ms down");

    CHECK(parse_timeline("").ok());
    CHECK(parse_timeline(" ; ")->empty());
}

TEST_CASE("timeline errors name the step and token", "[chaos][timeline]") {
    struct row { const char* text; const char* must_mention; };
    for (auto r : {row{"5s", "step 1"}, row{"5 blackhole", "\"5\""}, row{"5s blackhole; 10s explode", "step 2"},
                   row{"5s blackhole; 10s explode", "\"explode\""}, row{"soon heal", "\"soon\""}}) {
        INFO(r.text);
        auto t = parse_timeline(r.text);
        REQUIRE_FALSE(t.ok());
        CHECK_THAT(t.error(), Catch::Contains(r.must_mention));
    }
}

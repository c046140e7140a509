// Threshold parsing (names, units, unknown names) and evaluation against figures.
#include <catch2/catch.hpp>

#include "loadgen/thresholds.hpp"

using namespace rt::loadgen;

TEST_CASE("threshold names and values are parsed or rejected", "[loadgen][thresholds]") {
    struct row {
        const char* name;
        const char* value;
        bool ok;
        double limit;
        bool percent;
    };
    const row rows[] = {
        {"max-p99", "100ms", true, 100'000, false},
        {"max_p99", "25ms", true, 25'000, false},
        {"max-p999", "1s", true, 1'000'000, false},
        {"max-p50", "750us", true, 750, false},
        {"max-latency", "2s", true, 2'000'000, false},
        {"max-loss", "0", true, 0, false},
        {"max-loss", "0.5%", true, 0.5, true},
        {"max-loss", "150%", false, 0, false},
        {"max-loss", "-1", false, 0, false},
        {"max-loss", "1.5", false, 0, false},
        {"max-dup", "3", true, 3, false},
        {"max-dup", "1%", false, 0, false},  // only loss takes a percentage
        {"min-conns", "9990", true, 9990, false},
        {"max-p99", "100", false, 0, false},  // a latency needs its unit
        {"max-p99", "fast", false, 0, false},
        {"max-p98", "100ms", false, 0, false},
        {"p99", "100ms", false, 0, false},
        {"", "1", false, 0, false},
    };
    for (const auto& r : rows) {
        INFO(r.name << " = " << r.value);
        threshold_set s;
        auto res = s.set(r.name, r.value);
        CHECK(res.ok() == r.ok);
        if (r.ok) {
            REQUIRE(s.items().size() == 1);
            CHECK(s.items()[0].limit == Approx(r.limit));
            CHECK(s.items()[0].percent == r.percent);
            CHECK(s.items()[0].text == r.value);
        } else {
            CHECK(s.items().empty());
        }
    }
}

TEST_CASE("an unknown threshold's error lists the known names", "[loadgen][thresholds]") {
    threshold_set s;
    auto r = s.set("max-p98", "1ms");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().find("unknown threshold 'max-p98'") != std::string::npos);
    CHECK(r.error().find("max-p99") != std::string::npos);
}

TEST_CASE("setting a threshold twice keeps the last limit", "[loadgen][thresholds]") {
    threshold_set s;
    REQUIRE(s.set("max-p99", "100ms").ok());
    REQUIRE(s.set("max_p99", "5ms").ok());
    REQUIRE(s.items().size() == 1);
    CHECK(s.items()[0].limit == 5000);
}

TEST_CASE("thresholds evaluate against the figures", "[loadgen][thresholds]") {
    threshold_inputs in;
    in.p50_us = 800;
    in.p90_us = 2'000;
    in.p99_us = 12'000;
    in.p999_us = 40'000;
    in.max_us = 90'000;
    in.expected = 10'000;
    in.lost = 5;
    in.duplicated = 0;
    in.out_of_order = 1;
    in.errors = 0;
    in.late = 2;
    in.conns = 9'999;

    struct row {
        const char* name;
        const char* value;
        bool ok;
    };
    const row rows[] = {
        {"max-p99", "100ms", true},  {"max-p99", "12ms", true},    {"max-p99", "11ms", false},
        {"max-p999", "40ms", true},  {"max-p999", "39ms", false},  {"max-p50", "1ms", true},
        {"max-p90", "1ms", false},   {"max-latency", "100ms", true}, {"max-latency", "50ms", false},
        {"max-loss", "0", false},    {"max-loss", "5", true},      {"max-loss", "0.05%", true},
        {"max-loss", "0.04%", false}, {"max-dup", "0", true},      {"max-reorder", "0", false},
        {"max-errors", "0", true},   {"max-late", "1", false},     {"min-conns", "9999", true},
        {"min-conns", "10000", false},
    };
    for (const auto& r : rows) {
        INFO(r.name << " = " << r.value);
        threshold_set s;
        REQUIRE(s.set(r.name, r.value).ok());
        auto results = s.evaluate(in);
        REQUIRE(results.size() == 1);
        CHECK(results[0].ok == r.ok);
        CHECK(results[0].name == r.name);
    }
}

TEST_CASE("loss as a percentage of nothing expected", "[loadgen][thresholds]") {
    threshold_set s;
    REQUIRE(s.set("max-loss", "1%").ok());
    threshold_inputs in;
    CHECK(s.evaluate(in)[0].ok);
    in.lost = 1;
    CHECK_FALSE(s.evaluate(in)[0].ok);
}

TEST_CASE("results come in the order set, named and formatted", "[loadgen][thresholds]") {
    threshold_set s;
    REQUIRE(s.set("max-p99", "1us").ok());
    REQUIRE(s.set("max-loss", "0").ok());
    threshold_inputs in;
    in.p99_us = 12'300;
    auto res = s.evaluate(in);
    REQUIRE(res.size() == 2);
    CHECK(res[0].name == "max-p99");
    CHECK(res[0].limit == "1us");
    CHECK(res[0].actual == "12.3ms");
    CHECK_FALSE(res[0].ok);
    CHECK(res[1].name == "max-loss");
    CHECK(res[1].ok);
}

TEST_CASE("threshold results carry both figures as numbers, with their unit", "[loadgen][thresholds]") {
    threshold_inputs in;
    in.p99_us = 4'380;
    in.expected = 1'000;
    in.lost = 5;
    in.conns = 42;
    struct row {
        const char* name;
        const char* value;
        const char* unit;
        double limit;
        double actual;
    };
    const row rows[] = {
        {"max-p99", "25ms", "us", 25'000, 4'380},
        {"max-loss", "1%", "pct", 1, 0.5},
        {"max-loss", "3", "count", 3, 5},
        {"min-conns", "40", "count", 40, 42},
    };
    for (const auto& r : rows) {
        INFO(r.name << " = " << r.value);
        threshold_set s;
        REQUIRE(s.set(r.name, r.value).ok());
        auto res = s.evaluate(in);
        REQUIRE(res.size() == 1);
        CHECK(std::string(res[0].unit) == r.unit);
        CHECK(res[0].limit_value == Approx(r.limit));
        CHECK(res[0].actual_value == Approx(r.actual));
    }
}

// Settings from flags and TOML scenarios: one setter, the same names, the same errors.
#include <catch2/catch.hpp>

#include "loadgen/config.hpp"
#include "loadgen/scenario_file.hpp"
#include "loadgen/subscriber_pool.hpp"

using namespace rt::loadgen;

TEST_CASE("settings parse their units", "[loadgen][config]") {
    loadgen_config c;
    REQUIRE(apply_setting(c, "conns", "10000").ok());
    REQUIRE(apply_setting(c, "rate", "1000/s").ok());
    REQUIRE(apply_setting(c, "duration", "30s").ok());
    REQUIRE(apply_setting(c, "warmup", "2s").ok());
    REQUIRE(apply_setting(c, "ramp", "2000/s").ok());
    REQUIRE(apply_setting(c, "payload", "200B").ok());
    REQUIRE(apply_setting(c, "source_ips", "4").ok());
    REQUIRE(apply_setting(c, "max-p99", "25ms").ok());
    CHECK(c.conns == 10000);
    CHECK(c.rate_per_s == 1000);
    CHECK(c.duration_us.count() == 30'000'000);
    CHECK(c.warmup_us.count() == 2'000'000);
    CHECK(c.ramp_per_s == 2000);
    CHECK(c.payload_bytes == 200);
    CHECK(c.source_ips == 4);
    CHECK(c.thresholds.has(threshold_kind::max_p99));
}

TEST_CASE("bad settings are rejected with their name", "[loadgen][config]") {
    struct row {
        const char* name;
        const char* value;
        const char* mentions;
    };
    const row rows[] = {
        {"conns", "ten", "conns"},
        {"conns", "-5", "conns"},
        {"rate", "fast", "rate"},
        {"duration", "30", "duration"},
        {"fanout", "some", "fanout"},
        {"payload", "1MiB", "payload"},
        {"url", "http://x/", "url"},
        {"threshold", "max-p99", "NAME=VALUE"},
        {"threshold", "max-p98=1ms", "unknown threshold"},
        {"max-p99", "1", "max-p99"},
        {"connections", "5", "unknown setting 'connections'"},
        {"throttle", "5ms", "throttle"},
        {"throttle", "soon", "throttle"},
        {"batch", "yes", "batch"},
    };
    for (const auto& r : rows) {
        INFO(r.name << " = " << r.value);
        loadgen_config c;
        auto res = apply_setting(c, r.name, r.value);
        REQUIRE_FALSE(res.ok());
        CHECK(res.error().find(r.mentions) != std::string::npos);
    }
}

TEST_CASE("finalize fills the automatic values", "[loadgen][config]") {
    SECTION("boards default to ten watchers each, publishers to 50/s each") {
        loadgen_config c;
        REQUIRE(apply_setting(c, "conns", "10000").ok());
        REQUIRE(apply_setting(c, "rate", "1000/s").ok());
        REQUIRE(finalize(c).ok());
        CHECK(c.boards == 1000);
        CHECK(c.publishers == 20);
        CHECK(c.source_ips == 1);
        REQUIRE(c.thresholds.has(threshold_kind::min_conns));
    }
    SECTION("broadcast has one board; 1/s needs one publisher") {
        loadgen_config c;
        REQUIRE(apply_setting(c, "fanout", "all").ok());
        REQUIRE(apply_setting(c, "rate", "1/s").ok());
        REQUIRE(finalize(c).ok());
        CHECK(c.mode == workload::broadcast);
        CHECK(c.boards == 1);
        CHECK(c.publishers == 1);
    }
    SECTION("past 20,000 connections another source address is used") {
        loadgen_config c;
        REQUIRE(apply_setting(c, "conns", "45000").ok());
        REQUIRE(finalize(c).ok());
        CHECK(c.source_ips == 3);
    }
    SECTION("source addresses need a loopback server") {
        loadgen_config c;
        REQUIRE(apply_setting(c, "url", "ws://10.0.0.5:8080/live").ok());
        REQUIRE(apply_setting(c, "source-ips", "2").ok());
        CHECK_FALSE(finalize(c).ok());
    }
    SECTION("a zero rate is refused") {
        loadgen_config c;
        REQUIRE(apply_setting(c, "rate", "0/s").ok());
        CHECK_FALSE(finalize(c).ok());
    }
    SECTION("an explicit min-conns is kept") {
        loadgen_config c;
        REQUIRE(apply_setting(c, "min-conns", "5").ok());
        REQUIRE(finalize(c).ok());
        CHECK(c.thresholds.items().size() == 1);
        CHECK(c.thresholds.items()[0].limit == 5);
    }
}

TEST_CASE("auto_publishers keeps each publisher under the server's rate limit", "[loadgen][config]") {
    CHECK(auto_publishers(1) == 1);
    CHECK(auto_publishers(50) == 1);
    CHECK(auto_publishers(51) == 2);
    CHECK(auto_publishers(1000) == 20);
    CHECK(auto_publishers(0) == 1);
}

TEST_CASE("a TOML scenario takes the same settings and a thresholds table", "[loadgen][config]") {
    loadgen_config c;
    auto r = apply_scenario_text(c, R"(
conns = 500
rate = "20/s"
duration = "3s"
fanout = "all"
payload = "1KiB"
quiet = true
[thresholds]
max_p99 = "100ms"
max-loss = 0
)",
                                 "x.toml");
    INFO((r.ok() ? "" : r.error()));
    REQUIRE(r.ok());
    CHECK(c.conns == 500);
    CHECK(c.rate_per_s == 20);
    CHECK(c.mode == workload::broadcast);
    CHECK(c.payload_bytes == 1024);
    CHECK(c.quiet);
    CHECK(c.thresholds.has(threshold_kind::max_p99));
    CHECK(c.thresholds.has(threshold_kind::max_loss));
}

TEST_CASE("scenario mistakes name the file and the key", "[loadgen][config]") {
    struct row {
        const char* text;
        const char* mentions;
    };
    const row rows[] = {
        {"conn = 5\n", "unknown setting 'conn'"},
        {"conns = \"many\"\n", "conns"},
        {"conns = [1, 2]\n", "x.toml: conns"},
        {"[thresholds]\nmax_p98 = \"1ms\"\n", "unknown threshold 'max_p98'"},
        {"thresholds = 5\n", "thresholds"},
        {"conns = 5\nconns = 6\n", "x.toml:2:"},
        {"rate = \n", "x.toml:1:"},
    };
    for (const auto& r : rows) {
        INFO(r.text);
        loadgen_config c;
        auto res = apply_scenario_text(c, r.text, "x.toml");
        REQUIRE_FALSE(res.ok());
        CHECK(res.error().find(r.mentions) != std::string::npos);
    }
}

TEST_CASE("a missing scenario file is an error", "[loadgen][config]") {
    loadgen_config c;
    auto r = apply_scenario_file(c, "/nonexistent/x.toml");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().find("/nonexistent/x.toml") != std::string::npos);
}

TEST_CASE("subscribe messages per workload", "[loadgen][config]") {
    loadgen_config c;
    CHECK(subscriber_pool::subscribe_text(c, 7) ==
          R"({"id":"s","type":"subscribe","subscription":"TaskUpdates","filter":{"board":"b7"}})");
    c.mode = workload::broadcast;
    CHECK(subscriber_pool::subscribe_text(c, 0) == R"({"id":"s","type":"subscribe","subscription":"AllTasks"})");
}

TEST_CASE("throttle and batch go into every subscribe, and batch needs a throttle and WebSocket", "[loadgen][config][throttle]") {
    loadgen_config c;
    REQUIRE(apply_setting(c, "throttle", "100ms").ok());
    REQUIRE(apply_setting(c, "batch", "true").ok());
    CHECK(c.coalesced());
    CHECK(subscriber_pool::subscribe_text(c, 7) ==
          R"({"id":"s","type":"subscribe","subscription":"TaskUpdates","filter":{"board":"b7"},"throttle":"100ms","batch":true})");
    CHECK(finalize(c).ok());
    loadgen_config no_window;
    REQUIRE(apply_setting(no_window, "batch", "true").ok());
    auto r = finalize(no_window);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error(), Catch::Contains("batch: needs throttle"));
    loadgen_config sse = c;
    REQUIRE(apply_setting(sse, "transport", "sse").ok());
    r = finalize(sse);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error(), Catch::Contains("SSE has no batched form"));
}

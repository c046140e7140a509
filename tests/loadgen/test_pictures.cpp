// The per-second series (JSON `series`), the HTML report (--report) and the hgrm file (--hgrm):
// pure rendering from a made-up report, and black-box against a real `rt serve`.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/text_count.hpp"

#include "loadgen/html_report.hpp"
#include "support/rt_process.hpp"

using namespace rt::test;
using namespace rt::loadgen;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::string pictures_read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

loadgen_report pictures_report() {
    loadgen_report r;
    r.workload = "boards";
    r.conns_asked = 100;
    r.conns_subscribed = 100;
    r.url = "ws://127.0.0.1:1/live";
    r.warmup_s = 1;
    r.publish_start_s = 0.5;
    for (int i = 1; i <= 4; ++i) {
        series_point p;
        p.t_s = i;
        p.interval_s = 1;
        p.phase = i == 1 ? "ramp" : "publish";
        p.latency_count = i == 1 ? 0 : 100;
        p.p50_us = 1000 * i;
        p.p99_us = 3000 * i;
        p.max_us = 5000 * i;
        p.conns_open = 100;
        p.deliveries_per_s = 100;
        p.publishes_per_s = 10;
        r.series.push_back(p);
    }
    for (int v = 1; v <= 1000; ++v) r.latency_us.record(v * 10);
    return r;
}

}  // namespace

TEST_CASE("loadgen html: five charts, thresholds drawn, phases and warm-up marked", "[loadgen][report]") {
    loadgen_report r = pictures_report();
    threshold_set t;
    REQUIRE(t.set("max-p99", "10ms"));
    REQUIRE(t.set("max-loss", "0"));
    REQUIRE(t.set("min-conns", "100"));
    apply_thresholds(r, t);
    const std::string html = to_html(r, t, {"rt loadgen --conns 100 --report a.html", "2026-12-01 02:30:00 UTC"});
    CHECK(rt::test::count_occurrences(html, "<svg ") == 5);
    for (const char* id : {"latency-over-time", "percentile-spectrum", "connections", "deliveries", "publishes"}) {
        INFO(id);
        CHECK(html.find(std::string("id=\"") + id + "\"") != std::string::npos);
    }
    CHECK(rt::test::count_occurrences(html, "max-p99 10ms") == 2);  // over time and on the spectrum
    CHECK(html.find("min-conns 100") != std::string::npos);
    CHECK(html.find(">warm-up<") != std::string::npos);
    CHECK(html.find(">publish<") != std::string::npos);  // the phase mark
    CHECK(html.find("rt loadgen --conns 100 --report a.html") != std::string::npos);
    CHECK(html.find("2026-12-01 02:30:00 UTC") != std::string::npos);
    // The latency lines skip the ramp second, which had no delivery: 3 points each.
    CHECK(html.find("data-name=\"p99\" d=\"M") != std::string::npos);
    CHECK(rt::test::count_occurrences(html, "verdict pass") == 1);
}

TEST_CASE("loadgen html: a breached threshold makes the page say FAIL and why", "[loadgen][report]") {
    loadgen_report r = pictures_report();
    threshold_set t;
    REQUIRE(t.set("max-p99", "1ms"));
    apply_thresholds(r, t);
    REQUIRE_FALSE(r.ok);
    const std::string html = to_html(r, t, {"rt loadgen", "today"});
    CHECK(html.find("verdict fail") != std::string::npos);
    CHECK(html.find("FAIL: max-p99") != std::string::npos);
}

TEST_CASE("loadgen: --json series, --report and --hgrm from a real run", "[loadgen][integration][report]") {
    rt_server srv;
    const std::string json_path = temp_path("pictures.json");
    const std::string html_path = temp_path("pictures.html");
    const std::string hgrm_path = temp_path("pictures.hgrm");
    // The threshold gives the report a verdict; its value is no claim (ASan: p99 932 ms once).
    const std::string max_p99 = built_with_asan() ? "5s" : "500ms";
    auto r = run_rt({"loadgen", "--url", srv.ws_url(), "--conns", "100", "--rate", "50/s", "--duration", "3s",
                     "--max-p99", max_p99, "--quiet", "--json", json_path, "--report", html_path, "--hgrm", hgrm_path},
                    60s);
    INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
    REQUIRE(r.exit_code == 0);

    json j = json::parse(pictures_read_file(json_path), nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    const json& series = j["series"];
    REQUIRE(series.is_array());
    CHECK(series.size() >= 3);  // 3 s of publishing at least, plus the ramp and the drain
    std::uint64_t latencies = 0;
    double deliveries = 0, publishes = 0;
    std::int64_t most_open = 0;
    bool saw_publish = false;
    for (const auto& p : series) {
        latencies += p["latency_count"].get<std::uint64_t>();
        deliveries += p["deliveries_per_s"].get<double>() * p["interval_s"].get<double>();
        publishes += p["publishes_per_s"].get<double>() * p["interval_s"].get<double>();
        most_open = std::max(most_open, p["conns_open"].get<std::int64_t>());
        saw_publish = saw_publish || p["phase"] == "publish";
        CHECK(p["p50_us"].get<std::int64_t>() <= p["p99_us"].get<std::int64_t>());
        CHECK(p["p99_us"].get<std::int64_t>() <= p["max_us"].get<std::int64_t>());
        CHECK(p["errors"] == 0);
    }
    CHECK(saw_publish);
    CHECK(most_open == 100);
    // Every delivery falls in exactly one second: the series adds up to the totals.
    const auto delivered = j["deliveries"]["delivered"].get<double>();
    CHECK(deliveries == Approx(delivered).margin(1));
    CHECK(publishes == Approx(j["publish"]["sent"].get<double>()).margin(1));
    CHECK(latencies == j["latency_us"]["count"].get<std::uint64_t>());

    const std::string html = pictures_read_file(html_path);
    CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(rt::test::count_occurrences(html, "<svg ") == 5);
    CHECK(rt::test::count_occurrences(html, "<path class=\"series\"") >= 7);
    CHECK(html.find("--report") != std::string::npos);  // the command line in the title block

    const std::string hgrm = pictures_read_file(hgrm_path);
    CHECK(hgrm.rfind("       Value     Percentile TotalCount 1/(1-Percentile)\n\n", 0) == 0);
    CHECK(hgrm.find("#[Buckets =           16, SubBuckets     =         2048]") != std::string::npos);
    CHECK(hgrm.find(" 1.000000000000 ") != std::string::npos);  // the 100% line
}

// Black-box: `rt loadgen --transport sse` against a real `rt serve` on port 0 (helpdesk, a spec
// other than the kanban demo): every event exactly once over GET /sse streams, churned
// connections resumed through Last-Event-ID, and the same over TLS (https:// for a wss:// URL).
#include <catch2/catch.hpp>

#include <string>

#include <nlohmann/json.hpp>

#include "loadgen_report.hpp"
#include "support/rt_process.hpp"
#include "support/tls_certs.hpp"

using namespace rt::test;
using namespace std::chrono_literals;

namespace {

std::string sse_helpdesk_spec() { return std::string(RT_SOURCE_DIR) + "/scenarios/helpdesk.spec"; }

// Runs `rt loadgen --transport sse ARGS... --json - --quiet`; the report, once it exited 0.
nlohmann::json sse_loadgen_run(std::vector<std::string> args) {
    std::vector<std::string> all = {"loadgen", "--transport", "sse", "--spec", "server", "--max-loss", "0", "--max-dup", "0"};
    all.insert(all.end(), args.begin(), args.end());
    for (const char* a : {"--json", "-", "--quiet"}) all.push_back(a);
    auto r = run_rt(all, 60s);
    INFO(run_output(r));
    return require_json_report(r);
}

}  // namespace

TEST_CASE("loadgen --transport sse: helpdesk over GET /sse, churned streams resumed by Last-Event-ID, exactly once",
          "[loadgen][integration][sse]") {
    rt_server srv({}, sse_helpdesk_spec());
    // 50 connections, 5 teams; 600%/min churns one connection every 200 ms: ~10 reconnects in 2 s.
    auto j = sse_loadgen_run({"--url", srv.ws_url(), "--conns", "50", "--filter-values", "5", "--rate", "50/s",
                              "--duration", "2s", "--churn", "600%/min"});
    INFO(j.dump(2));
    CHECK(j["config"]["transport"] == "sse");
    CHECK(j["connections"]["subscribed"] == 50);
    check_exactly_once(j, 100 * 10);  // 100 events, each to the 10 connections of its team
    CHECK(j["deliveries"]["unparsed"] == 0);
    CHECK(j["churn"]["reconnects"].get<int>() >= 5);
    CHECK(j["churn"]["recovered"] == j["churn"]["reconnects"]);  // within the replay buffer: all resumed
    CHECK(j["churn"]["failed"] == 0);
    CHECK(j["latency_us"]["count"] == 1000);
}

TEST_CASE("loadgen --transport sse over TLS: https:// streams verified with --ca, every event delivered",
          "[loadgen][integration][sse][tls]") {
    const auto& c = tls_certs();
    rt_server srv({"--tls-cert", c.cert, "--tls-key", c.key}, sse_helpdesk_spec());
    const std::string url = "wss://127.0.0.1:" + std::to_string(srv.port()) + "/live";
    auto j = sse_loadgen_run({"--url", url, "--ca", c.ca, "--conns", "20", "--rate", "20/s", "--duration", "1s"});
    CHECK(j["connections"]["subscribed"] == 20);
    CHECK(j["deliveries"]["lost"] == 0);
    CHECK(j["deliveries"]["delivered"].get<int>() > 0);
}

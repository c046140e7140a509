// Black-box: `rt loadgen --workers N` and `--url A --url B` against real `rt serve` processes on
// ephemeral loopback ports.
#include <catch2/catch.hpp>

#include <signal.h>

#include <fstream>
#include <iterator>
#include <regex>

#include <nlohmann/json.hpp>

#include "loadgen_report.hpp"
#include "support/rt_process.hpp"

using namespace rt::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

TEST_CASE("loadgen: two workers, one merged report with both shares and nothing lost",
          "[loadgen][integration][workers]") {
    rt_server srv;
    auto r = run_rt({"loadgen", "--url", srv.ws_url(), "--workers", "2", "--conns", "200", "--rate", "50/s",
                     "--duration", "2s", "--max-loss", "0", "--max-dup", "0", "--json", "-", "--quiet"},
                    60s);
    INFO(run_output(r));
    json j = require_json_report(r);  // one report, not one per worker
    CHECK(j["config"]["workers"] == 2);
    REQUIRE(j["workers"].size() == 2);
    CHECK(j["workers"][0]["conns_subscribed"] == 100);
    CHECK(j["workers"][1]["conns_subscribed"] == 100);
    CHECK(j["workers"][0]["pid"] != j["workers"][1]["pid"]);
    CHECK(j["connections"]["subscribed"] == 200);
    CHECK(j["publish"]["sent"] == 100);
    CHECK(j["publish"]["acked"] == 100);
    // 100 events, each to the 10 connections of its board, whichever worker holds them.
    check_exactly_once(j, 1000);
    CHECK(j["latency_us"]["count"] == 1000);  // both workers' samples in one histogram
    // Each worker bound addresses of its own.
    const auto& addrs = j["config"]["source_addresses"];
    REQUIRE(addrs.size() == 2);
    CHECK(addrs[0] != addrs[1]);
    CHECK(r.err.find("2 workers connected, 200/200 subscribed") != std::string::npos);
    CHECK(r.err.find("w1 ") != std::string::npos);  // the workers' lines, relayed
    CHECK(r.err.find("PASS") != std::string::npos);
}

TEST_CASE("loadgen: a worker that dies fails the run, naming it", "[loadgen][integration][workers]") {
    rt_server srv;
    rt_process lg({"loadgen", "--url", srv.ws_url(), "--workers", "2", "--conns", "100", "--rate", "20/s",
                   "--duration", "30s", "--max-loss", "0"});
    REQUIRE(lg.wait_for_output("workers connected", 30s));
    std::smatch m;
    const std::string err = lg.err();
    REQUIRE(std::regex_search(err, m, std::regex(R"(started 2 workers \(pids (\d+), (\d+)\))")));
    const int victim = std::stoi(m[2]);
    REQUIRE(::kill(victim, SIGKILL) == 0);
    const auto code = lg.wait_exit(30s);  // the other worker is told to stop: within ~2 s
    lg.join_output();
    INFO("stdout:\n" << lg.out() << "\nstderr:\n" << lg.err());
    REQUIRE(code.has_value());
    CHECK(*code == 1);
    CHECK(lg.err().find("rt loadgen: error: worker 1 (pid " + std::to_string(victim) + ") was killed by signal 9") !=
          std::string::npos);
    CHECK(lg.out().find("PASS") == std::string::npos);
}

TEST_CASE("loadgen: two independent nodes, publish-to same, per-node figures", "[loadgen][integration][workers]") {
    rt_server a, b;
    const std::string html_path = temp_path("two-nodes.html");
    auto r = run_rt({"loadgen", "--url", a.ws_url(), "--url", b.ws_url(), "--publish-to", "same", "--conns", "200",
                     "--rate", "50/s", "--duration", "1s", "--max-loss", "0", "--json", "-", "--quiet", "--report",
                     html_path},
                    60s);
    INFO(run_output(r));
    json j = require_json_report(r);
    CHECK(j["config"]["publish_to"] == "same");
    REQUIRE(j["nodes"].size() == 2);
    std::uint64_t delivered = 0, sent = 0;
    for (int n = 0; n < 2; ++n) {
        const json& node = j["nodes"][n];
        INFO("node " << n);
        CHECK(node["url"] == (n == 0 ? a.ws_url() : b.ws_url()));
        CHECK(node["conns"]["subscribed"] == 100);  // 20 boards, 10 each on the node of its board
        CHECK(node["publish"]["sent"].get<std::uint64_t>() > 0);
        CHECK(node["publish"]["acked"] == node["publish"]["sent"]);
        CHECK(node["deliveries"]["lost"] == 0);
        CHECK(node["deliveries"]["delivered"] == node["deliveries"]["expected"]);
        CHECK(node["latency_us"]["count"] == node["deliveries"]["delivered"]);
        delivered += node["deliveries"]["delivered"].get<std::uint64_t>();
        sent += node["publish"]["sent"].get<std::uint64_t>();
    }
    CHECK(sent == 50);
    CHECK(delivered == 500);
    CHECK(j["deliveries"]["delivered"] == 500);
    CHECK(r.err.find("node 2") != std::string::npos);  // the table's per-node lines
    std::ifstream html(html_path);
    const std::string page((std::istreambuf_iterator<char>(html)), std::istreambuf_iterator<char>());
    CHECK(page.find("<h2>Nodes (publish-to same)</h2>") != std::string::npos);
    CHECK(page.find(b.ws_url()) != std::string::npos);
}

TEST_CASE("loadgen: publish-to any across two names of one server, with workers: every stream on both, nothing lost",
          "[loadgen][integration][workers]") {
    // One server under two URLs stands for nodes that share every stream (what rt serve --broker
    // promises): each stream's subscribers sit on both "nodes", the publishes alternate between
    // them, so most events reach subscribers through another node than the one they were sent to.
    rt_server srv;
    const std::string other = srv.ws_url("via=2");
    auto r = run_rt({"loadgen", "--url", srv.ws_url(), "--url", other, "--workers", "2", "--conns", "200", "--rate",
                     "50/s", "--duration", "1s", "--max-loss", "0", "--max-dup", "0", "--json", "-", "--quiet"},
                    60s);
    INFO(run_output(r));
    json j = require_json_report(r);
    CHECK(j["config"]["publish_to"] == "any");
    REQUIRE(j["nodes"].size() == 2);
    for (int n = 0; n < 2; ++n) {
        INFO("node " << n);
        CHECK(j["nodes"][n]["conns"]["subscribed"] == 100);
        CHECK(j["nodes"][n]["publish"]["sent"] == 25);  // every other publish
        CHECK(j["nodes"][n]["deliveries"]["expected"] == 250);  // each event: 5 of its 10 subscribers here
        CHECK(j["nodes"][n]["deliveries"]["lost"] == 0);
    }
    CHECK(j["deliveries"]["delivered"] == 500);
    CHECK(j["deliveries"]["out_of_order"] == 0);
}

// Black-box: `rt loadgen --spec` on apps other than the kanban demo (helpdesk, inventory), against
// a real `rt serve` of the same spec: exactly-once deliveries, the printed choice, clear refusals.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "loadgen_report.hpp"
#include "support/rt_process.hpp"

using namespace rt::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::string spec_workload_example(const std::string& name) { return std::string(RT_SOURCE_DIR) + "/scenarios/" + name; }

// Runs loadgen with `args` (plus --json - --quiet) and returns the parsed report; the test fails
// unless it exits 0.
json spec_workload_run(const std::vector<std::string>& args, run_result& r) {
    std::vector<std::string> all = {"loadgen"};
    all.insert(all.end(), args.begin(), args.end());
    for (const char* a : {"--json", "-", "--quiet"}) all.push_back(a);
    r = run_rt(all, 60s);
    INFO(run_output(r));
    return require_json_report(r);
}

void spec_workload_exactly_once(const json& j, std::uint64_t expected) {
    INFO(j.dump(2));
    check_exactly_once(j, expected);
    CHECK(j["publish"]["errors"] == 0);
}

}  // namespace

TEST_CASE("loadgen --spec helpdesk: the default workload is chosen, printed and delivered exactly once",
          "[loadgen][integration][spec]") {
    const std::string spec = spec_workload_example("helpdesk.spec");
    rt_server srv({}, spec);
    run_result r;
    json j = spec_workload_run({"--url", srv.ws_url(), "--spec", spec, "--conns", "200", "--rate", "50/s",
                                "--duration", "2s", "--max-loss", "0", "--max-dup", "0"},
                               r);
    CHECK(r.err.find("rt loadgen: workload: subscription TeamQueue (view Open of Ticket) filtered by team over 20 "
                     "values; publishers change Ticket.subject (mix insert=0,update=100,delete=0)") != std::string::npos);
    CHECK(j["config"]["workload"] == "spec");
    CHECK(j["config"]["workload_plan"]["subscription"] == "TeamQueue");
    CHECK(j["config"]["workload_plan"]["filter_attr"] == "team");
    CHECK(j["config"]["workload_plan"]["filter_values"] == 20);
    CHECK(j["connections"]["subscribed"] == 200);
    spec_workload_exactly_once(j, 100 * 10);  // 100 events, each to the 10 connections of its team
    CHECK(j["latency_us"]["count"] == 1000);
}

TEST_CASE("loadgen --spec server: inventory fetched over GET /api/_spec, inserts, updates and deletes",
          "[loadgen][integration][spec]") {
    rt_server srv({}, spec_workload_example("inventory.spec"));
    run_result r;
    json j = spec_workload_run({"--url", srv.ws_url(), "--spec", "server", "--subscription", "Shelf", "--filter-attr",
                                "warehouse", "--filter-values", "10", "--mix", "insert=40,update=30,delete=30",
                                "--conns", "100", "--rate", "40/s", "--duration", "2s", "--payload", "300B"},
                               r);
    CHECK(r.err.find("subscription Shelf (view Sellable of Item) filtered by warehouse over 10 values; publishers "
                     "change Item.sku (mix insert=40,update=30,delete=30)") != std::string::npos);
    CHECK(j["config"]["workload_plan"]["mix"]["delete"] == 30);
    spec_workload_exactly_once(j, 80 * 10);
    // Deletes carry the row as it was (an older publish's times): delivered, not timed.
    CHECK(j["latency_us"]["count"].get<std::uint64_t>() > 0);
    CHECK(j["latency_us"]["count"].get<std::uint64_t>() < 800);

    // The run leaves the store as it found it: its long-lived rows and the inserts it did not
    // delete are deleted at the end.
    auto rows = http_request(srv.port(), "GET", "/api/Item?limit=1000");
    REQUIRE(rows.status == 200);
    json items = json::parse(rows.body, nullptr, false);
    REQUIRE(items.is_array());
    CHECK(items.empty());
}

TEST_CASE("loadgen --spec: by-id streams (helpdesk TicketDetail) and the kanban example files",
          "[loadgen][integration][spec]") {
    const std::string helpdesk = spec_workload_example("helpdesk.spec");
    rt_server srv({}, helpdesk);
    run_result r;
    json j = spec_workload_run({"--url", srv.ws_url(), "--spec", helpdesk, "--subscription", "TicketDetail",
                                "--conns", "50", "--rate", "20/s", "--duration", "1s"},
                               r);
    CHECK(j["config"]["workload_plan"]["filter_attr"] == "id");
    CHECK(j["config"]["boards"] == 5);
    spec_workload_exactly_once(j, 20 * 10);

    // The kanban workloads as files: a spec workload on kanban.spec, scaled down by flags.
    rt_server kanban;
    for (const char* file : {"kanban-boards.toml", "kanban-broadcast.toml"}) {
        INFO(file);
        const bool boards = std::string(file) == "kanban-boards.toml";
        std::vector<std::string> args = {"--url", kanban.ws_url(), "--scenario", spec_workload_example(file), "--conns",
                                         "40", "--rate", "20/s", "--duration", "1s", "--warmup", "0s", "--max-p99", "5s"};
        if (boards) args.insert(args.end(), {"--filter-values", "4"});  // 10 connections per board
        json k = spec_workload_run(args, r);
        CHECK(k["config"]["workload"] == "spec");
        CHECK(k["config"]["workload_plan"]["subscription"] == (boards ? "TaskUpdates" : "AllTasks"));
        CHECK(k["config"]["workload_plan"]["filter_attr"] == (boards ? json("board") : json()));
        spec_workload_exactly_once(k, boards ? 20 * 10 : 20 * 40);
    }
}

TEST_CASE("loadgen --spec: what cannot be driven is refused with exit 2 and a clear message",
          "[loadgen][spec]") {
    const std::string helpdesk = spec_workload_example("helpdesk.spec");
    const std::string counters = temp_path("counters.spec");
    {
        std::ofstream out(counters);
        out << "app Counters {\n  entity Counter { attr n: int attr on: bool }\n  subscription Counts: Counter\n}\n";
    }
    struct row {
        std::vector<std::string> args;
        const char* mentions;
    };
    const std::vector<row> rows = {
        {{"--spec", helpdesk, "--subscription", "TeamQueue", "--filter-attr", "board"},
         "subscription TeamQueue has no filterable attribute 'board'; its entity Ticket has: id, subject: string"},
        {{"--spec", helpdesk, "--subscription", "Nope"}, "no subscription named 'Nope' in spec Helpdesk; it has: TeamQueue, "},
        {{"--spec", helpdesk, "--entity", "Agent", "--subscription", "TeamQueue"}, "carries Ticket rows, not Agent"},
        {{"--spec", counters}, "cannot drive spec Counters: no subscription can be loaded (Counts: entity Counter has no "
                               "string attribute"},
        {{"--spec", helpdesk, "--boards", "5"}, "boards and fanout are the kanban demo's settings"},
        {{"--subscription", "TeamQueue"}, "need spec"},
        {{"--spec", helpdesk, "--mix", "insert=50"}, "mix: the parts must add up to 100"},
        {{"--spec", "/nonexistent/app.spec"}, "cannot read spec file"},
    };
    for (const row& rw : rows) {
        std::vector<std::string> args = {"loadgen", "--url", "ws://127.0.0.1:1/live", "--conns", "10"};
        args.insert(args.end(), rw.args.begin(), rw.args.end());
        auto r = run_rt(args, 10s);
        INFO(rw.mentions << "\nstderr: " << r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find(rw.mentions) != std::string::npos);
    }
    // --spec server with nobody there: a runtime failure (exit 1) naming the endpoint.
    auto r = run_rt({"loadgen", "--url", "ws://127.0.0.1:1/live", "--spec", "server"}, 10s);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("cannot fetch the spec from http://127.0.0.1:1/api/_spec") != std::string::npos);
}

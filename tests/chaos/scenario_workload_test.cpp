// Chaos scenarios on apps other than the kanban demo: how a scenario's keys become a spec
// workload (pure), and `rt partition run` on the helpdesk and inventory specs end to end.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "chaos/scenario.hpp"
#include "chaos/scenario_workload.hpp"
#include "report_checks.hpp"
#include "support/rt_process.hpp"
#include "support/spec_fixtures.hpp"

using namespace rt::chaos;
using namespace rt::test;
using namespace std::chrono_literals;

namespace {

scenario chaos_workload_scenario(const std::string& text) {
    auto sc = parse_scenario_text(text, "w.toml", "scenarios");
    INFO((sc ? std::string() : sc.error()));
    REQUIRE(sc.ok());
    return std::move(sc).value();
}

// Writes a scenario for `spec` (a file under scenarios/) with the given workload keys, and runs it.
run_result chaos_workload_run(const std::string& name, const std::string& spec, const std::string& keys,
                              const std::string& json_path) {
    const std::string path = temp_path(name + ".toml");
    {
        std::ofstream out(path);
        out << "spec = \"" << RT_SOURCE_DIR << "/scenarios/" << spec << "\"\n"
            << "server_args = [\"--ping-interval\", \"1s\", \"--pong-timeout\", \"500ms\", \"--log-level\", \"warn\"]\n"
            << "subscribers = 40\nrate = \"20/s\"\nduration = \"4s\"\ntimeline = \"1s reset; 2s blackhole; 3s heal\"\n"
            << "drain_timeout = \"10s\"\n" << keys << "\n[expect]\nmin_reconnects = 40\n";
    }
    return run_rt({"partition", "run", path, "--json", json_path}, 60s);
}

nlohmann::json chaos_workload_json(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return nlohmann::json::parse(ss.str(), nullptr, false);
}

void chaos_workload_clean(const nlohmann::json& j) {
    INFO(j.dump(2));
    check_report_passed_exactly_once(j);
    CHECK(j["publisher"]["acked"].get<int>() > 0);
    CHECK(j["publisher"]["refused"] == 0);
}

}  // namespace

TEST_CASE("scenario workload: keys and their older spellings become a plan", "[chaos][scenario][spec]") {
    // The kanban scenarios' `filter = "board"` keeps their streams: TaskUpdates by board.
    auto legacy = plan_scenario_workload(chaos_workload_scenario("boards = 4\nfilter = \"board\"\n"), kanban_app());
    REQUIRE(legacy.ok());
    CHECK(legacy->plan.subscription == "TaskUpdates");
    CHECK(legacy->plan.filter_attr == "board");
    CHECK(legacy->plan.groups == 4);
    CHECK(legacy->plan.vary_attr == "title");
    CHECK(legacy->row_groups == 4);
    CHECK(legacy->rows_per_group == 2);

    // Unfiltered: one stream, `boards` groups of rows in it.
    auto all = plan_scenario_workload(chaos_workload_scenario("boards = 3\nfilter = \"none\"\n"), kanban_app());
    REQUIRE(all.ok());
    CHECK(all->plan.groups == 1);
    CHECK(all->row_groups == 3);
    CHECK(all->stream_of(2) == 0);

    // Another app: chosen from its spec, or as named.
    auto helpdesk = plan_scenario_workload(chaos_workload_scenario(""), helpdesk_app());
    REQUIRE(helpdesk.ok());
    CHECK(helpdesk->plan.subscription == "TeamQueue");
    CHECK(helpdesk->plan.filter_attr == "team");
    CHECK(helpdesk->plan.groups == 10);
    auto by_id = plan_scenario_workload(
        chaos_workload_scenario("subscription = \"ItemPage\"\nfilter_values = 6\ntasks_per_board = 3\n"), inventory_app());
    REQUIRE(by_id.ok());
    CHECK(by_id->plan.by_id());
    CHECK(by_id->row_groups == 6);
    CHECK(by_id->rows_per_group == 1);  // a by-id stream is one row

    // The demo's `filter = "board"` on an app without boards says what it has.
    auto no_board = plan_scenario_workload(chaos_workload_scenario("filter = \"board\"\n"), helpdesk_app());
    REQUIRE_FALSE(no_board.ok());
    CHECK(no_board.error().find("subscription TeamQueue has no filterable attribute 'board'; its entity Ticket has:") !=
          std::string::npos);

    // Two names for one thing are refused.
    for (const char* both : {"filter = \"board\"\nfilter_attr = \"team\"\n", "boards = 3\nfilter_values = 3\n"}) {
        INFO(both);
        auto sc = parse_scenario_text(both, "w.toml", "scenarios");
        REQUIRE_FALSE(sc.ok());
        CHECK(sc.error().find("w.toml: ") == 0);
    }
}

TEST_CASE("partition run on helpdesk: team queues through resets and a blackhole, exactly once",
          "[chaos][scenario][spec][slow]") {
    const std::string json_path = temp_path("helpdesk-chaos.json");
    auto r = chaos_workload_run("helpdesk-chaos", "helpdesk.spec",
                                "subscription = \"TeamQueue\"\nfilter_attr = \"team\"\nfilter_values = 4\n", json_path);
    INFO(r.out);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("workload: subscription TeamQueue (view Open of Ticket) filtered by team over 4 values"));
    auto j = chaos_workload_json(json_path);
    chaos_workload_clean(j);
    CHECK(j["streams"] == 4);
    CHECK(j["workload"]["filter_attr"] == "team");
}

TEST_CASE("partition run on inventory: item pages by id, exactly once", "[chaos][scenario][spec][slow]") {
    const std::string json_path = temp_path("inventory-chaos.json");
    auto r = chaos_workload_run("inventory-chaos", "inventory.spec",
                                "subscription = \"ItemPage\"\nfilter_values = 5\nvary = \"label\"\n", json_path);
    INFO(r.out);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("subscription ItemPage (Item by id) by id over 5 rows; publishers change Item.label"));
    auto j = chaos_workload_json(json_path);
    chaos_workload_clean(j);
    CHECK(j["streams"] == 5);
}

TEST_CASE("partition run: a spec the workload cannot be planned on exits 2 and says why", "[chaos][scenario][spec]") {
    const std::string spec = temp_path("chaos-counters.spec");
    std::ofstream(spec) << "app Counters {\n  entity Counter { attr n: int }\n  subscription Counts: Counter\n}\n";
    const std::string sc = temp_path("chaos-counters.toml");
    std::ofstream(sc) << "spec = \"" << spec << "\"\nsubscribers = 1\nduration = \"1s\"\n";
    auto r = run_rt({"partition", "run", sc}, 20s);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("cannot drive spec " + spec + ": cannot drive spec Counters"));
    CHECK_THAT(r.err, Catch::Contains("entity Counter has no string attribute"));

    const std::string named = temp_path("chaos-named.toml");
    std::ofstream(named) << "spec = \"" << RT_SOURCE_DIR << "/scenarios/helpdesk.spec\"\nsubscription = \"Tasks\"\n";
    auto n = run_rt({"partition", "run", named}, 20s);
    CHECK(n.exit_code == 2);
    CHECK_THAT(n.err, Catch::Contains("no subscription named 'Tasks' in spec Helpdesk; it has: TeamQueue"));
}

TEST_CASE("partition run against an external helpdesk target reads its spec from GET /api/_spec",
          "[chaos][scenario][spec][slow]") {
    rt_server target({}, std::string(RT_SOURCE_DIR) + "/scenarios/helpdesk.spec");
    const std::string path = temp_path("helpdesk-target.toml");  // no spec file beside it
    std::ofstream(path) << "target = \"" << target.ws_url() << "\"\nsubscribers = 20\nrate = \"20/s\"\n"
                        << "duration = \"3s\"\ntimeline = \"1s reset; 2s heal\"\nfilter_values = 3\n";
    const std::string json_path = temp_path("helpdesk-target.json");
    auto r = run_rt({"partition", "run", path, "--json", json_path}, 60s);
    INFO(r.out);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("workload: subscription TeamQueue (view Open of Ticket) filtered by team over 3 values"));
    auto j = chaos_workload_json(json_path);
    chaos_workload_clean(j);
    CHECK(j["streams"] == 3);
}

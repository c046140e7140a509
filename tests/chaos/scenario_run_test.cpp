// Black-box: `rt partition run` against a real `rt serve` it starts itself.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "report_checks.hpp"
#include "support/rt_process.hpp"

using namespace rt::test;
using namespace std::chrono_literals;

namespace {

std::string scenario_path(const std::string& name) { return std::string(RT_SOURCE_DIR) + "/scenarios/" + name + ".toml"; }

nlohmann::json read_json(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return nlohmann::json::parse(ss.str(), nullptr, false);
}

}  // namespace

TEST_CASE("partition run: short blackhole with 100 subscribers has zero violations", "[chaos][scenario][slow]") {
    const std::string json_path = temp_path("blackhole.json");
    auto r = run_rt({"partition", "run", scenario_path("blackhole-short"), "--subscribers", "100", "--json", json_path},
                    40s);
    INFO(r.out);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("result        PASS"));
    auto j = read_json(json_path);
    check_report_passed_exactly_once(j);
    CHECK(j["subscribers"] == 100);
    CHECK(j["resynced"] == 0);                      // inside the window: every subscriber resumed
    CHECK(j["resumed"].get<int>() >= 100);          // the heartbeat cut each half-open connection
    CHECK(j["delivery"]["totals"]["replayed"].get<int>() > 0);
    CHECK(j["reconnect_time_us"]["count"].get<int>() >= 100);
    CHECK(j["publisher"]["acked"].get<int>() > 0);
}

TEST_CASE("partition run: usage and scenario errors exit 2", "[chaos][scenario]") {
    const std::string bad = temp_path("bad.toml");
    {
        std::ofstream out(bad);
        out << "subscribers = 10\nrate = \"fast\"\n";
    }
    auto r = run_rt({"partition", "run", bad}, 10s);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(bad + ":2: rate: "));

    auto missing = run_rt({"partition", "run", temp_path("missing.toml")}, 10s);
    CHECK(missing.exit_code == 2);
    CHECK_THAT(missing.err, Catch::Contains("cannot read scenario file"));

    auto upstream = run_rt({"partition", "run", scenario_path("server-restart"), "--upstream", "127.0.0.1:1"}, 10s);
    CHECK(upstream.exit_code == 2);
    CHECK_THAT(upstream.err, Catch::Contains("kills or restarts the server"));

    auto no_file = run_rt({"partition", "run"}, 10s);
    CHECK(no_file.exit_code == 2);
}

TEST_CASE("partition run: a server that cannot start is a runtime failure", "[chaos][scenario]") {
    const std::string sc = temp_path("nospec.toml");
    {
        std::ofstream out(sc);
        out << "spec = \"/nonexistent/app.spec\"\nsubscribers = 1\nduration = \"1s\"\n";
    }
    auto r = run_rt({"partition", "run", sc}, 20s);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("cannot start rt serve"));
}

#pragma once
// Checks on the JSON report of `rt partition run` (--json) that several scenario tests share, and
// a run of a scenario written by the test.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/rt_process.hpp"

namespace rt::test {

// The run passed and its delivery check found nothing: no event lost, duplicated, out of order or
// unexpected, every subscriber drained, every rebuilt state equal to the server's.
inline void check_report_passed_exactly_once(const nlohmann::json& j) {
    REQUIRE(j.is_object());
    CHECK(j["ok"] == true);
    CHECK(j["violations"] == 0);
    CHECK(j["delivery"]["totals"]["lost"] == 0);
    CHECK(j["delivery"]["totals"]["duplicated"] == 0);
    CHECK(j["delivery"]["totals"]["out_of_order"] == 0);
    CHECK(j["delivery"]["totals"]["unexpected"] == 0);
    CHECK(j["not_drained"] == 0);
    CHECK(j["state_mismatches"] == 0);
}

// Writes `text` to a fresh temporary file NAME; returns its path.
inline std::string external_write(const std::string& name, const std::string& text) {
    const std::string path = temp_path(name);
    std::ofstream out(path);
    out << text;
    return path;
}

struct external_outcome {
    run_result run;
    nlohmann::json report;  // --json; discarded (not an object) when the run wrote none
};

// Writes scenario `toml` as NAME.toml and runs `rt partition run` on it with --json and `extra` flags.
inline external_outcome external_run(const std::string& name, const std::string& toml, std::vector<std::string> extra = {},
                                     std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    const std::string json_path = temp_path(name + ".json");
    std::vector<std::string> args{"partition", "run", external_write(name + ".toml", toml), "--json", json_path};
    args.insert(args.end(), extra.begin(), extra.end());
    external_outcome o;
    o.run = run_rt(args, timeout);
    std::ifstream in(json_path);
    std::stringstream ss;
    ss << in.rdbuf();
    o.report = nlohmann::json::parse(ss.str(), nullptr, false);
    return o;
}

// Passed, exactly once in order (check_report_passed_exactly_once), with no run error, every state
// compared, and changes published.
inline void external_check_exactly_once(const nlohmann::json& j) {
    check_report_passed_exactly_once(j);
    CHECK(j["errors"].empty());
    CHECK(j["states_compared"] == j["subscribers"]);
    CHECK(j["publisher"]["acked"].get<int>() > 0);
}

}  // namespace rt::test

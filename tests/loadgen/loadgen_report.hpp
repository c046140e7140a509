#pragma once
// Shared by the black-box loadgen suites: reading a finished `rt loadgen` run and the checks every
// run that must lose nothing makes of its JSON report.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "support/rt_process.hpp"

namespace rt::test {

// What the run printed, for INFO: keep it in the test's scope so that every later check shows it.
inline std::string run_output(const run_result& r) { return "stdout:\n" + r.out + "\nstderr:\n" + r.err; }

// The report of a run with `--json -` (only JSON on stdout); the test stops unless rt exited 0 and
// stdout parses.
inline nlohmann::json require_json_report(const run_result& r) {
    REQUIRE(r.exit_code == 0);
    nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    return j;
}

// `report` delivered `expected` copies, every one exactly once and in order.
inline void check_exactly_once(nlohmann::json report, std::uint64_t expected) {  // a copy: [] may add keys
    nlohmann::json& d = report["deliveries"];
    CHECK(d["expected"] == expected);
    CHECK(d["delivered"] == expected);
    CHECK(d["lost"] == 0);
    CHECK(d["duplicated"] == 0);
    CHECK(d["out_of_order"] == 0);
}

}  // namespace rt::test

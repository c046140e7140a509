#pragma once
// Checks on the JSON report of `rt partition run` (--json) that several scenario tests share.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

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

}  // namespace rt::test

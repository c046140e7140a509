#pragma once
// How a case ends. A case body runs straight down its steps; a step that finds the server
// breaking the rule throws case_failed, and a case that cannot run against this server (a
// feature it lacks, a limit it does not announce) throws case_skipped. The runner catches both:
// exceptions here play the part of a test framework's REQUIRE, so a case reads as the rule it
// checks rather than as error plumbing. They never leave the check runner.
#include <string>

namespace rt::check {

enum class case_status { pass, fail, skip };
std::string to_string(case_status s);  // "pass" | "fail" | "skip"

struct case_failed {
    std::string why;
};
struct case_skipped {
    std::string why;
};

[[noreturn]] inline void fail(std::string why) { throw case_failed{std::move(why)}; }
[[noreturn]] inline void skip(std::string why) { throw case_skipped{std::move(why)}; }

}  // namespace rt::check

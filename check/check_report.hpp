#pragma once
// A check run for people (a table per group, the reason and the frames exchanged under each
// failure), for scripts (JSON) and for sharing (one offline HTML page, like the loadgen report).
#include <string>

#include <nlohmann/json.hpp>

#include "check/check_runner.hpp"
#include "report/html_page.hpp"

namespace rt::check {

// One line per case as it finishes: "  2.3  pass  the first event after ... (12 ms)".
std::string case_line(const case_result& r);
// The whole run: header, cases by group, failures with their transcripts, and the summary line.
std::string render_text(const check_run& run);
// The summary line: "rt check: 41 passed, 1 failed, 5 skipped of 47 cases in 3.2 s".
std::string summary_line(const check_run& run);
nlohmann::json to_json(const check_run& run);
std::string render_html(const check_run& run, const report::run_origin& origin);
// `rt check --list`: every case with its section, by group.
std::string render_list();

}  // namespace rt::check

#pragma once
// Runs selected cases one after another against one server and collects their outcomes. Each
// case gets a fresh transcript and context; an exception other than the case's own verdict (a
// message with a field of the wrong JSON type, say) fails the case with what it was.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "check/case_list.hpp"
#include "check/case_outcome.hpp"

namespace rt::check {

struct case_result {
    std::string id, group, title, section;
    case_status status = case_status::pass;
    std::string reason;           // why it failed or was skipped ("" when it passed)
    std::string transcript_text;  // the frames exchanged (kept for failures only)
    nlohmann::json transcript;    // the same as JSON
    std::int64_t took_ms = 0;
};

struct check_run {
    std::string url;
    std::string shape;  // app_shape::describe()
    std::string spec_source;  // "GET /api/_spec", a file name, "the check spec"
    server_info info;
    std::vector<case_result> results;
    std::int64_t took_ms = 0;
    int count(case_status s) const;
    bool passed() const { return count(case_status::fail) == 0; }
};

// Runs `cases` in order; `progress` (optional) is called after each case. `run_tag` prefixes every
// id and filter value the cases write, so runs never meet ("rtcheck-5f3a").
check_run run_cases(const check_target& target, const app_shape& shape, const server_info& info,
                    const std::vector<selected_case>& cases, const std::string& run_tag,
                    const std::function<void(const case_result&)>& progress = {});

}  // namespace rt::check

#include "check/check_report.hpp"

#include <cstdio>

namespace rt::check {

namespace {

std::string seconds_text(std::int64_t ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000.0);
    return buf;
}

std::string status_word(case_status s) { return s == case_status::fail ? "FAIL" : to_string(s); }

}  // namespace

std::string case_line(const case_result& r) {
    std::string line = "  " + r.id + std::string(r.id.size() < 5 ? 5 - r.id.size() : 1, ' ') + status_word(r.status) + "  " +
                       r.title + " (" + std::to_string(r.took_ms) + " ms)";
    if (r.status == case_status::skip) line += "\n         skipped: " + r.reason;
    if (r.status == case_status::fail) line += "\n         " + r.reason;
    return line;
}

std::string summary_line(const check_run& run) {
    return "rt check: " + std::to_string(run.count(case_status::pass)) + " passed, " +
           std::to_string(run.count(case_status::fail)) + " failed, " + std::to_string(run.count(case_status::skip)) +
           " skipped of " + std::to_string(run.results.size()) + " cases in " + seconds_text(run.took_ms);
}

std::string render_text(const check_run& run) {
    std::string out;
    std::string group;
    for (const case_result& r : run.results) {
        if (r.group != group) {
            group = r.group;
            out += group + "\n";
        }
        out += case_line(r) + "\n";
    }
    bool any = false;
    for (const case_result& r : run.results) {
        if (r.status != case_status::fail) continue;
        if (!any) out += "\nFailures (the frames each case exchanged; > sent, < received):\n";
        any = true;
        out += "\n" + r.id + " " + r.title + " (docs/protocol.md " + r.section + ")\n  " + r.reason + "\n" + r.transcript_text;
    }
    return out + "\n" + summary_line(run) + "\n";
}

nlohmann::json to_json(const check_run& run) {
    nlohmann::json cases = nlohmann::json::array();
    for (const case_result& r : run.results) {
        nlohmann::json c{{"id", r.id}, {"group", r.group}, {"title", r.title}, {"section", r.section},
                         {"status", to_string(r.status)}, {"took_ms", r.took_ms}};
        if (!r.reason.empty()) c["reason"] = r.reason;
        if (r.status == case_status::fail) c["transcript"] = r.transcript;
        cases.push_back(std::move(c));
    }
    return {{"url", run.url},
            {"spec", run.spec_source},
            {"app", run.shape},
            {"server_info", run.info.announced ? run.info.raw : nlohmann::json()},
            {"passed", run.count(case_status::pass)},
            {"failed", run.count(case_status::fail)},
            {"skipped", run.count(case_status::skip)},
            {"took_ms", run.took_ms},
            {"verdict", run.passed() ? "pass" : "fail"},
            {"cases", cases}};
}

std::string render_html(const check_run& run, const report::run_origin& origin) {
    report::html_page page("rt check " + run.url, run.passed(),
                           run.passed() ? "conforms" : std::to_string(run.count(case_status::fail)) + " failed");
    page.add_origin(origin);
    page.add_line("spec", run.spec_source);
    page.add_line("app", run.shape);
    page.add_line("summary", summary_line(run));
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> classes;
    for (const case_result& r : run.results) {
        rows.push_back({r.id, status_word(r.status), r.title, r.section, r.reason, std::to_string(r.took_ms) + " ms"});
        classes.push_back(to_string(r.status));
    }
    page.add_grid("Cases", {"case", "result", "rule", "docs/protocol.md", "why", "time"}, rows, classes);
    for (const case_result& r : run.results)
        if (r.status == case_status::fail) page.add_pre(r.id + " " + r.title + ": " + r.reason, r.transcript_text);
    return page.render();
}

std::string render_list() {
    std::string out;
    for (const case_group& g : case_groups()) {
        out += std::to_string(g.number) + "  " + g.title + " (--case " + std::to_string(g.number) + ".* or --case " + g.name + ")\n";
        for (const case_def& c : g.cases)
            out += "  " + c.id + std::string(c.id.size() < 6 ? 6 - c.id.size() : 1, ' ') + c.title + "  [" + c.section + "]\n";
    }
    return out;
}

}  // namespace rt::check

// `rt check`: the protocol conformance suite (check/). Flags here; the cases, the runner and the
// reports live in check/.
#include <cstdio>
#include <ctime>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "check/case_list.hpp"
#include "check/check_report.hpp"
#include "check/check_runner.hpp"
#include "check/check_setup.hpp"
#include "cli/client_flags.hpp"
#include "cli/commands.hpp"
#include "protocol/units.hpp"

namespace rt::cli {

namespace {

struct check_flags {
    client_flags client;
    std::string spec = "server";
    std::vector<std::string> cases;
    std::string timeout = "3s";
    std::string json_path, report_path;
    std::string limited_token;
    bool list = false, print_spec = false, verbose = false;
};

// "rtcheck-1a2b3c": ids and filter values of this run, so runs (and other clients) never meet.
std::string run_tag() {
    std::random_device rd;
    char buf[32];
    std::snprintf(buf, sizeof buf, "rtcheck-%06x", static_cast<unsigned>(rd() & 0xFFFFFF));
    return buf;
}

int run(const check_flags& f, const std::string& command_line) {
    if (f.print_spec) {
        std::fputs(check::check_spec_text().c_str(), stdout);
        return exit_ok;
    }
    if (f.list) {
        std::fputs(check::render_list().c_str(), stdout);
        return exit_ok;
    }
    if (auto usable = check_client_flags(f.client, "check"); !usable) return usage_error("check", usable.error());
    if (f.client.url.rfind("wss://", 0) == 0)  // its own framing on plain sockets: no TLS (yet)
        return usage_error("check", "--url: rt check speaks plain ws:// only");
    auto step = proto::parse_duration(f.timeout);
    if (!step || step->count() <= 0) return usage_error("check", "--timeout: expected a duration such as 3s or 500ms");
    auto cases = check::select_cases(f.cases);
    if (!cases) return usage_error("check", cases.error());
    auto in = check::prepare_check(f.client.url, f.client.token, f.spec, *step, f.limited_token);
    if (!in) return usage_error("check", in.error().message);
    std::fprintf(stderr, "rt check: %s; spec: %s; app: %s\n", f.client.url.c_str(), in->spec_source.c_str(),
                 in->shape.describe().c_str());
    if (!in->info.announced)
        std::fprintf(stderr, "rt check: the server has no GET /api/_info: cases that need its limits or features are skipped\n");
    const bool json_stdout = f.json_path == "-";
    std::FILE* progress_out = json_stdout ? stderr : stdout;
    std::string group;
    auto progress = [&](const check::case_result& r) {
        if (r.group != group) {
            group = r.group;
            std::fprintf(progress_out, "%s\n", group.c_str());
        }
        std::fprintf(progress_out, "%s\n", check::case_line(r).c_str());
        if (r.status == check::case_status::fail && f.verbose) std::fputs(r.transcript_text.c_str(), progress_out);
        std::fflush(progress_out);
    };
    check::check_run result = check::run_cases(in->target, in->shape, in->info, *cases, run_tag(), progress);
    result.url = f.client.url;
    result.spec_source = in->spec_source;
    // The failures again, with the frames each exchanged, then the summary.
    for (const auto& r : result.results) {
        if (r.status != check::case_status::fail) continue;
        std::fprintf(progress_out, "\n%s %s (docs/protocol.md %s)\n  %s\n%s", r.id.c_str(), r.title.c_str(), r.section.c_str(),
                     r.reason.c_str(), r.transcript_text.c_str());
    }
    std::fprintf(progress_out, "\n%s\n", check::summary_line(result).c_str());
    if (!f.json_path.empty()) {
        const std::string text = check::to_json(result).dump(2) + "\n";
        if (json_stdout) std::fputs(text.c_str(), stdout);
        else if (!write_text_file(f.json_path, text)) return usage_error("check", "cannot write " + f.json_path);
    }
    if (!f.report_path.empty()) {
        const report::run_origin origin{command_line, report::format_utc(std::time(nullptr))};
        if (!write_text_file(f.report_path, check::render_html(result, origin)))
            return usage_error("check", "cannot write " + f.report_path);
    }
    return result.passed() ? exit_ok : exit_failure;
}

}  // namespace

void register_check(CLI::App& app, registry& reg) {
    auto f = std::make_shared<check_flags>();
    CLI::App* cmd = app.add_subcommand("check", "Protocol conformance: run numbered cases against a server that speaks rt protocol v1");
    cmd->footer(
        "Examples:\n"
        "  rt check --url ws://127.0.0.1:8080/live\n"
        "  rt check --url ws://127.0.0.1:8080/live --token s3cret --case 5.* --case 2.3\n"
        "  rt check --url ws://127.0.0.1:8080/live --token s3cret --limited-token s3cret-agent --case rights\n"
        "  rt check --spec app.spec --json check.json --report check.html\n"
        "  rt check --list\n"
        "The cases are black-box: each connects, subscribes, publishes rows of its own (ids and filter values\n"
        "starting 'rtcheck-', deleted when the case ends) and compares what comes back with docs/protocol.md,\n"
        "whose section each case cites. They need the app's shape: --spec server (default) reads it from\n"
        "GET /api/_spec on --url's host; --spec FILE gives it; --spec check uses the minimal check spec,\n"
        "which a server of your own may load (rt check --print-spec > check.spec). Limits and optional\n"
        "features (presence) come from GET /api/_info; cases for what the server does not announce are\n"
        "skipped, never passed. Run it against a server nobody else is writing to the same rows.\n"
        "Output: one line per case (pass, FAIL with the reason, skip with why), then each failure's frames\n"
        "(> sent, < received) and a summary; --json FILE ('-': stdout) and --report FILE (offline HTML).\n" +
        std::string(k_client_flags_help) +
        "Exit codes: 0 every case run passed (skipped ones aside); 1 a case failed; 2 usage error (bad flag,\n"
        "unknown --case, a spec that cannot be read or checked) or the server could not be reached.");
    add_client_flags(*cmd, f->client);
    cmd->add_option("--spec", f->spec, "The app's spec: a file, 'server' (GET /api/_spec) or 'check' (the check spec) [server]");
    cmd->add_option("--case", f->cases, "Run only these cases: 3.2, 3.* or 3 (a group), a group's name; repeatable, or comma-separated");
    cmd->add_option("--limited-token", f->limited_token,
                    "A second token with fewer rights than --token: the rights cases (group 10) check that the server "
                    "refuses it what GET /api/_info says it may not do (skipped without it)");
    cmd->add_option("--timeout", f->timeout, "Longest wait for each expected message [3s]");
    cmd->add_option("--json", f->json_path, "Write the results as JSON to FILE ('-': stdout)");
    cmd->add_option("--report", f->report_path, "Write the results as one self-contained HTML file");
    cmd->add_flag("--list", f->list, "List the cases (number, rule, section of docs/protocol.md) and exit");
    cmd->add_flag("--print-spec", f->print_spec, "Print the minimal check spec and exit");
    cmd->add_flag("--verbose,-v", f->verbose, "Print each failure's frames as soon as it fails");
    cmd->callback([f, &reg] { reg.action = [f, &reg] { return run(*f, reg.command_line); }; });
}

}  // namespace rt::cli

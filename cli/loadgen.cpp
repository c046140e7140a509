// `rt loadgen`: flags (and an optional TOML scenario) → loadgen_config → run_loadgen → table,
// JSON and exit code. All logic lives in loadgen/.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cli/client_flags.hpp"
#include "cli/commands.hpp"
#include "loadgen/config.hpp"
#include "loadgen/html_report.hpp"
#include "loadgen/report.hpp"
#include "loadgen/load_runner.hpp"
#include "loadgen/scenario_file.hpp"
#include "loadgen/worker_fleet.hpp"
#include "loadgen/worker_link.hpp"
#include "loadgen/worker_report.hpp"
#include "loadgen/workload_source.hpp"
#include "os/child_process.hpp"
#include "os/stop_signals.hpp"
#include "report/hgrm.hpp"
#include "report/html_page.hpp"

namespace rt::cli {

namespace {

// Flags that carry a setting of the same name; their text goes to loadgen::apply_setting.
const char* const k_setting_flags[] = {
    "conns",  "rate",    "duration",       "warmup", "ramp",    "boards",
    "fanout",     "payload", "publishers", "threads", "source-ips", "drain",  "max-connecting", "seed",
    "churn",      "json",       "report",     "hgrm",
    "max-p50",    "max-p90",    "max-p99",    "max-p999",   "max-latency", "max-loss", "max-dup",
    "max-reorder", "max-errors", "max-late", "min-conns",
    "spec", "subscription", "filter-attr", "filter-values", "entity", "vary", "mix", "publish-to", "workers",
    "transport", "throttle",
};

struct loadgen_flags {
    client_flags client;                        // --url, --token (RT_URL, RT_TOKEN), shared with every client command
    std::map<std::string, std::string> values;  // flag name → text as given
    std::vector<std::string> thresholds;        // --threshold NAME=VALUE
    std::string scenario;
    bool quiet = false;
    bool batch = false;
    // A worker of a --workers run (hidden flags the parent adds; worker_fleet.hpp).
    std::string worker;       // --worker K/N
    std::string run_tag;      // --run-tag
    std::uint32_t source_draw = 0;
};

// Parses --worker K/N (0 <= K < N <= max_workers) and its companions into config.worker.
result<void, std::string> apply_worker_flags(loadgen::loadgen_config& config, const loadgen_flags& f) {
    const auto slash = f.worker.find('/');
    std::uint32_t k = 0, n = 0;
    try {
        if (slash == std::string::npos) throw std::invalid_argument("no slash");
        k = static_cast<std::uint32_t>(std::stoul(f.worker.substr(0, slash)));
        n = static_cast<std::uint32_t>(std::stoul(f.worker.substr(slash + 1)));
    } catch (const std::exception&) {
        return make_unexpected("--worker: expected K/N, got '" + f.worker + "'");
    }
    if (n == 0 || k >= n || n > loadgen::max_workers || f.run_tag.empty())
        return make_unexpected("--worker " + f.worker + ": out of range, or without --run-tag");
    config.worker = loadgen::worker_role{k, n, f.run_tag, f.source_draw};
    config.workers = n;
    return {};
}

// The end of a run, whichever way it ran: the table, --json, --report, --hgrm, the exit code.
int emit_report(const loadgen::loadgen_config& config, const loadgen::loadgen_report& report,
                const std::string& command_line);

// Exit code of a run stopped by Ctrl-C, after its partial summary: the shell's 128 + SIGINT.
constexpr int exit_interrupted = 130;

// Turns the first SIGINT during a run into a request to stop early (run_loadgen's `interrupt`);
// the handler serves one delivery (os::stop_signals, first_only), so a second Ctrl-C ends the
// process at once. Restores the previous disposition when destroyed.
class sigint_request {
public:
    sigint_request()
        : signals_({SIGINT}, os::stop_signals::handle::first_only), thread_([this] {
              if (signals_.wait() != 0) requested_ = true;
          }) {}
    ~sigint_request() {
        signals_.cancel();
        thread_.join();
    }
    sigint_request(const sigint_request&) = delete;
    sigint_request& operator=(const sigint_request&) = delete;
    const std::atomic<bool>& flag() const { return requested_; }

private:
    os::stop_signals signals_;
    std::atomic<bool> requested_{false};
    std::thread thread_;  // last: starts once the members above exist
};

int run(CLI::App& cmd, const loadgen_flags& f, const registry& reg) {
    const std::string& command_line = reg.command_line;
    loadgen::loadgen_config config;
    if (!f.scenario.empty()) {
        auto r = loadgen::apply_scenario_file(config, f.scenario);
        if (!r) return usage_error("loadgen", r.error());
    }
    // Flags win over the scenario file; $RT_URL / $RT_TOKEN count as flags.
    if (!f.client.urls.empty())
        if (auto r = loadgen::set_urls(config, f.client.urls); !r) return usage_error("loadgen", r.error());
    if (cmd.count("--token"))
        if (auto r = loadgen::apply_setting(config, "token", f.client.token); !r) return usage_error("loadgen", r.error());
    config.tls = f.client.tls;
    for (const char* name : k_setting_flags) {
        if (cmd.count(std::string("--") + name) == 0) continue;
        auto r = loadgen::apply_setting(config, name, f.values.at(name));
        if (!r) return usage_error("loadgen", r.error());
    }
    if (cmd.count("--boards") && cmd.count("--fanout") && f.values.at("fanout") == "all")
        return usage_error("loadgen", "--boards and --fanout all exclude each other (broadcast has one stream)");
    for (const auto& t : f.thresholds) {
        auto r = loadgen::apply_setting(config, "threshold", t);
        if (!r) return usage_error("loadgen", r.error());
    }
    if (f.quiet) config.quiet = true;
    if (f.batch) config.batch = true;
    if (!f.worker.empty())
        if (auto r = apply_worker_flags(config, f); !r) return usage_error("loadgen", r.error());
    if (auto r = loadgen::finalize(config); !r) return usage_error("loadgen", r.error());
    for (const auto& url : config.urls) {  // the URLs may come from the scenario file
        client_flags effective = f.client;
        effective.url = url;
        if (auto usable = check_client_flags(effective, "loadgen"); !usable)
            return usage_error("loadgen", usable.error());
    }
    if (auto r = loadgen::resolve_workload(config, std::chrono::seconds(5)); !r) {
        if (r.error().usage) return usage_error("loadgen", r.error().message);
        std::fprintf(stderr, "rt loadgen: error: %s\n", r.error().message.c_str());
        return 1;
    }
    if (config.plan && !config.worker)  // a worker's parent has said it already
        std::fprintf(stderr, "rt loadgen: workload: %s\n", spec::describe(*config.plan, *config.app).c_str());

    loadgen::progress_fn progress;
    if (!config.quiet) progress = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
    if (config.worker) {  // a worker: its share goes to the parent, on stdout; nothing else does
        loadgen::worker_link link;
        auto report = loadgen::run_loadgen(config, progress, &link.stop_requested(), &link);
        if (!report) {
            std::fprintf(stderr, "rt loadgen: error: %s\n", report.error().c_str());
            link.send_error(report.error());
            return 1;
        }
        link.send_result(loadgen::to_worker_json(*report));
        return 0;
    }
    sigint_request sigint;
    if (config.workers > 1) {
        const loadgen::worker_command command{os::self_executable(), reg.args};
        const loadgen::progress_fn relay = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
        auto report = loadgen::run_workers(config, command, relay, &sigint.flag());
        if (!report) {
            std::fprintf(stderr, "rt loadgen: error: %s\n", report.error().c_str());
            return 1;
        }
        return emit_report(config, *report, command_line);
    }
    auto report = loadgen::run_loadgen(config, progress, &sigint.flag());
    if (!report) {
        std::fprintf(stderr, "rt loadgen: error: %s\n", report.error().c_str());
        return 1;
    }
    return emit_report(config, *report, command_line);
}

int emit_report(const loadgen::loadgen_config& config, const loadgen::loadgen_report& report,
                const std::string& command_line) {
    const bool json_to_stdout = config.json_path == "-";
    const std::string table = loadgen::to_table(report);
    std::fputs(table.c_str(), json_to_stdout ? stderr : stdout);
    std::fflush(stdout);
    if (!config.json_path.empty()) {
        const std::string text = loadgen::to_json(report).dump(2) + "\n";
        if (json_to_stdout) {
            std::fputs(text.c_str(), stdout);
        } else if (!write_text_file(config.json_path, text)) {
            std::fprintf(stderr, "rt loadgen: error: cannot write %s\n", config.json_path.c_str());
            return 1;
        }
    }
    if (!config.report_path.empty()) {
        const report::run_origin origin{command_line, report::format_utc(std::time(nullptr))};
        if (!write_text_file(config.report_path, loadgen::to_html(report, config.thresholds, origin))) {
            std::fprintf(stderr, "rt loadgen: error: cannot write %s\n", config.report_path.c_str());
            return 1;
        }
    }
    if (!config.hgrm_path.empty() && !write_text_file(config.hgrm_path, report::to_hgrm(report.latency_us))) {
        std::fprintf(stderr, "rt loadgen: error: cannot write %s\n", config.hgrm_path.c_str());
        return 1;
    }
    if (!report.ok) {
        std::fprintf(stderr, "rt loadgen: %s\n", loadgen::verdict_line(report).c_str());
        return report.interrupted ? exit_interrupted : 1;
    }
    return 0;
}

}  // namespace

void register_loadgen(CLI::App& app, registry& reg) {
    auto f = std::make_shared<loadgen_flags>();
    CLI::App* cmd = app.add_subcommand("loadgen", "Open N live connections, publish at a fixed rate, report end-to-end latency");
    cmd->footer(
        "Examples:\n"
        "  rt loadgen --url ws://127.0.0.1:8080/live --conns 10000 --rate 1000/s --duration 30s\n"
        "  rt loadgen --conns 10000 --fanout all --rate 1/s --duration 30s --max-p99 100ms\n"
        "  rt loadgen --scenario scenarios/kanban-boards.toml --json out.json\n"
        "  rt loadgen --transport sse --conns 5000 --rate 100/s --duration 10s\n"
        "  rt loadgen --spec scenarios/helpdesk.spec --conns 10000 --rate 1000/s\n"
        "  rt loadgen --spec server --subscription Triage --filter-attr team --filter-values 20 --mix insert=30,update=40,delete=30\n"
        "  rt loadgen --url ws://127.0.0.1:8081/live --url ws://127.0.0.1:8082/live --publish-to same --workers 2 --conns 24000\n"
        "\nWorkloads without --spec: the kanban demo. boards (default): connection i subscribes TaskUpdates\n"
        "filtered to board b<i % boards>, each publish updates the task of a random board. --fanout all:\n"
        "everyone subscribes AllTasks.\n"
        "With --spec (a file, or 'server': GET /api/_spec from --url's host with --token), the workload\n"
        "comes from the app's spec: connection i takes stream i % N of --subscription, filtered by\n"
        "--filter-attr over --filter-values N values (string/ref b0,b1..; int 0,1..; union literals; bool;\n"
        "'id': one row per stream; 'none': one unfiltered stream); publishers insert, update and delete\n"
        "rows of --entity as --mix says, the times in the string attribute --vary. Every row is valid for\n"
        "the spec and inside the subscription's view. What is not given is chosen (the first subscription\n"
        "that can be driven, a ref or string attribute outside its view's where, conns/10 values) and the\n"
        "choice printed on stderr ('rt loadgen: workload: ...') and in the JSON (config.workload_plan).\n"
        "Latency is receive time - intended send time on the fixed schedule (coordinated-omission\n"
        "corrected); receive - actual send time is reported too. Thresholds apply to the corrected figure.\n"
        "Every publish's acknowledgement says which board's subscribers must get it; lost, duplicated and\n"
        "out-of-order deliveries come from each stream's seq.\n"
        "Output: progress each second and errors on stderr; the final table on stdout; --json FILE writes\n"
        "the same figures as JSON (--json - prints the JSON on stdout and the table on stderr), with one\n"
        "point per second in `series`; --report FILE writes an HTML page with charts (latency per second,\n"
        "the percentile spectrum, connections, deliveries; thresholds drawn), readable offline;\n"
        "--hgrm FILE writes the corrected latency's percentiles in HdrHistogram's .hgrm text format.\n"
        "A --scenario TOML file takes the same settings (keys like the flags, '_' or '-', thresholds also\n"
        "in a [thresholds] table); flags win over it.\n"
        "Fewer subscribed connections than --conns is a breach unless --min-conns says otherwise.\n"
        "--transport sse: each subscriber opens a Server-Sent Events stream, GET /sse?subscription=..&filter=..\n"
        "&token=.. on --url's host and port (https:// for wss://, verified the same way), instead of a\n"
        "WebSocket; publishers still use WebSocket. The figures mean the same: connect time is up to the\n"
        "200 response head, subscribe time from it to the `snapshot` event; a --churn resume sends\n"
        "Last-Event-ID: EPOCH:SEQ. The report's `transport` line (JSON config.transport) says which.\n"
        "--churn: a reconnecting connection resubscribes with since (epoch, last seq): recovered:true\n"
        "replays what it missed and the completeness figures stay exact; a recovered:false resync is\n"
        "counted and its skipped events reported apart from the lost ones. A failed reconnect is an error.\n"
        "Several nodes: --url once per node. --publish-to any (default) spreads every stream's subscribers\n"
        "and the publishes over all nodes (nodes sharing streams: rt serve --broker); --publish-to same\n"
        "keeps each stream on node <stream mod nodes> (independent nodes). The table and JSON (`nodes`)\n"
        "add per-node counts and latency. --workers N: N processes share the connections (past ~19,900,\n"
        "the per-process open-file limit), all connected before the first publish, their histograms\n"
        "merged into one report; a worker that dies fails the run, naming it (docs/workloads.md).\n" +
        std::string(k_client_flags_help) +
        "Ctrl-C stops the run early: the table (and --json) then hold what was measured so far, marked\n"
        "INTERRUPTED; a second Ctrl-C ends at once.\n"
        "Exit codes: 0 every threshold held; 1 a threshold was breached (named on stderr) or the run\n"
        "could not take place (also: the server's spec could not be fetched); 2 usage error (bad flag,\n"
        "value, scenario file or threshold name; a spec that does not parse or cannot be driven);\n"
        "130 interrupted by Ctrl-C (SIGINT), after the partial summary.");

    auto opt = [&](const char* name, const std::string& help) {
        return cmd->add_option(std::string("--") + name, f->values[name], help);
    };
    add_client_flags(*cmd, f->client, url_flag::repeatable);
    opt("conns", "Subscriber connections [1000]");
    opt("transport", "How subscribers connect: 'websocket', or 'sse' (GET /sse event streams on --url's host;\n"
                     "publishers stay on WebSocket) [websocket]");
    opt("rate", "Publishes per second, all publishers together: 1000/s, 1/s [100/s]");
    opt("duration", "Measured publishing time after the warm-up: 30s [10s]");
    opt("warmup", "Publishing time before the measured window, kept out of the figures [0]");
    opt("ramp", "New connections per second while ramping up [2000/s]");
    opt("boards", "Boards workload: number of boards [conns/10]");
    opt("fanout", "'all': broadcast workload, every connection on one unfiltered stream; 'boards' [boards]");
    opt("payload", "Size of the text carrying each event's times (the title, or --vary): 200B, 1KiB [just the timestamps]");
    opt("spec", "The app's spec: a file, or 'server' (GET /api/_spec from --url's host) [none: the kanban demo]");
    opt("subscription", "With --spec: the subscription every connection takes [the first that can be driven]");
    opt("filter-attr", "With --spec: the attribute streams are filtered by; 'id': by id; 'none': unfiltered\n"
                       "[a ref or string attribute outside the view's where, else none]");
    opt("filter-values", "With --spec: streams (distinct filter values) [conns/10, at most the type's values]");
    opt("entity", "With --spec: the entity publishers change [the subscription's]");
    opt("vary", "With --spec: the string attribute each change sets, carrying the times [the first outside the where]");
    opt("mix", "With --spec: insert=I,update=U,delete=D in percent, or 'update' [update]");
    opt("publishers", "Publisher connections, sharing the rate [rate/50, the server allows 100/s each]");
    opt("threads", "Subscriber I/O threads [2]");
    opt("source-ips", "Spread connections over 127.A.B.1..N, A.B drawn per run (loopback --url only)\n"
                      "[1 per 20,000 connections]");
    opt("drain", "Longest wait for late deliveries after the last publish [5s]");
    opt("max-connecting", "Connection attempts in flight at once [1000]");
    opt("seed", "Seed for the random board choice [1]");
    opt("churn", "Close and reopen this share of the connections per minute while publishing, evenly\n"
                 "spread (5%/min, 0.5%/s); each resumes with since [0: none]");
    opt("json", "Write the report as JSON to FILE ('-': stdout), with a per-second `series`");
    opt("report", "Write the report as one self-contained HTML file with charts (no network needed)");
    opt("hgrm", "Write the latency percentiles in HdrHistogram's text format (.hgrm) to FILE");
    opt("max-p50", "Threshold: corrected latency p50 at most DURATION");
    opt("max-p90", "Threshold: p90 at most DURATION");
    opt("max-p99", "Threshold: p99 at most DURATION (e.g. 100ms)");
    opt("max-p999", "Threshold: p99.9 at most DURATION");
    opt("max-latency", "Threshold: largest latency at most DURATION");
    opt("max-loss", "Threshold: lost deliveries at most N, or N% of expected");
    opt("max-dup", "Threshold: duplicated deliveries at most N");
    opt("max-reorder", "Threshold: out-of-order deliveries at most N");
    opt("max-errors", "Threshold: publish errors + failed or dropped connections at most N");
    opt("max-late", "Threshold: publishes sent >1ms behind schedule at most N");
    opt("min-conns", "Threshold: subscribed connections at least N [--conns]");
    cmd->add_option("--threshold", f->thresholds, "Threshold as NAME=VALUE (e.g. max-p99=25ms); unknown names are rejected");
    cmd->add_option("--scenario", f->scenario, "TOML scenario file with any of these settings (flags win)");
    cmd->add_flag("--quiet", f->quiet, "No progress lines");
    opt("throttle", "Subscribers ask for coalesced delivery: at most one event per row per DURATION (100ms);\n"
                    "completeness then counts the throttle group's seqs, not publishes (docs/workloads.md) [none]");
    cmd->add_flag("--batch", f->batch, "With --throttle: each window arrives as one `events` frame (WebSocket only)");
    opt("publish-to", "With several --url: 'any' spreads publishes and each stream's subscribers over every node\n"
                      "(nodes sharing streams: rt serve --broker); 'same' keeps each stream, its subscribers and its\n"
                      "publishes on one node (independent nodes) [any]");
    opt("workers", "Run the connections in N processes (each under the 20,000 open-file limit, with\n"
                   "127.A.B.x source addresses of its own), merged into one report [1]");
    // Set by the parent of a --workers run on each worker it starts (worker_fleet.hpp): hidden.
    cmd->add_option("--worker", f->worker)->group("");
    cmd->add_option("--run-tag", f->run_tag)->group("");
    cmd->add_option("--source-draw", f->source_draw)->group("");
    cmd->callback([cmd, f, &reg] { reg.action = [cmd, f, &reg] { return run(*cmd, *f, reg); }; });
}

}  // namespace rt::cli

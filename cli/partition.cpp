// `rt partition`: the fault-injecting proxy (`proxy`: flags → chaos::run_proxy_command) and the scenario runner (`run`: a TOML scenario → chaos::run_scenario → report,
// JSON, exit code). The modules hold the logic.
#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "chaos/fault.hpp"
#include "chaos/html_report.hpp"
#include "chaos/proxy_command.hpp"
#include "chaos/scenario.hpp"
#include "chaos/scenario_runner.hpp"
#include "chaos/scenario_workload.hpp"
#include "cli/client_flags.hpp"
#include "cli/commands.hpp"
#include "client/ws_url.hpp"
#include "os/fd_limit.hpp"
#include "report/html_page.hpp"

namespace rt::cli {

namespace {

struct run_flags {
    std::string scenario;
    std::string json_path;
    std::string report_path;
    std::string server_binary;
    std::string upstream;
    std::string target;             // overrides the scenario's target
    std::string token;              // overrides the scenario's token
    client::tls_trust tls;          // --ca / --insecure-skip-verify: override the scenario's ca / insecure_skip_verify
    std::string server_listen = "127.0.0.1:0";
    std::string proxy_listen = "127.0.0.1:0";
    std::uint32_t subscribers = 0;  // 0: as the scenario says
    bool quiet = false;
};

int run_scenario_command(const run_flags& f, const std::string& command_line) {
    auto sc = chaos::load_scenario(f.scenario);
    if (!sc) return usage_error("partition run", sc.error());
    // A spec the workload cannot be planned on is a scenario error; a spec that does not load is
    // left to the server, which says why when it fails to start.
    if (auto app = spec::load_spec_file(sc->spec_path))
        if (auto w = chaos::plan_scenario_workload(*sc, *app); !w)
            return usage_error("partition run", sc->source + ": cannot drive spec " + sc->spec_path + ": " + w.error());
    if (f.subscribers > 0) {
        if (f.subscribers > chaos::max_scenario_subscribers)
            return usage_error("partition run", "--subscribers: at most " + std::to_string(chaos::max_scenario_subscribers));
        sc->subscribers = f.subscribers;
    }
    if (!f.target.empty()) {
        if (!f.upstream.empty()) return usage_error("partition run", "--target and --upstream: give one of them");
        if (auto url = client::parse_ws_url(f.target); !url) return usage_error("partition run", "--target: " + url.error());
        sc->target = f.target;
        if (auto ok = chaos::check_target_steps(*sc); !ok) return usage_error("partition run", ok.error() + " (--target)");
    }
    if (!f.token.empty()) sc->token = f.token;
    if (!f.tls.ca_file.empty() || f.tls.insecure_skip_verify) sc->tls = f.tls;
    auto target_url = client::parse_ws_url(sc->target);
    const bool secure = (target_url && target_url->secure) || sc->publish_url.rfind("https://", 0) == 0 ||
                        sc->publish_url.rfind("wss://", 0) == 0;
    if (auto ok = check_tls_flags(sc->tls, secure, "partition run"); !ok) return usage_error("partition run", ok.error());
    if (!f.upstream.empty() && chaos::touches_server(sc->timeline))
        return usage_error("partition run", "the scenario kills or restarts the server: it must start its own (drop --upstream)");
    // Each subscriber costs this process three descriptors (its socket and the proxy's two).
    if (auto lim = os::raise_open_file_limit(); !lim)
        std::fprintf(stderr, "rt partition run: warning: %s\n", lim.error().c_str());

    chaos::run_options opts;
    opts.server_binary = f.server_binary;
    opts.upstream = f.upstream;
    opts.server_listen = f.server_listen;
    opts.proxy_listen = f.proxy_listen;
    if (auto ok = chaos::check_run_options(opts); !ok) return usage_error("partition run", ok.error());
    if (!f.quiet) opts.progress = [](const std::string& line) { std::fprintf(stderr, "rt partition run: %s\n", line.c_str()); };
    auto report = chaos::run_scenario(*sc, opts);
    if (!report) {
        std::fprintf(stderr, "rt partition run: error: %s\n", report.error().c_str());
        return 1;
    }
    std::fputs(chaos::format_report(*report).c_str(), stdout);
    std::fflush(stdout);
    if (!f.json_path.empty()) {
        if (!write_text_file(f.json_path, chaos::to_json(*report).dump(2) + "\n")) {
            std::fprintf(stderr, "rt partition run: error: cannot write %s\n", f.json_path.c_str());
            return 1;
        }
    }
    if (!f.report_path.empty()) {
        if (!write_text_file(f.report_path, chaos::to_html(*report, {command_line, report::format_utc(std::time(nullptr))}))) {
            std::fprintf(stderr, "rt partition run: error: cannot write %s\n", f.report_path.c_str());
            return 1;
        }
    }
    return report->ok() ? 0 : 1;
}

}  // namespace

void register_partition(CLI::App& app, registry& reg) {
    CLI::App* cmd = app.add_subcommand("partition", "Break the network between clients and a server, on purpose");
    cmd->require_subcommand(1);

    auto f = std::make_shared<chaos::proxy_command_options>();
    CLI::App* proxy = cmd->add_subcommand("proxy", "Run a fault-injecting TCP proxy (user space, no root needed)");
    proxy->footer(std::string(chaos::fault_syntax_help()) +
                  "\nSchedule: \"OFFSET FAULT; OFFSET FAULT; ...\", offsets from start, e.g.\n"
                  "  --schedule \"5s blackhole; 15s heal; 20s latency 200ms jitter 50ms down; 40s reset\"\n"
                  "Durations: 250ms, 5s, 2m. Rates: 10KiB/s, 1MiB/s.\n"
                  "\nControl API (with --control HOST:PORT):\n"
                  "  curl -s HOST:PORT/faults                                     # list\n"
                  "  curl -s -d '{\"fault\":\"latency 200ms\",\"direction\":\"down\",\"fraction\":0.5}' HOST:PORT/faults\n"
                  "  curl -s -d 'blackhole up' HOST:PORT/faults                   # spec as text\n"
                  "  curl -s -X DELETE HOST:PORT/faults                           # heal\n"
                  "  curl -s HOST:PORT/stats\n"
                  "\nPrints the bound addresses on stderr; at the end, one JSON line of stats on stdout.\n"
                  "Exit codes: 0 stopped by --duration or SIGINT/SIGTERM; 1 runtime failure (e.g. cannot listen);\n"
                  "2 usage error (bad flag, address, fault or schedule).");
    proxy->add_option("--listen", f->listen, "Address clients connect to, HOST:PORT; port 0 picks a free one [127.0.0.1:9001]");
    proxy->add_option("--upstream", f->upstream, "The server to forward to, HOST:PORT (e.g. 127.0.0.1:8080)")->required();
    proxy->add_option("--control", f->control, "Serve the HTTP control API on HOST:PORT");
    proxy->add_option("--schedule", f->schedule, "Fault timeline, e.g. \"5s blackhole; 15s heal\"");
    proxy->add_option("--duration", f->duration, "Stop after DURATION (e.g. 60s) [run until SIGINT/SIGTERM]");
    proxy->callback([f, &reg] { reg.action = [f] { return chaos::run_proxy_command(*f); }; });

    auto r = std::make_shared<run_flags>();
    CLI::App* run = cmd->add_subcommand("run", "Play a chaos scenario and check that every subscriber got every event once, in order");
    run->footer("Starts rt serve (this binary) on a free loopback port (--server-listen), or uses the scenario's\n"
                "external target (--target) or --upstream; puts the fault proxy (--proxy-listen) in front of it;\n"
                "runs the scenario's subscribers through the proxy (reconnect + resume) and a publisher direct\n"
                "to the server; plays the timeline; heals; waits for every subscriber to catch up; checks each\n"
                "history (lost, duplicated, out-of-order, unexpected) and each rebuilt state against the\n"
                "server's current view. Scenarios: scenarios/*.toml. Every scenario key (name, type, default,\n"
                "meaning) is listed in docs/chaos-scenarios.md. The rows and streams come from the scenario's\n"
                "spec: subscription, filter_attr, filter_values, entity, vary (what is not given is chosen and\n"
                "printed; docs/workloads.md).\n"
                "Report on stdout, progress on stderr.\n"
                "Exit codes: 0 every check passed; 1 a violation, an unmet expectation, or the run failed;\n"
                "2 usage or scenario error (also: a spec the workload cannot be planned on).\n"
                "A wss:// target (https:// publish_url) is verified like rt subscribe's --url: --ca FILE or the\n"
                "scenario's ca for a private CA; a refused certificate fails the run (exit 1).");
    run->add_option("scenario", r->scenario, "Scenario file (TOML), e.g. scenarios/blackhole-short.toml")->required();
    run->add_option("--json", r->json_path, "Also write the report as JSON to FILE (with a `series` over time)");
    run->add_option("--report", r->report_path,
                    "Also write one self-contained HTML file: the fault timeline with the events received\n"
                    "live and replayed, reconnects and resyncs over time (opens offline)");
    run->add_option("--server-binary", r->server_binary, "rt binary to run `serve` with [this one]");
    run->add_option("--upstream", r->upstream, "Use the server at HOST:PORT (path /live) instead of starting one");
    run->add_option("--target", r->target,
                    "Use the external server at ws://HOST:PORT/PATH (or wss://) instead of starting one (overrides the scenario's "
                    "target; kill/restart steps need its kill_cmd/restart_cmd)");
    run->add_option("--token", r->token, "Token every client of the run sends (?token=...); overrides the scenario's token");
    add_tls_flags(*run, r->tls);
    run->add_option("--server-listen", r->server_listen,
                    "HOST:PORT for the rt serve the run starts; port 0 picks a free one [127.0.0.1:0]");
    run->add_option("--proxy-listen", r->proxy_listen,
                    "HOST:PORT the fault proxy listens on; port 0 picks a free one [127.0.0.1:0]");
    run->add_option("--subscribers", r->subscribers, "Override the scenario's subscriber count");
    run->add_flag("--quiet", r->quiet, "No progress lines on stderr");
    run->callback([r, &reg] { reg.action = [r, &reg] { return run_scenario_command(*r, reg.command_line); }; });
}

}  // namespace rt::cli

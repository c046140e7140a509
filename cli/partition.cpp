// `rt partition`: the fault-injecting proxy (`proxy`: flags → chaos::fault_proxy + control_api +
// timeline_runner) and the scenario runner (`run`: a TOML scenario → chaos::run_scenario → report,
// JSON, exit code). The modules hold the logic.
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include <asio.hpp>

#include "chaos/control_api.hpp"
#include "chaos/fault_proxy.hpp"
#include "chaos/host_port.hpp"
#include "chaos/scenario.hpp"
#include "chaos/scenario_runner.hpp"
#include "chaos/timeline_runner.hpp"
#include "chaos/units.hpp"
#include "cli/commands.hpp"
#include "loadgen/fd_limit.hpp"

namespace rt::cli {

namespace {

struct proxy_flags {
    std::string listen = "127.0.0.1:9001";
    std::string upstream;
    std::string control;
    std::string schedule;
    std::string duration;
};

struct run_flags {
    std::string scenario;
    std::string json_path;
    std::string server_binary;
    std::string upstream;
    std::uint32_t subscribers = 0;  // 0: as the scenario says
    bool quiet = false;
};

int usage_error(const std::string& message, const char* sub = "proxy") {
    std::fprintf(stderr, "rt partition %s: error: %s\n", sub, message.c_str());
    return 2;
}

int run_scenario_command(const run_flags& f) {
    auto sc = chaos::load_scenario(f.scenario);
    if (!sc) return usage_error(sc.error(), "run");
    if (f.subscribers > 0) {
        if (f.subscribers > chaos::max_scenario_subscribers)
            return usage_error("--subscribers: at most " + std::to_string(chaos::max_scenario_subscribers), "run");
        sc->subscribers = f.subscribers;
    }
    if (!f.upstream.empty() && chaos::touches_server(sc->timeline))
        return usage_error("the scenario kills or restarts the server: it must start its own (drop --upstream)", "run");
    // Each subscriber costs this process three descriptors (its socket and the proxy's two).
    if (auto lim = loadgen::raise_open_file_limit(); !lim)
        std::fprintf(stderr, "rt partition run: warning: %s\n", lim.error().c_str());

    chaos::run_options opts;
    opts.server_binary = f.server_binary;
    opts.upstream = f.upstream;
    if (!f.quiet) opts.progress = [](const std::string& line) { std::fprintf(stderr, "rt partition run: %s\n", line.c_str()); };
    auto report = chaos::run_scenario(*sc, opts);
    if (!report) {
        std::fprintf(stderr, "rt partition run: error: %s\n", report.error().c_str());
        return 1;
    }
    std::fputs(chaos::format_report(*report).c_str(), stdout);
    std::fflush(stdout);
    if (!f.json_path.empty()) {
        std::ofstream out(f.json_path, std::ios::binary | std::ios::trunc);
        out << chaos::to_json(*report).dump(2) << "\n";
        if (!out.flush()) {
            std::fprintf(stderr, "rt partition run: error: cannot write %s\n", f.json_path.c_str());
            return 1;
        }
    }
    return report->ok() ? 0 : 1;
}

int run_proxy(const proxy_flags& f) {
    using namespace rt::chaos;
    chaos::fault_proxy_config cfg;
    auto listen = parse_host_port(f.listen);
    if (!listen) return usage_error("--listen: " + listen.error());
    auto upstream = parse_host_port(f.upstream);
    if (!upstream) return usage_error("--upstream: " + upstream.error());
    cfg.listen = *listen;
    cfg.upstream = *upstream;
    std::optional<asio::ip::tcp::endpoint> control_ep;
    if (!f.control.empty()) {
        auto c = parse_host_port(f.control);
        if (!c) return usage_error("--control: " + c.error());
        control_ep = *c;
    }
    auto steps = parse_timeline(f.schedule);
    if (!steps) return usage_error("--schedule: " + steps.error());
    std::optional<std::chrono::milliseconds> duration;
    if (!f.duration.empty()) {
        auto d = parse_duration_ms(f.duration);
        if (!d) return usage_error("--duration: " + d.error());
        duration = *d;
    }

    fault_proxy proxy(cfg);
    std::error_code ec;
    proxy.start(ec);
    if (ec) {
        std::fprintf(stderr, "rt partition proxy: error: cannot listen on %s: %s\n", f.listen.c_str(), ec.message().c_str());
        return 1;
    }
    std::fprintf(stderr, "rt partition proxy: listening on %s, upstream %s\n", to_string(proxy.local_endpoint()).c_str(),
                 to_string(cfg.upstream).c_str());
    std::unique_ptr<control_api> api;
    if (control_ep) {
        api = std::make_unique<control_api>(proxy, *control_ep);
        api->start(ec);
        if (ec) {
            std::fprintf(stderr, "rt partition proxy: error: cannot listen on %s: %s\n", f.control.c_str(), ec.message().c_str());
            return 1;
        }
        std::fprintf(stderr, "rt partition proxy: control API on http://%s/faults\n", to_string(api->local_endpoint()).c_str());
    }

    asio::io_context io;
    asio::signal_set signals(io, SIGINT, SIGTERM);
    asio::steady_timer deadline(io);
    timeline_runner timeline(io, proxy, *steps, [](const timeline_step& s) {
        auto j = to_json(s);
        std::fprintf(stderr, "rt partition proxy: at %s: %s\n", format_duration(s.at_ms).c_str(),
                     j["fault"].get<std::string>().c_str());
    });
    auto finish = [&] {
        signals.cancel();
        deadline.cancel();
        timeline.cancel();
    };
    signals.async_wait([&](const std::error_code& sec, int signo) {
        if (sec) return;
        std::fprintf(stderr, "rt partition proxy: signal %d, stopping\n", signo);
        finish();
    });
    if (duration) {
        deadline.expires_after(*duration);
        deadline.async_wait([&](const std::error_code& dec) {
            if (dec) return;
            std::fprintf(stderr, "rt partition proxy: --duration %s reached, stopping\n", f.duration.c_str());
            finish();
        });
    }
    timeline.start();
    io.run();
    if (!timeline.done()) std::fprintf(stderr, "rt partition proxy: stopped before the schedule finished\n");

    if (api) api->stop();
    proxy.stop();
    nlohmann::json out{{"listen", to_string(proxy.local_endpoint())},
                       {"upstream", to_string(cfg.upstream)},
                       {"faults", proxy.list_faults()},
                       {"stats", proxy.stats()}};
    std::printf("%s\n", out.dump().c_str());
    std::fflush(stdout);
    return 0;
}

}  // namespace

void register_partition(CLI::App& app, registry& reg) {
    CLI::App* cmd = app.add_subcommand("partition", "Break the network between clients and a server, on purpose");
    cmd->require_subcommand(1);

    auto f = std::make_shared<proxy_flags>();
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
    proxy->callback([f, &reg] { reg.action = [f] { return run_proxy(*f); }; });

    auto r = std::make_shared<run_flags>();
    CLI::App* run = cmd->add_subcommand("run", "Play a chaos scenario and check that every subscriber got every event once, in order");
    run->footer("Starts rt serve (this binary) on a free loopback port, or uses --upstream; puts the fault proxy\n"
                "in front of it; runs the scenario's subscribers through the proxy (reconnect + resume) and a\n"
                "publisher direct to the server; plays the timeline; heals; waits for every subscriber to catch\n"
                "up; checks each history (lost, duplicated, out-of-order, unexpected) and each rebuilt state\n"
                "against the server's current view. Scenarios: scenarios/*.toml (see chaos/scenario.hpp).\n"
                "Report on stdout, progress on stderr.\n"
                "Exit codes: 0 every check passed; 1 a violation, an unmet expectation, or the run failed;\n"
                "2 usage or scenario error.");
    run->add_option("scenario", r->scenario, "Scenario file (TOML), e.g. scenarios/blackhole-short.toml")->required();
    run->add_option("--json", r->json_path, "Also write the report as JSON to FILE");
    run->add_option("--server-binary", r->server_binary, "rt binary to run `serve` with [this one]");
    run->add_option("--upstream", r->upstream, "Use the server at HOST:PORT instead of starting one");
    run->add_option("--subscribers", r->subscribers, "Override the scenario's subscriber count");
    run->add_flag("--quiet", r->quiet, "No progress lines on stderr");
    run->callback([r, &reg] { reg.action = [r] { return run_scenario_command(*r); }; });
}

}  // namespace rt::cli

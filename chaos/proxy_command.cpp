#include "chaos/proxy_command.hpp"

#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <thread>

#include <asio.hpp>

#include "chaos/control_api.hpp"
#include "chaos/fault_proxy.hpp"
#include "chaos/host_port.hpp"
#include "chaos/timeline_player.hpp"
#include "chaos/units.hpp"
#include "os/stop_signals.hpp"

namespace rt::chaos {

namespace {

int usage_error(const std::string& message) {
    std::fprintf(stderr, "rt partition proxy: error: %s\n", message.c_str());
    return 2;
}

}  // namespace

int run_proxy_command(const proxy_command_options& o) {
    fault_proxy_config cfg;
    auto listen = parse_host_port(o.listen);
    if (!listen) return usage_error("--listen: " + listen.error());
    auto upstream = parse_host_port(o.upstream);
    if (!upstream) return usage_error("--upstream: " + upstream.error());
    cfg.listen = *listen;
    cfg.upstream = *upstream;
    std::optional<asio::ip::tcp::endpoint> control_ep;
    if (!o.control.empty()) {
        auto c = parse_host_port(o.control);
        if (!c) return usage_error("--control: " + c.error());
        control_ep = *c;
    }
    auto steps = parse_timeline(o.schedule);
    if (!steps) return usage_error("--schedule: " + steps.error());
    std::optional<std::chrono::milliseconds> duration;
    if (!o.duration.empty()) {
        auto d = parse_duration_ms(o.duration);
        if (!d) return usage_error("--duration: " + d.error());
        duration = *d;
    }

    fault_proxy proxy(cfg);
    std::error_code ec;
    proxy.start(ec);
    if (ec) {
        std::fprintf(stderr, "rt partition proxy: error: cannot listen on %s: %s\n", o.listen.c_str(), ec.message().c_str());
        return 1;
    }
    std::fprintf(stderr, "rt partition proxy: listening on %s, upstream %s\n", to_string(proxy.local_endpoint()).c_str(),
                 to_string(cfg.upstream).c_str());
    std::unique_ptr<control_api> api;
    if (control_ep) {
        api = std::make_unique<control_api>(proxy, *control_ep);
        api->start(ec);
        if (ec) {
            std::fprintf(stderr, "rt partition proxy: error: cannot listen on %s: %s\n", o.control.c_str(), ec.message().c_str());
            return 1;
        }
        std::fprintf(stderr, "rt partition proxy: control API on http://%s/faults\n", to_string(api->local_endpoint()).c_str());
    }

    asio::io_context io;
    // The loop runs until a signal, --duration or (without them) forever: the guard keeps it
    // from returning once the timeline is played.
    auto keep_running = asio::make_work_guard(io);
    asio::steady_timer deadline(io);
    timeline_player timeline(io, proxy, *steps, [](const timeline_step& s) {
        auto j = to_json(s);
        std::fprintf(stderr, "rt partition proxy: at %s: %s\n", format_duration(s.at_ms).c_str(),
                     j["fault"].get<std::string>().c_str());
    });
    auto finish = [&] {
        keep_running.reset();
        deadline.cancel();
        timeline.cancel();
    };
    os::stop_signals signals;
    std::thread signal_thread([&] {
        const int signo = signals.wait();
        if (signo == 0) return;  // cancelled: the loop has returned
        asio::post(io, [&, signo] {
            std::fprintf(stderr, "rt partition proxy: signal %d, stopping\n", signo);
            finish();
        });
    });
    if (duration) {
        deadline.expires_after(*duration);
        deadline.async_wait([&](const std::error_code& dec) {
            if (dec) return;
            std::fprintf(stderr, "rt partition proxy: --duration %s reached, stopping\n", o.duration.c_str());
            finish();
        });
    }
    timeline.start();
    io.run();
    signals.cancel();
    signal_thread.join();
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

}  // namespace rt::chaos

#pragma once
// Plays a chaos scenario end to end (`rt partition run`): starts `rt serve` (or uses the scenario's
// external `target`, or --upstream), puts a fault proxy in front of it, runs the scenario's subscribers through the proxy (each a
// reconnecting reconnecting_subscriber that resumes), one reference subscriber per stream and a publisher
// DIRECT to the server, plays the timeline, heals, waits (bounded) until every subscriber reaches
// its stream's top, then checks every history: lost, duplicated, out-of-order, unexpected; and the
// rebuilt rows against the server's current view. Every wait is bounded in time. With a target,
// kill_server and restart_server run the scenario's kill_cmd and restart_cmd instead.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "chaos/scenario.hpp"
#include "chaos/scenario_report.hpp"
#include "protocol/result.hpp"

namespace rt::chaos {

struct run_options {
    std::string server_binary;  // the rt executable that serves; empty: /proc/self/exe
    std::string upstream;       // HOST:PORT of a running server; empty: the scenario's target, or start one
    std::string server_listen = "127.0.0.1:0";  // HOST:PORT for the rt serve it starts (port 0: ephemeral)
    std::string proxy_listen = "127.0.0.1:0";   // HOST:PORT the fault proxy listens on
    std::function<void(const std::string&)> progress;  // one line at a time (stderr); may be empty
};

// Checks the options before a run: --server-listen and --proxy-listen must be HOST:PORT (an IP
// address or localhost). The error names the flag.
result<void, std::string> check_run_options(const run_options& options);

// Runs the scenario. Returns the report (which says whether it passed), or an error when the run
// could not take place at all (the server did not start, the proxy could not listen, ...).
// Blocking; the caller's thread plays the timeline.
result<scenario_report, std::string> run_scenario(const scenario& sc, const run_options& options);

}  // namespace rt::chaos

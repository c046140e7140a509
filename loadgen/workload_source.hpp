#pragma once
// Where a spec workload comes from: reads the spec (a file, or GET /api/_spec from the server
// under test) and plans the workload (protocol/spec_workload.hpp) from the settings.
#include <chrono>
#include <string>

#include "loadgen/config.hpp"
#include "protocol/result.hpp"

namespace rt::loadgen {

struct workload_error {
    bool usage = true;  // true: the settings or the spec are wrong (exit 2); false: the fetch failed (exit 1)
    std::string message;
};

// With config.spec set (after finalize): loads the spec, plans config.request on it (by default
// one stream per 10 connections, like the demo's boards) and fills config.app, config.plan and
// config.boards (the plan's streams). Without config.spec: does nothing. Blocking (the fetch
// waits at most `fetch_timeout`).
result<void, workload_error> resolve_workload(loadgen_config& config, std::chrono::milliseconds fetch_timeout);

}  // namespace rt::loadgen

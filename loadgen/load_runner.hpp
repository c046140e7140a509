#pragma once
// One `rt loadgen` run, start to finish: create the tasks, open the publisher connections, ramp
// the subscribers up, publish on schedule, drain, close, and gather the report.
#include <functional>
#include <string>

#include "loadgen/config.hpp"
#include "loadgen/report.hpp"
#include "protocol/result.hpp"

namespace rt::loadgen {

// Receives a progress line about once a second (no trailing newline). Controller thread.
using progress_fn = std::function<void(const std::string& line)>;

// Runs the load described by `config` (finalize()d). Returns the report (thresholds evaluated),
// or an error when the run could not take place at all (server unreachable, setup refused, too
// few file descriptors). Blocking; every wait inside is bounded.
result<loadgen_report, std::string> run_loadgen(const loadgen_config& config, const progress_fn& progress);

}  // namespace rt::loadgen

#pragma once
// The parent of `rt loadgen --workers N`: starts N copies of rt as worker processes (each opens
// its share of the connections, from 127.A.B.x addresses of its own, under its own open-file
// limit), walks them through the run's phases (run_barrier.hpp) over their stdin/stdout
// (worker_link.hpp), and merges their reports into one (worker_report.hpp).
//
// Every wait is bounded (phase_timeout, plus a margin); a worker that exits early, reports an
// error or overruns fails the run with a message naming it (index and pid), and every worker
// still running is told to stop and then killed by its pid.
#include <atomic>
#include <string>
#include <vector>

#include "loadgen/config.hpp"
#include "loadgen/load_runner.hpp"
#include "loadgen/report.hpp"
#include "protocol/result.hpp"

namespace rt::loadgen {

// How to start a worker: the rt executable and the command line after it (`loadgen` and the
// user's flags); the worker's own flags (--worker K/N, --run-tag, --source-draw) are appended.
struct worker_command {
    std::string executable;
    std::vector<std::string> args;
};

// Runs `config` (finalized, workload resolved, workers > 1) over config.workers processes.
// `relay` gets every line the workers print on stderr, prefixed "w<index> ", and the parent's own
// status lines (null: dropped). `interrupt` (may be null): once set, each worker is told to stop
// early, and the merged report is marked interrupted. Blocking.
result<loadgen_report, std::string> run_workers(const loadgen_config& config, const worker_command& command,
                                                const progress_fn& relay, const std::atomic<bool>* interrupt);

// The worker's own flags, for `command.args` of worker `index` (tests start workers by hand).
std::vector<std::string> worker_flags(std::uint32_t index, std::uint32_t count, const std::string& run_tag,
                                      std::uint32_t source_draw);

}  // namespace rt::loadgen

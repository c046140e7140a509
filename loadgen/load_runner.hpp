#pragma once
// One `rt loadgen` run, start to finish: create the tasks, open the publisher connections, ramp
// the subscribers up, publish on schedule, drain, close, and gather the report.
#include <atomic>
#include <chrono>
#include <functional>
#include <string>

#include "loadgen/config.hpp"
#include "loadgen/report.hpp"
#include "loadgen/run_barrier.hpp"
#include "protocol/result.hpp"

namespace rt::loadgen {

// Receives a progress line about once a second (no trailing newline). Controller thread.
using progress_fn = std::function<void(const std::string& line)>;

// Runs the load described by `config` (finalize()d). Returns the report (thresholds evaluated),
// or an error when the run could not take place at all (server unreachable, setup refused, too
// few file descriptors). Blocking; every wait inside is bounded.
// `interrupt` (may be null; set from a signal handler, say) ends the run early: the phase under
// way stops within 100 ms (setup and the publisher connect run to their end first), events in
// flight get at most interrupt_drain, and the report holds what was measured so far, marked
// `interrupted` (never ok).
// In a worker process (config.worker set), `barrier` (not null) keeps it in step with the other
// workers (run_barrier.hpp); the report is then this worker's share, for worker_report to merge,
// and a barrier that fails ends the run with that error (after closing what it opened).
result<loadgen_report, std::string> run_loadgen(const loadgen_config& config, const progress_fn& progress,
                                                const std::atomic<bool>* interrupt = nullptr,
                                                run_barrier* barrier = nullptr);

// The longest a worker may take to reach `phase` (connected, published, drained) after the
// previous one, or to send its result ("result") after drained: the run's own bounds (setup,
// ramp, grace, drain) plus a margin for a loaded machine. Both ends use it: the worker as its
// wait for the others, the parent as the time after which it kills a worker.
std::chrono::milliseconds phase_timeout(const loadgen_config& config, const std::string& phase);

// After an interrupt, the longest wait for acknowledgements and deliveries already in flight:
// long enough for a loaded loopback server, short enough that Ctrl-C feels immediate.
constexpr std::chrono::milliseconds interrupt_drain{1000};

}  // namespace rt::loadgen

#pragma once
// A worker process's end of `rt loadgen --workers N` (the parent's end: worker_fleet). The
// parent writes to the worker's stdin and reads its stdout, one JSON message per line: phase
// arrivals, the result or an error up; go, interrupt (Ctrl-C: stop early, report what was
// measured) or abort (another worker failed: stop, report nothing) down. The messages and their
// codec are protocol/worker_messages.hpp.
//
// Nothing else may be written to a worker's stdout (its progress and errors go to stderr, which
// the parent relays). End of file on stdin (the parent gone) counts as an abort.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "loadgen/run_barrier.hpp"
#include "protocol/worker_messages.hpp"

namespace rt::loadgen {

class worker_link : public run_barrier {
public:
    // Starts reading stdin on a thread of its own.
    worker_link();
    // Stops reading (within 100 ms) and joins the thread.
    ~worker_link() override;
    worker_link(const worker_link&) = delete;
    worker_link& operator=(const worker_link&) = delete;

    result<nlohmann::json, std::string> meet(const std::string& phase, const nlohmann::json& payload,
                                             std::chrono::milliseconds timeout) override;
    // Set once the parent sent interrupt or abort, or went away: run_loadgen's `interrupt`.
    const std::atomic<bool>& stop_requested() const { return stop_requested_; }

    void send_result(const nlohmann::json& report);
    void send_error(const std::string& message);

private:
    void send(const std::string& line);  // one encoded message
    void read_loop();
    // Handles one line from the parent. Reader thread.
    void on_line(const std::string& line);

    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<proto::parent_go> answers_;  // go messages not yet taken by meet()
    std::string abort_reason_;            // non-empty once aborted (or the pipe closed)
    std::atomic<bool> stop_requested_{false};
    std::atomic<bool> closing_{false};
    std::mutex out_mu_;
    std::thread reader_;  // last: starts once the members above exist
};

}  // namespace rt::loadgen

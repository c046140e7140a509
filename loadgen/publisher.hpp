#pragma once
// The publishing side of a run, in the load generator's own process (one clock for both ends):
// creates one task per board, then sends `update` publishes on a fixed schedule over its own
// connections (on their own io_loop, so a burst of deliveries cannot delay a send), counting
// acknowledgements per board: they say how many events each board's subscribers should get.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "client/io_loop.hpp"
#include "client/ws_connection.hpp"
#include "loadgen/config.hpp"
#include "loadgen/publish_schedule.hpp"
#include "loadgen/run_stats.hpp"
#include "protocol/result.hpp"

namespace rt::loadgen {

// Tasks created per setup connection: under the server's default burst of 200 messages.
constexpr std::uint32_t tasks_per_setup_connection = 150;

// The publish frame for event `k` on `task_id`: an update of the title (carrying the times) and
// of priority, which alternates so that every update changes the row.
std::string update_text(std::uint64_t k, std::string_view task_id, std::string_view title);
// The insert frame creating `task_id` on board `b<board>`.
std::string insert_text(std::uint32_t board, std::string_view task_id);
// The delete frame removing `task_id` (of board `b<board>`) at the end of a run.
std::string delete_text(std::uint32_t board, std::string_view task_id);

class publisher {
public:
    // `run_tag` makes the task ids of this run unique on a long-lived server.
    publisher(const loadgen_config& config, run_stats& stats, std::string run_tag);
    ~publisher();
    publisher(const publisher&) = delete;
    publisher& operator=(const publisher&) = delete;

    std::string task_id(std::uint32_t board) const;

    // Inserts one task per board over short-lived setup connections; returns once every insert is
    // acknowledged, or the error (first refusal, connection failure, timeout). Blocking.
    result<bool, std::string> create_tasks(std::chrono::milliseconds timeout);
    // Deletes the tasks create_tasks made, the same way, so the run leaves the store as it found
    // it: rows left behind would be in every later AllTasks snapshot (10,000 broadcast subscribers
    // times 1,000 rows of a previous boards run stalled the server past the handshake timeout).
    result<bool, std::string> remove_tasks(std::chrono::milliseconds timeout);
    // Opens the publisher connections; blocking, at most `timeout`.
    result<bool, std::string> connect(std::chrono::milliseconds timeout);
    // Sends every event of `schedule`, each at its intended time or as soon after as possible
    // (late ones are counted, never skipped), unless `stop` becomes true. Blocking: run it on a
    // thread of its own.
    void run(const publish_schedule& schedule, const std::atomic<bool>& stop);
    // Waits until every sent publish is acknowledged or refused, at most `timeout`.
    bool wait_acks(std::chrono::milliseconds timeout) const;
    // Publishes acknowledged for `board`: events its subscribers should each receive.
    std::uint64_t acked(std::uint32_t board) const { return acked_[board].load(); }
    std::string first_error() const;
    // Closes the connections (without waiting for the close handshakes).
    void close();

private:
    // Sends `frames` (one publish each, answered by `published` or `error`) over short-lived
    // connections, tasks_per_setup_connection each; returns once all are acknowledged, or the
    // first refusal, connection failure or timeout. `verb`/`done_text` name them in errors.
    result<bool, std::string> run_setup(const std::vector<std::string>& frames, const char* verb,
                                        const char* done_text, std::chrono::milliseconds timeout);
    void on_reply(std::string_view text);
    void note_error(const std::string& why);

    const loadgen_config& config_;
    run_stats& stats_;
    std::string run_tag_;
    client::io_loop loop_;  // declared before the connections: they must go first
    std::vector<std::shared_ptr<client::ws_connection>> cons_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> acked_;
    std::mutex pending_mu_;
    std::unordered_map<std::uint64_t, std::uint32_t> pending_;  // request id → board, until its reply
    std::atomic<std::uint64_t> open_{0}, closed_{0};
    std::atomic<bool> closing_{false};  // closes from here on are ours, not errors
    mutable std::mutex error_mu_;
    std::string first_error_;
};

}  // namespace rt::loadgen

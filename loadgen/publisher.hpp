#pragma once
// The publishing side of a run, in the load generator's own process (one clock for both ends):
// creates one row per board (stream), then sends publishes on a fixed schedule over its own
// connections (on their own io_loop, so a burst of deliveries cannot delay a send), counting
// acknowledgements per board: they say how many events each board's subscribers should get.
// Each publish updates the board's row, or, as the workload's mix says, inserts a row into the
// board or deletes one it inserted earlier (only once that insert was acknowledged, so the
// delete can never overtake it); every one of them is one event on the board's stream.
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
#include "loadgen/workload_frames.hpp"
#include "protocol/result.hpp"

namespace rt::loadgen {

// Tasks created per setup connection: under the server's default burst of 200 messages.
constexpr std::uint32_t tasks_per_setup_connection = 150;

class publisher {
public:
    // `frames` (the run's rows, unique to it on a long-lived server) must outlive the publisher.
    publisher(const loadgen_config& config, run_stats& stats, const workload_frames& frames);
    ~publisher();
    publisher(const publisher&) = delete;
    publisher& operator=(const publisher&) = delete;

    // Inserts one task per board over short-lived setup connections; returns once every insert is
    // acknowledged, or the error (first refusal, connection failure, timeout). Blocking.
    result<void, std::string> create_tasks(std::chrono::milliseconds timeout);
    // Deletes the rows create_tasks made (and those the mix inserted and left), the same way, so the run leaves the store as it found
    // it: rows left behind would be in every later AllTasks snapshot (10,000 broadcast subscribers
    // times 1,000 rows of a previous boards run stalled the server past the handshake timeout).
    result<void, std::string> remove_tasks(std::chrono::milliseconds timeout);
    // Opens the publisher connections; blocking, at most `timeout`.
    result<void, std::string> connect(std::chrono::milliseconds timeout);
    // Sends every event of `schedule`, each at its intended time or as soon after as possible
    // (late ones are counted, never skipped), unless `stop` becomes true. Blocking: run it on a
    // thread of its own.
    void run(const publish_schedule& schedule, const std::atomic<bool>& stop);
    // Waits until every sent publish is acknowledged or refused, at most `timeout`.
    bool wait_acks(std::chrono::milliseconds timeout) const;
    // Publishes acknowledged for `board`: events its subscribers should each receive.
    std::uint64_t acked(std::uint32_t board) const { return acked_[board].load(); }
    // Every board's acked(), in board order.
    std::vector<std::uint64_t> acked_per_board() const;
    // Publishes sent to / acknowledged by node n (config.urls[n]).
    std::uint64_t sent_to(std::uint32_t node) const { return per_node_[node].sent.load(); }
    std::uint64_t acked_by(std::uint32_t node) const { return per_node_[node].acked.load(); }
    std::string first_error() const;
    // Closes the connections (without waiting for the close handshakes).
    void close();

private:
    // Sends `frames` (one publish each, answered by `published` or `error`) over short-lived
    // connections, tasks_per_setup_connection each; returns once all are acknowledged, or the
    // first refusal, connection failure or timeout. `verb`/`done_text` name them in errors.
    // frames[n]: the frames for node n.
    result<void, std::string> run_setup(const std::vector<std::vector<std::string>>& frames, const char* verb,
                                        const char* done_text, std::chrono::milliseconds timeout);
    struct pending_publish {
        std::uint32_t board = 0;
        std::uint32_t node = 0;
        std::string inserted;  // the id an insert creates: deletable once acknowledged
    };
    void on_reply(std::string_view text);
    void note_error(const std::string& why);
    // The frame of publish k on `board`, sent to `node`, chosen by the mix; records it in pending_.
    std::string next_frame(std::uint64_t k, std::uint32_t board, std::uint32_t node, std::string payload,
                           std::uint32_t dice);

    const loadgen_config& config_;
    run_stats& stats_;
    const workload_frames& frames_;
    client::io_loop loop_;  // declared before the connections: they must go first
    std::vector<std::shared_ptr<client::ws_connection>> cons_;  // cons_[p] is on node p % nodes
    std::unique_ptr<std::atomic<std::uint64_t>[]> acked_;
    struct node_counts {
        std::atomic<std::uint64_t> sent{0}, acked{0};
    };
    std::unique_ptr<node_counts[]> per_node_;
    std::mutex pending_mu_;
    std::unordered_map<std::uint64_t, pending_publish> pending_;  // request id → board, until its reply
    std::vector<std::vector<std::string>> deletable_;  // per board: inserted rows acknowledged, not deleted
    std::vector<std::uint64_t> inserts_;               // per board: rows inserted so far (their ids' n)
    std::atomic<std::uint64_t> open_{0}, closed_{0};
    std::atomic<bool> closing_{false};  // closes from here on are ours, not errors
    mutable std::mutex error_mu_;
    std::string first_error_;
};

}  // namespace rt::loadgen

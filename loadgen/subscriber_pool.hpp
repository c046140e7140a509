#pragma once
// The subscriber connections: opened one at a time by the ramp (the controller thread calls
// open(i) at the ramp's pace), each subscribing once open and then tracking its stream's seq
// and every delivery's latency. All connections share one io_loop.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "client/io_loop.hpp"
#include "client/ws_connection.hpp"
#include "loadgen/config.hpp"
#include "loadgen/delivery_tracker.hpp"
#include "loadgen/run_stats.hpp"

namespace rt::loadgen {

enum class slot_state : std::uint8_t { idle, connecting, open, subscribed, failed, closed };

// One subscriber. Its tracker is touched only by the connection's handlers (one at a time), and
// read by the controller once the loop has stopped.
struct subscriber_slot {
    std::shared_ptr<client::ws_connection> con;
    delivery_tracker tracker;
    std::int64_t connect_start_us = 0;
    std::int64_t open_us = 0;
    std::uint32_t board = 0;
    std::atomic<slot_state> state{slot_state::idle};
    std::atomic<bool> subscribe_sent{false};  // on_open and open() race to send it; one wins
    bool was_subscribed = false;  // reached `subscribed` at some point (state may be closed now)
};

class subscriber_pool {
public:
    // `loop` must outlive the pool; `stats` too.
    subscriber_pool(client::io_loop& loop, const loadgen_config& config, run_stats& stats);
    ~subscriber_pool();
    subscriber_pool(const subscriber_pool&) = delete;
    subscriber_pool& operator=(const subscriber_pool&) = delete;

    std::uint32_t size() const { return static_cast<std::uint32_t>(slots_.size()); }
    // Starts connection i (0 <= i < size()), once. Controller thread only.
    void open(std::uint32_t i);
    // The subscribe message connection i sends.
    static std::string subscribe_text(const loadgen_config& config, std::uint32_t board);

    // Connections whose outcome (subscribed or failed) is still pending.
    std::uint64_t pending() const { return started_ - subscribed_ - failed_; }
    std::uint64_t started() const { return started_; }
    std::uint64_t opened() const { return opened_; }
    std::uint64_t subscribed() const { return subscribed_; }
    std::uint64_t failed() const { return failed_; }
    // Connections that closed after subscribing and before close_all(): the server dropped them.
    std::uint64_t dropped() const { return dropped_; }
    // Open connections right now.
    std::int64_t open_now() const { return open_now_; }

    // The first failure's reason (connect error, error reply), for the report.
    std::string first_error() const;

    // Closes every connection; returns once all have reported on_close or `timeout` has passed.
    // Controller thread only. After this no more drops are counted.
    void close_all(std::chrono::milliseconds timeout);
    // Drops the ws_connections. Call before stopping the loop.
    void release();

    // Read after the loop has stopped.
    const std::vector<subscriber_slot>& slots() const { return slots_; }

private:
    void on_open(std::uint32_t i);
    // Sends the subscribe once the connection is both open and stored in its slot.
    void try_subscribe(std::uint32_t i);
    void on_message(std::uint32_t i, std::string_view text);
    void on_close(std::uint32_t i, int code, const std::string& reason);
    void fail(std::uint32_t i, const std::string& why);
    void note_error(const std::string& why);

    client::io_loop& loop_;
    const loadgen_config& config_;
    run_stats& stats_;
    client::ws_options options_;
    std::vector<subscriber_slot> slots_;
    std::vector<std::string> source_ips_;

    std::atomic<std::uint64_t> started_{0}, opened_{0}, subscribed_{0}, failed_{0}, dropped_{0}, closed_{0};
    std::atomic<std::int64_t> open_now_{0};
    std::atomic<bool> closing_{false};
    mutable std::mutex error_mu_;
    std::string first_error_;
};

}  // namespace rt::loadgen

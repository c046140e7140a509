#pragma once
// The subscriber connections: opened one at a time by the ramp (the controller thread calls
// open(i) at the ramp's pace), each subscribing once open and then tracking its stream's seq
// and every delivery's latency. All connections share one io_loop. Each is a subscriber_link:
// a WebSocket or an SSE stream (--transport), which deliver the same server messages, so
// everything below is the same for both (an SSE stream is "open" at its 200 response head, and
// its request was the subscribe; a resume sends Last-Event-ID instead of `since`).
//
// Churn (--churn): the controller calls churn(i) on a subscribed connection; it is closed, and its
// on_close opens a new connection that subscribes with `since` = {epoch, last seq seen}. The
// tracker carries on: a `recovered:true` reply is followed by exactly the missed events; a
// `recovered:false` one (a resync) skips the events in between (delivery_tracker::skip_to), or,
// when the epoch changed, leaves the connection out of the completeness figures. Both are counted.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "client/io_loop.hpp"
#include "loadgen/config.hpp"
#include "loadgen/delivery_tracker.hpp"
#include "loadgen/event_payload.hpp"
#include "loadgen/run_stats.hpp"
#include "loadgen/subscriber_link.hpp"
#include "loadgen/workload_frames.hpp"
#include "protocol/messages.hpp"

namespace rt::loadgen {

// churning: subscribed, closed by churn(); on_close reconnects it (back to connecting).
enum class slot_state : std::uint8_t { idle, connecting, open, subscribed, churning, failed, closed };

// One subscriber. Its tracker is touched only by the connection's handlers (one at a time), and
// read by the controller once the loop has stopped.
struct subscriber_slot {
    std::shared_ptr<subscriber_link> con;
    delivery_tracker tracker;
    std::int64_t connect_start_us = 0;
    std::int64_t open_us = 0;
    std::uint32_t board = 0;
    std::uint32_t node = 0;       // index into config.urls: the server this slot connects to
    std::atomic<slot_state> state{slot_state::idle};
    std::atomic<bool> subscribe_sent{false};  // on_open and connect() race to send it; one wins
    bool was_subscribed = false;  // reached `subscribed` at some point (state may be closed now)
    std::string epoch;            // the stream's epoch from the last `subscribed` reply
    std::int64_t churn_start_us = 0;  // when churn() last closed it (written before the state
                                      // leaves `subscribed`, read by the handlers after)
    bool resuming = false;        // between churn's close and the new `subscribed`; handlers only
    bool left_out = false;        // resynced into a new epoch: no completeness figures for it
};

class subscriber_pool {
public:
    // `loop` must outlive the pool; `stats` and `frames` (what each connection subscribes) too.
    // Slot i is the run's connection own.first + i (of own.count): its stream and node follow
    // from that number (node_of_connection), so workers agree on them. Connection i binds to
    // source_addresses[i % size] (an empty string: the kernel picks); at least one entry.
    subscriber_pool(client::io_loop& loop, const loadgen_config& config, run_stats& stats,
                    const workload_frames& frames, std::vector<std::string> source_addresses, conn_range own);
    ~subscriber_pool();
    subscriber_pool(const subscriber_pool&) = delete;
    subscriber_pool& operator=(const subscriber_pool&) = delete;

    std::uint32_t size() const { return static_cast<std::uint32_t>(slots_.size()); }
    // The local addresses connections bind to, as given ("" : the kernel picks).
    const std::vector<std::string>& source_addresses() const { return source_ips_; }
    // Starts connection i (0 <= i < size()), once. Controller thread only.
    void open(std::uint32_t i);
    // The subscribe message a connection of `board` sends, for a workload whose streams do not
    // depend on the run (every workload but a spec's by-id one).
    static std::string subscribe_text(const loadgen_config& config, std::uint32_t board);
    // The subscribe a reconnected connection sends: the same subscription, resuming after `since`.
    static std::string resume_text(const loadgen_config& config, std::uint32_t board,
                                   const proto::stream_position& since);
    // Both, for a run's frames.
    static std::string subscribe_text(const workload_frames& frames, std::uint32_t board,
                                      const std::optional<proto::stream_position>& since);
    // Closes subscribed connection i to reopen it (see the top). Returns false, doing nothing, when
    // i is not subscribed right now (still reconnecting, failed). Controller thread only.
    bool churn(std::uint32_t i);

    // Connections whose first outcome (subscribed or failed) is still pending.
    std::uint64_t pending() const { return started_ - subscribed_ - failed_; }
    std::uint64_t started() const { return started_; }
    std::uint64_t opened() const { return opened_; }
    std::uint64_t subscribed() const { return subscribed_; }
    std::uint64_t failed() const { return failed_; }
    // Connections that closed after subscribing and before close_all(): the server dropped them.
    std::uint64_t dropped() const { return dropped_; }
    // Churn: reconnects started by churn(), finished (subscribed again), and how they ended.
    std::uint64_t reconnects_started() const { return reconnects_started_; }
    std::uint64_t reconnects_done() const { return recovered_ + resynced_; }
    std::uint64_t reconnects_failed() const { return reconnects_failed_; }
    // Reconnects under way (closed by churn(), not yet subscribed again, not failed).
    std::uint64_t reconnecting() const {
        return reconnects_started_ - recovered_ - resynced_ - reconnects_failed_;
    }
    std::uint64_t recovered() const { return recovered_; }
    std::uint64_t resynced() const { return resynced_; }
    // Resyncs into a new epoch (a subset of resynced()): those connections are left out.
    std::uint64_t resynced_new_epoch() const { return resynced_new_epoch_; }
    // Open connections right now.
    std::int64_t open_now() const { return open_now_; }

    // The first failure's reason (connect error, error reply), for the report.
    std::string first_error() const;

    // Closes every connection; returns once all have reported on_close or `timeout` has passed.
    // Controller thread only. After this no more drops are counted.
    void close_all(std::chrono::milliseconds timeout);
    // Drops the connections. Call before stopping the loop.
    void release();

    // Read after the loop has stopped.
    const std::vector<subscriber_slot>& slots() const { return slots_; }

private:
    void on_open(std::uint32_t i);
    // Sends the subscribe once the connection is both open and stored in its slot.
    void try_subscribe(std::uint32_t i);
    void on_message(std::uint32_t i, std::string_view text);
    // The `subscribed` reply, first or after a reconnect.
    void on_subscribed(std::uint32_t i, const proto::subscribed_msg& subscribed, std::int64_t receive_us);
    // One delivered event of connection i (an `event` frame, or one item of an `events` frame):
    // its seq to the tracker, its latency (unless it is a delete) to the stats.
    void on_delivery(std::uint32_t i, std::uint64_t seq, const title_times& times, bool is_delete, std::int64_t receive_us);
    // The times an event's row carries in the payload attribute; nullopt when it carries none.
    std::optional<title_times> times_of(const proto::event_msg& e) const;
    // Opens slot i's connection: the first time, or a reconnect when the slot is resuming.
    void connect(std::uint32_t i);
    // on_close of a connection churn() closed: reconnects it, unless the pool is closing.
    void reconnect(std::uint32_t i);
    void on_close(std::uint32_t i, int code, const std::string& reason);
    void fail(std::uint32_t i, const std::string& why);
    void note_error(const std::string& why);

    client::io_loop& loop_;
    const loadgen_config& config_;
    run_stats& stats_;
    const workload_frames& frames_;
    const bool deletes_;  // the mix deletes rows: delete events count, but not for latency
    std::vector<subscriber_slot> slots_;
    std::vector<std::string> source_ips_;

    std::atomic<std::uint64_t> started_{0}, opened_{0}, subscribed_{0}, failed_{0}, dropped_{0}, closed_{0};
    std::atomic<std::uint64_t> reconnects_started_{0}, reconnects_failed_{0}, recovered_{0}, resynced_{0},
        resynced_new_epoch_{0};
    std::atomic<std::int64_t> open_now_{0};
    std::atomic<bool> closing_{false};
    mutable std::mutex error_mu_;
    std::string first_error_;
};

}  // namespace rt::loadgen

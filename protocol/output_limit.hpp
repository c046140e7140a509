#pragma once
// Slow-consumer policy for one connection, like Redis's client-output-buffer-limit: a hard limit
// (disconnect at once) and a soft limit that may be exceeded only for a grace period. While over
// the soft limit, events are dropped (the client sees the gap by its seq and resumes). Every frame
// queued to the connection asks this policy first: events through check(), frames that may not be
// dropped silently (replies, snapshots, replays, pongs, presence) through check_reply(). Pure, with
// an injected clock: the caller passes its queued bytes and `now`, and acts on the verdict.
// Not thread-safe: one per connection, used from that connection's handlers.
#include <chrono>
#include <cstdint>

namespace rt::proto {

struct output_limit_config {
    std::uint64_t soft_bytes = 1 << 20;          // 1 MiB: thousands of ~200 B events, more than a healthy client has in flight
    std::chrono::milliseconds soft_grace{5000};  // 5 s: rides out a GC pause or a Wi-Fi hiccup, not a stuck client
    std::uint64_t hard_bytes = 8 << 20;          // 8 MiB: room for one big burst, yet a firm bound on one connection's queue
};

enum class send_verdict {
    send,        // queue the event
    drop,        // do not queue it (counted in dropped())
    disconnect,  // close the connection (post the close; never close from inside a fan-out loop)
    too_large,   // check_reply only: this one frame alone is over hard_bytes; refuse it (the
                 // connection is fine: the caller answers with an error instead)
};

class output_limit {
public:
    // should_log_drop() answers true at most once per this interval.
    static constexpr std::chrono::milliseconds drop_log_interval{5000};  // 5 s: a slow client is visible, a flood is not

    explicit output_limit(output_limit_config config);

    // The verdict for one more event, given the bytes already queued for the connection:
    //   queued > hard_bytes                  -> disconnect
    //   queued <= soft_bytes                 -> send, and the over-soft timer is cleared
    //   soft_bytes < queued <= hard_bytes    -> drop; the timer starts at the first such call, and
    //                                           once over soft continuously for longer than
    //                                           soft_grace (now - start > soft_grace) -> disconnect
    // Disconnect is final: once returned, every later call returns disconnect too, and
    // disconnected() is true. Drop verdicts are counted in dropped().
    send_verdict check(std::uint64_t queued_bytes, std::chrono::steady_clock::time_point now);

    // The verdict for one frame that must not be dropped silently (a reply, snapshot, replay, pong,
    // presence state), of frame_bytes, given the bytes already queued:
    //   disconnected() already               -> disconnect
    //   frame_bytes > hard_bytes             -> too_large (nothing else changes)
    //   queued + frame_bytes > hard_bytes    -> disconnect
    //   queued + frame_bytes <= soft_bytes   -> send, and the over-soft timer is cleared
    //   otherwise (over soft, within hard)   -> send; the over-soft timer starts or runs as in
    //                                           check(), and past soft_grace -> disconnect
    // So a client that never reads is closed once its replies reach the hard limit, however it
    // provokes them; nothing it asks for is ever queued beyond hard_bytes.
    send_verdict check_reply(std::uint64_t queued_bytes, std::uint64_t frame_bytes,
                             std::chrono::steady_clock::time_point now);

    // True if a drop should be logged now: at most once per drop_log_interval (the first call
    // returns true). A true answer starts a new interval.
    bool should_log_drop(std::chrono::steady_clock::time_point now);

    // Events dropped (drop verdicts) so far.
    std::uint64_t dropped() const { return dropped_; }
    // Whether check() has returned disconnect.
    bool disconnected() const { return disconnected_; }
    const output_limit_config& config() const { return config_; }

private:
    // Starts or runs the over-soft timer; true once over soft for longer than soft_grace.
    bool over_soft_too_long(std::chrono::steady_clock::time_point now);

    output_limit_config config_;
    std::uint64_t dropped_ = 0;
    std::chrono::steady_clock::time_point over_soft_since_{};
    std::chrono::steady_clock::time_point last_drop_log_{};
    bool over_soft_ = false;       // over_soft_since_ is valid
    bool logged_drop_ = false;     // last_drop_log_ is valid
    bool disconnected_ = false;
};

}  // namespace rt::proto

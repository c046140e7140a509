#pragma once
// One stream's offsets and replay buffer (docs/protocol.md §8).
// The top seq and epoch are kept apart from the buffered events, so an idle stream whose buffer
// has aged out still recovers a client that missed nothing. Pure: time is passed in (wall-clock
// ms, so a history persisted across a restart keeps its ages).
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "protocol/messages.hpp"

namespace rt::proto {

struct replay_entry {
    std::uint64_t seq = 0;
    std::int64_t ts_ms = 0;
    std::shared_ptr<const std::string> frame;  // the event exactly as sent live
};

struct replay_limits {
    std::uint32_t max_events = 100;      // per stream (docs/protocol.md §8, "The replay buffer")
    std::int64_t max_age_ms = 30000;     // per stream (docs/protocol.md §8, "The replay buffer")
};

class stream_history {
public:
    stream_history(std::string epoch, std::uint64_t top_seq, replay_limits limits);
    // A history as persisted before a restart: its epoch and top seq, and the events stored for it
    // in seq order. Only the run of consecutive seqs ending the list is kept (events before a hole,
    // which trimming can leave, are skipped: replay never crosses a hole); when that run does not
    // end at top_seq, no event is kept. The top seq is top_seq whatever is kept.
    static stream_history restore(std::string epoch, std::uint64_t top_seq, std::vector<replay_entry> persisted,
                                  replay_limits limits);

    const std::string& epoch() const { return epoch_; }
    std::uint64_t top_seq() const { return top_seq_; }
    std::uint64_t next_seq() const { return top_seq_ + 1; }
    stream_position position() const { return {epoch_, top_seq_}; }

    // Appends the event with seq == next_seq() (asserted) and drops what exceeds max_events.
    void append(replay_entry e);
    // Drops events older than max_age_ms at `now_ms`.
    void prune(std::int64_t now_ms);

    // The events after `since` when every one of them is still held (after pruning at now_ms) and
    // the epoch matches; an empty vector when the client missed nothing; nullopt when it cannot be
    // recovered (foreign epoch, seq ahead of the stream, or events already dropped).
    std::optional<std::vector<replay_entry>> missed_since(const stream_position& since, std::int64_t now_ms);

    std::size_t buffered() const { return events_.size(); }
    std::size_t buffered_bytes() const { return bytes_; }
    const std::deque<replay_entry>& events() const { return events_; }

private:
    std::string epoch_;
    std::uint64_t top_seq_;
    replay_limits limits_;
    std::deque<replay_entry> events_;
    std::size_t bytes_ = 0;
};

// A fresh random epoch name (16 hex digits).
std::string random_epoch(std::mt19937_64& rng);

}  // namespace rt::proto

#pragma once
// Per-connection completeness from one stream's seq numbers: which deliveries were lost,
// duplicated or out of order. Pure and small (24 bytes plus a vector that stays empty while
// nothing is missing), because there is one per connection and 10,000+ connections.
//
// The stream's seq counts up from 1 with no holes. The tracker starts from the seq the
// `subscribed` reply reported (the base): the next event should be base+1.
#include <cstdint>
#include <utility>
#include <vector>

namespace rt::loadgen {

enum class seq_verdict {
    in_order,      // the next expected seq
    gap,           // ahead of the next expected: the seqs in between are (so far) missing
    out_of_order,  // a seq that was missing arrived late
    duplicate,     // seen before (or at or below the base)
};

class delivery_tracker {
public:
    delivery_tracker() = default;
    explicit delivery_tracker(std::uint64_t base_seq) : base_seq_(base_seq), highest_seq_(base_seq) {}

    // Records one delivery. Only the connection's own handlers call this (not thread-safe).
    seq_verdict on_seq(std::uint64_t seq);

    std::uint64_t base_seq() const { return base_seq_; }
    std::uint64_t highest_seq() const { return highest_seq_; }
    std::uint32_t unique() const { return unique_; }            // distinct events delivered
    std::uint32_t duplicates() const { return duplicates_; }
    std::uint32_t out_of_order() const { return out_of_order_; }
    // Seqs below highest_seq() never received, so far.
    std::uint64_t missing_inside() const;
    // A resync (`recovered:false` in the same epoch after a reconnect): the stream moved on to
    // `seq` while this connection was away and the events after highest_seq() up to `seq` will
    // not come. They count as skipped, not lost; tracking goes on from `seq`. A `seq` at or below
    // highest_seq() skips nothing.
    void skip_to(std::uint64_t seq);
    std::uint32_t skipped() const { return skipped_; }
    // Lost deliveries once `expected` events were published to this stream after the base:
    // every expected event neither delivered nor skipped by a resync, including a gap at the
    // end. Never negative.
    std::uint64_t lost(std::uint64_t expected) const {
        const std::uint64_t accounted = std::uint64_t{unique_} + skipped_;
        return expected > accounted ? expected - accounted : 0;
    }

private:
    std::uint64_t base_seq_ = 0;
    std::uint64_t highest_seq_ = 0;
    std::uint32_t unique_ = 0;
    std::uint32_t duplicates_ = 0;
    std::uint32_t out_of_order_ = 0;
    std::uint32_t skipped_ = 0;  // fits in the padding before missing_: no bigger per connection
    // Missing seq ranges [first, last], ascending and disjoint; empty in a healthy run.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> missing_;
};

}  // namespace rt::loadgen

#pragma once
// Rate-limit violations of one connection, decaying over time, so that only sustained abuse adds
// up to a close: the count halves every `half_life` (whole periods since the last halving; a
// count of 1 halves to 0). A long-lived client with an occasional burst over the rate limit
// therefore never reaches the close threshold, while a flood (many violations per half-life) does.
// Pure, with an injected clock. Not thread-safe: one per connection, used from its handlers.
#include <chrono>
#include <cstdint>

namespace rt::proto {

class violation_count {
public:
    using time_point = std::chrono::steady_clock::time_point;

    // 60 s: a client closed after 50 violations (the default threshold) must have violated about
    // once a second for a minute; a burst every few minutes is forgotten long before that.
    static constexpr std::chrono::milliseconds default_half_life{60000};

    // A zero or negative half_life never decays (the old behaviour: every violation counts forever).
    explicit violation_count(std::chrono::milliseconds half_life = default_half_life);

    // Records one violation at `now` and returns the count after decay, this one included. A
    // `now` earlier than a previous call's is treated as that earlier time.
    std::uint64_t record(time_point now);

    // The count at `now` after decay, without recording anything.
    std::uint64_t count(time_point now) const;

    std::chrono::milliseconds half_life() const { return half_life_; }

private:
    // The count and the start of its current period after decaying to `now`.
    void decayed(time_point now, std::uint64_t& count, time_point& period_start) const;

    std::chrono::milliseconds half_life_;
    std::uint64_t count_ = 0;
    time_point period_start_{};  // when the current half-life period began (valid if count_ > 0)
};

}  // namespace rt::proto

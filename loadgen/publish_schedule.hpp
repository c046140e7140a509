#pragma once
// The publisher's fixed schedule: event k is due at start + k / rate, whatever happened to the
// events before it (an open-loop schedule, so a stalled server cannot slow the load down and hide
// its own latency: coordinated omission). Pure arithmetic, no clock.
#include <cstdint>

namespace rt::loadgen {

class publish_schedule {
public:
    // `rate_per_s` > 0; `length_us` is how long publishing lasts (warm-up included).
    publish_schedule(std::int64_t start_us, double rate_per_s, std::int64_t length_us);

    // How many events the schedule holds: every k with intended_us(k) < start + length.
    std::uint64_t count() const { return count_; }
    // When event k is due, µs on the same clock as start. Computed from k directly (no summed
    // intervals), so rounding never drifts.
    std::int64_t intended_us(std::uint64_t k) const;
    std::int64_t start_us() const { return start_us_; }
    std::int64_t end_us() const { return start_us_ + length_us_; }

private:
    std::int64_t start_us_;
    double rate_per_s_;
    std::int64_t length_us_;
    std::uint64_t count_;
};

// A publish sent more than this after its intended time is counted as late (behind schedule).
constexpr std::int64_t late_after_us = 1000;  // 1 ms: well above sleep jitter, far below any target

// True when a send at `actual_us` for an event due at `intended_us` is behind schedule.
inline bool is_late(std::int64_t intended_us, std::int64_t actual_us) {
    return actual_us - intended_us > late_after_us;
}

}  // namespace rt::loadgen

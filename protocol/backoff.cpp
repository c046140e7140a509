#include "protocol/backoff.hpp"

#include <algorithm>
#include <limits>

namespace rt::proto {

backoff::backoff(backoff_policy policy, std::uint64_t seed) : policy_(policy), rng_(seed) {}

std::chrono::milliseconds backoff::window() const {
    const std::int64_t base_ms = std::max<std::int64_t>(policy_.base.count(), 0);
    const std::int64_t cap_ms = std::max<std::int64_t>(policy_.cap.count(), 0);
    std::int64_t w = std::min(base_ms, cap_ms);
    // Double at most attempt_ times, stopping at the cap (which also rules out overflow).
    for (int i = 0; i < attempt_ && w > 0 && w < cap_ms; ++i)
        w = w > cap_ms / 2 ? cap_ms : w * 2;
    return std::chrono::milliseconds{w};
}

std::chrono::milliseconds backoff::next() {
    const auto w = static_cast<std::uint64_t>(window().count());
    // Modulo bias is at most w / 2^64: far below anything measurable for millisecond windows.
    // (Not std::uniform_int_distribution: its output differs between standard libraries.)
    const std::uint64_t delay_ms = rng_() % (w + 1);
    if (attempt_ < std::numeric_limits<int>::max()) ++attempt_;
    return std::chrono::milliseconds{static_cast<std::int64_t>(delay_ms)};
}

}  // namespace rt::proto

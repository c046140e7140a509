#include "protocol/violation_count.hpp"

namespace rt::proto {

violation_count::violation_count(std::chrono::milliseconds half_life) : half_life_(half_life) {}

void violation_count::decayed(time_point now, std::uint64_t& count, time_point& period_start) const {
    count = count_;
    period_start = period_start_;
    if (count == 0 || half_life_.count() <= 0 || now <= period_start) return;
    const auto periods = (now - period_start) / half_life_;
    // 64 halvings empty any count; shifting by 64 or more is undefined.
    count = periods >= 64 ? 0 : count >> periods;
    period_start += periods * half_life_;
}

std::uint64_t violation_count::record(time_point now) {
    if (count_ == 0) {
        period_start_ = now;
    } else {
        decayed(now, count_, period_start_);
        if (count_ == 0) period_start_ = now > period_start_ ? now : period_start_;
    }
    return ++count_;
}

std::uint64_t violation_count::count(time_point now) const {
    std::uint64_t c;
    time_point start;
    decayed(now, c, start);
    return c;
}

}  // namespace rt::proto

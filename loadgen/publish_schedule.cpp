#include "loadgen/publish_schedule.hpp"

#include <cmath>

namespace rt::loadgen {

publish_schedule::publish_schedule(std::int64_t start_us, double rate_per_s, std::int64_t length_us)
    : start_us_(start_us), rate_per_s_(rate_per_s), length_us_(length_us < 0 ? 0 : length_us) {
    // Events k = 0 .. count-1 with k * 1e6 / rate < length: count = ceil(length * rate / 1e6).
    double n = std::ceil(static_cast<double>(length_us_) * rate_per_s_ / 1e6 - 1e-9);
    count_ = n > 0 ? static_cast<std::uint64_t>(n) : 0;
}

std::int64_t publish_schedule::intended_us(std::uint64_t k) const {
    return start_us_ + static_cast<std::int64_t>(std::llround(static_cast<double>(k) * 1e6 / rate_per_s_));
}

}  // namespace rt::loadgen

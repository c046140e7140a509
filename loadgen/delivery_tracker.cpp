#include "loadgen/delivery_tracker.hpp"

#include <algorithm>

namespace rt::loadgen {

seq_verdict delivery_tracker::on_seq(std::uint64_t seq) {
    if (seq == highest_seq_ + 1) {
        highest_seq_ = seq;
        ++unique_;
        return seq_verdict::in_order;
    }
    if (seq > highest_seq_) {
        missing_.emplace_back(highest_seq_ + 1, seq - 1);
        highest_seq_ = seq;
        ++unique_;
        return seq_verdict::gap;
    }
    // At or below the highest seen: a late fill of a hole, or a repeat.
    auto it = std::upper_bound(missing_.begin(), missing_.end(), seq,
                               [](std::uint64_t s, const auto& range) { return s < range.first; });
    if (seq > base_seq_ && it != missing_.begin()) {
        auto range = std::prev(it);
        if (seq <= range->second) {
            auto [first, last] = *range;
            if (first == last) {
                missing_.erase(range);
            } else if (seq == first) {
                range->first = seq + 1;
            } else if (seq == last) {
                range->second = seq - 1;
            } else {
                range->second = seq - 1;
                missing_.insert(std::next(range), {seq + 1, last});
            }
            ++unique_;
            ++out_of_order_;
            return seq_verdict::out_of_order;
        }
    }
    ++duplicates_;
    return seq_verdict::duplicate;
}

void delivery_tracker::skip_to(std::uint64_t seq) {
    if (seq <= highest_seq_) return;
    skipped_ += static_cast<std::uint32_t>(seq - highest_seq_);
    highest_seq_ = seq;
}

std::uint64_t delivery_tracker::missing_inside() const {
    std::uint64_t n = 0;
    for (const auto& [first, last] : missing_) n += last - first + 1;
    return n;
}

}  // namespace rt::loadgen

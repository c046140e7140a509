#include "protocol/token_bucket.hpp"

#include <algorithm>

namespace rt::proto {
namespace {

// Slack when comparing token counts, so 10 refills of 0.1 token add up to the 1 token they mean.
constexpr double token_epsilon = 1e-9;

}  // namespace

token_bucket::token_bucket(double rate_per_s, double burst)
    : rate_per_s_(std::max(rate_per_s, 0.0)), burst_(std::max(burst, 0.0)), tokens_(burst_) {}

double token_bucket::refilled(time_point now) const {
    if (!started_ || now <= last_) return tokens_;
    const double elapsed_s = std::chrono::duration<double>(now - last_).count();
    return std::min(burst_, tokens_ + elapsed_s * rate_per_s_);
}

bool token_bucket::try_take(time_point now, double n) {
    tokens_ = refilled(now);
    if (!started_ || now > last_) last_ = now;
    started_ = true;
    if (tokens_ + token_epsilon < n) return false;
    tokens_ = std::max(0.0, tokens_ - n);
    return true;
}

double token_bucket::available(time_point now) const { return refilled(now); }

}  // namespace rt::proto

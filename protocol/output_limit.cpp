#include "protocol/output_limit.hpp"

namespace rt::proto {

output_limit::output_limit(output_limit_config config) : config_(config) {}

send_verdict output_limit::check(std::uint64_t queued_bytes,
                                 std::chrono::steady_clock::time_point now) {
    if (disconnected_) return send_verdict::disconnect;
    if (queued_bytes > config_.hard_bytes) {
        disconnected_ = true;
        return send_verdict::disconnect;
    }
    if (queued_bytes <= config_.soft_bytes) {
        over_soft_ = false;
        return send_verdict::send;
    }
    if (over_soft_too_long(now)) {
        disconnected_ = true;
        return send_verdict::disconnect;
    }
    ++dropped_;
    return send_verdict::drop;
}

send_verdict output_limit::check_reply(std::uint64_t queued_bytes, std::uint64_t frame_bytes,
                                       std::chrono::steady_clock::time_point now) {
    if (disconnected_) return send_verdict::disconnect;
    if (frame_bytes > config_.hard_bytes) return send_verdict::too_large;
    // Both are at most hard_bytes here (queued may not be: then the sum is over hard anyway).
    const std::uint64_t after = queued_bytes > config_.hard_bytes ? queued_bytes : queued_bytes + frame_bytes;
    if (after > config_.hard_bytes) {
        disconnected_ = true;
        return send_verdict::disconnect;
    }
    if (after <= config_.soft_bytes) {
        over_soft_ = false;
        return send_verdict::send;
    }
    if (over_soft_too_long(now)) {
        disconnected_ = true;
        return send_verdict::disconnect;
    }
    return send_verdict::send;
}

bool output_limit::over_soft_too_long(std::chrono::steady_clock::time_point now) {
    if (!over_soft_) {
        over_soft_ = true;
        over_soft_since_ = now;
        return false;
    }
    return now - over_soft_since_ > config_.soft_grace;
}

bool output_limit::should_log_drop(std::chrono::steady_clock::time_point now) {
    if (logged_drop_ && now - last_drop_log_ < drop_log_interval) return false;
    logged_drop_ = true;
    last_drop_log_ = now;
    return true;
}

}  // namespace rt::proto

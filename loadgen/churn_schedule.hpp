#pragma once
// Churn (`rt loadgen --churn 5%/min`): a share of the subscriber connections is closed and reopened
// per unit of time, spread evenly: the k-th reconnect (from 0) is due at start + (k+1) / rate, never
// in bursts.
// Connections are taken round-robin (k % conns), so every connection is churned about as often as
// any other and consecutive reconnects fall on different boards. Pure: the runner asks due() and
// slot() and does the I/O.
#include <cstdint>
#include <string_view>

#include "protocol/result.hpp"

namespace rt::loadgen {

// Most churn accepted: every connection once a second. Beyond that a connection would be closed
// again before its resubscribe could finish, and the figures would measure the ramp, not a run.
constexpr double max_churn_share_per_s = 1.0;

// Parses "<percent>%/<unit>" with unit s, m (or min) or h ("5%/min", "0.5%/s"), or "0" (no
// churn). Returns the share of connections per second (5%/min → 0.05 / 60). Errors name the text
// and the expected form, and a share above max_churn_share_per_s.
result<double, std::string> parse_churn(std::string_view text);

class churn_schedule {
public:
    // `share_per_s` of `conns` connections per second, from `start_us` on (steady-clock µs).
    churn_schedule(std::int64_t start_us, std::uint32_t conns, double share_per_s);

    // Reconnects due by `now_us` since the start (0 before it, or with no churn).
    std::uint64_t due(std::int64_t now_us) const;
    // When the k-th reconnect (counting from 0) is due.
    std::int64_t at_us(std::uint64_t k) const;
    // The connection the k-th reconnect closes and reopens.
    std::uint32_t slot(std::uint64_t k) const { return conns_ == 0 ? 0 : static_cast<std::uint32_t>(k % conns_); }
    // Reconnects per second over the whole pool.
    double per_s() const { return per_s_; }

private:
    std::int64_t start_us_;
    std::uint32_t conns_;
    double per_s_;
};

}  // namespace rt::loadgen

#pragma once
// Token bucket rate limiter with an injected clock: the caller passes `now`, so tests drive time.
// Not thread-safe: one per connection (or per whatever is limited), used from one strand.
#include <chrono>

namespace rt::proto {

class token_bucket {
public:
    using clock = std::chrono::steady_clock;
    using time_point = clock::time_point;

    // Refills at rate_per_s tokens per second up to burst tokens; starts full. Negative
    // arguments are treated as 0 (a zero rate never refills; a zero burst never admits anything).
    token_bucket(double rate_per_s, double burst);

    // Takes n tokens if at least n are available at `now` and returns true; otherwise takes
    // nothing and returns false (so a request for more than `burst` never succeeds). A `now`
    // earlier than a previous call's is treated as that earlier time (time never runs backwards).
    bool try_take(time_point now, double n = 1);

    // Tokens available at `now`, without taking any.
    double available(time_point now) const;

    double rate_per_s() const { return rate_per_s_; }
    double burst() const { return burst_; }

private:
    double refilled(time_point now) const;

    double rate_per_s_;
    double burst_;
    double tokens_;
    time_point last_{};
    bool started_ = false;  // last_ is meaningless until the first call
};

}  // namespace rt::proto

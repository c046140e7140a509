#pragma once
// Reconnect backoff with full jitter (AWS "Exponential Backoff And Jitter"): each delay is uniform
// in [0, min(cap, base * 2^attempt)], so a crowd of clients that lost the same server spreads out.
#include <chrono>
#include <cstdint>
#include <random>

namespace rt::proto {

struct backoff_policy {
    std::chrono::milliseconds base{100};   // first retry soon: a blip costs about a tenth of a second
    std::chrono::milliseconds cap{10000};  // 10k clients spread over 10 s; a recovered server is found within 10 s
};

class backoff {
public:
    // The same policy and seed give the same sequence of delays.
    backoff(backoff_policy policy, std::uint64_t seed);

    // The delay before the next attempt, uniform (whole milliseconds, both ends included) in
    // [0, min(cap, base * 2^attempt())]; then attempt() goes up by one. Negative base/cap act as 0.
    std::chrono::milliseconds next();
    // Back to attempt 0 (after a successful connection). The random sequence continues; it is
    // not re-seeded, so clients that reset together still draw different delays.
    void reset() { attempt_ = 0; }
    // How many delays next() has handed out since construction or the last reset().
    int attempt() const { return attempt_; }

    // The upper end of the window next() draws from now.
    std::chrono::milliseconds window() const;

    const backoff_policy& policy() const { return policy_; }

private:
    backoff_policy policy_;
    std::mt19937_64 rng_;
    int attempt_ = 0;
};

}  // namespace rt::proto

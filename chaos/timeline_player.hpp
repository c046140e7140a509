#pragma once
// Plays a fault timeline against a fault_proxy on the caller's io_context.
#include <chrono>
#include <cstddef>
#include <functional>
#include <vector>

#include <asio.hpp>

#include "chaos/fault_proxy.hpp"
#include "chaos/timeline.hpp"

namespace rt::chaos {

class timeline_player {
public:
    using step_observer = std::function<void(const timeline_step&)>;

    // `proxy` must outlive the player; `on_step` (optional) runs after each step is applied.
    timeline_player(asio::io_context& io, fault_proxy& proxy, std::vector<timeline_step> steps,
                    step_observer on_step = {});

    // Schedules every step at its offset from now. Call once, from the io_context's thread or before run().
    void start();
    void cancel() { timer_.cancel(); }
    bool done() const { return next_ == steps_.size(); }

private:
    void arm();

    asio::steady_timer timer_;
    fault_proxy& proxy_;
    std::vector<timeline_step> steps_;  // sorted by offset
    step_observer on_step_;
    std::chrono::steady_clock::time_point start_;
    std::size_t next_ = 0;
};

}  // namespace rt::chaos

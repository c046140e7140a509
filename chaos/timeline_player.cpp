#include "chaos/timeline_player.hpp"

namespace rt::chaos {

timeline_player::timeline_player(asio::io_context& io, fault_proxy& proxy, std::vector<timeline_step> steps,
                                 step_observer on_step)
    : timer_(io), proxy_(proxy), steps_(std::move(steps)), on_step_(std::move(on_step)) {}

void timeline_player::start() {
    start_ = std::chrono::steady_clock::now();
    arm();
}

void timeline_player::arm() {
    if (done()) return;
    timer_.expires_at(start_ + steps_[next_].at_ms);
    timer_.async_wait([this](const std::error_code& ec) {
        if (ec) return;
        // Apply every step that is due, so equal offsets keep their written order.
        auto now = std::chrono::steady_clock::now();
        while (!done() && start_ + steps_[next_].at_ms <= now) {
            const auto& step = steps_[next_++];
            proxy_.apply(step.command);
            if (on_step_) on_step_(step);
        }
        arm();
    });
}

}  // namespace rt::chaos

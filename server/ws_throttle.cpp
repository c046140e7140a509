// The throttle tick: every few ms the hub closes the throttle windows that are due
// (docs/protocol.md, "Throttled delivery"). A tick with no open window takes no lock.
#include "server/ws_detail.hpp"

namespace rt::server {

namespace {
// A window closes at most this late after its time: half the shortest window (k_min_throttle_ms).
constexpr auto k_throttle_tick = std::chrono::milliseconds(5);
}  // namespace

void ws_server::schedule_throttle() {
    throttle_timer_.expires_after(k_throttle_tick);
    throttle_timer_.async_wait([this](const std::error_code& ec) {
        if (ec) return fail(ec, "throttle timer");
        guarded("throttle timer", {}, [this] { state_.hub.flush_throttled(wall_ms()); });
        schedule_throttle();
    });
}

}  // namespace rt::server

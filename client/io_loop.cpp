#include "client/io_loop.hpp"

#include <cstdio>

#include "client/detail/endpoint.hpp"

namespace rt::client {

struct timer_handle::state {
    explicit state(asio::io_context& ctx) : timer(ctx) {}
    asio::steady_timer timer;
    std::atomic<bool> cancelled{false};
};

void timer_handle::cancel() {
    if (!state_) return;
    state_->cancelled = true;
    // steady_timer is not thread-safe: cancel it from a loop thread. The flag makes the cancel
    // effective at once even if the expiry is already queued.
    auto s = state_;
    asio::post(s->timer.get_executor(), [s] { s->timer.cancel(); });
}

io_loop::io_loop() : impl_(std::make_unique<impl>()) {}

io_loop::~io_loop() { stop(); }

void io_loop::start(unsigned threads) {
    if (impl_->started.exchange(true)) return;
    if (threads == 0) threads = 1;
    for (unsigned i = 0; i < threads; ++i) impl_->threads.emplace_back([this] { impl_->ctx.run(); });
}

void io_loop::stop() {
    impl_->work.reset();
    impl_->ctx.stop();
    for (auto& t : impl_->threads)
        if (t.joinable()) t.join();
    impl_->threads.clear();
}

bool io_loop::running_in_this_thread() const {
    return impl_->ctx.get_executor().running_in_this_thread();
}

void io_loop::post(std::function<void()> fn) { asio::post(impl_->ctx, std::move(fn)); }

timer_handle io_loop::run_after(std::chrono::milliseconds delay, std::function<void()> fn) {
    auto s = std::make_shared<timer_handle::state>(impl_->ctx);
    s->timer.expires_after(delay);
    // The handler keeps the state alive until it has run or been cancelled.
    s->timer.async_wait([s, fn = std::move(fn)](const std::error_code& ec) {
        if (ec || s->cancelled) return;
        fn();
    });
    return timer_handle(s);
}

}  // namespace rt::client

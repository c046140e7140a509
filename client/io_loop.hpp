#pragma once
// An Asio io_context run by N threads, behind a pimpl so that including this header stays cheap.
// One io_loop carries many connections (10,000+): see ws_connection and sse_connection.
#include <chrono>
#include <functional>
#include <memory>

namespace rt::client {

// A timer started by io_loop::run_after. Copies refer to the same timer; a default-constructed
// handle refers to none. Destroying a handle does not cancel the timer.
class timer_handle {
public:
    struct state;
    timer_handle() = default;
    explicit timer_handle(std::shared_ptr<state> s) : state_(std::move(s)) {}
    // Cancels the timer: its function will not run unless it has already started. Any thread.
    void cancel();
    explicit operator bool() const { return state_ != nullptr; }

private:
    std::shared_ptr<state> state_;
};

class io_loop {
public:
    io_loop();
    // Stops and joins the threads. Every ws_connection made on this loop must be destroyed first.
    ~io_loop();
    io_loop(const io_loop&) = delete;
    io_loop& operator=(const io_loop&) = delete;

    // Runs the io_context on `threads` new threads (at least 1). Call once, from outside the loop.
    void start(unsigned threads = 1);
    // Stops the io_context and joins its threads; pending handlers are dropped. Idempotent.
    // Must not be called from one of the loop's own threads (it would join itself).
    void stop();
    bool running_in_this_thread() const;

    // Runs `fn` on a loop thread soon. Any thread.
    void post(std::function<void()> fn);
    // Runs `fn` on a loop thread after `delay`, unless the returned handle is cancelled first.
    // Any thread.
    timer_handle run_after(std::chrono::milliseconds delay, std::function<void()> fn);

    struct impl;  // defined in client/detail/endpoint.hpp, for the transport's own use

private:
    friend class ws_connection;
    friend class sse_connection;
    std::unique_ptr<impl> impl_;
};

}  // namespace rt::client

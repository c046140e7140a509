#pragma once
// Test support: what a connection's on_close reported, awaited with a bound. The part every
// connection probe shares (client/sse_connection's, loadgen/subscriber_link's): a probe derives
// from it, records its other callbacks under `mu`, and notifies `cv` when a wait should look again.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

namespace rt::test {

struct close_probe {
    std::mutex mu;
    std::condition_variable cv;
    bool closed = false;
    int close_calls = 0;
    int code = 0;
    std::string reason;

    // The on_close callback: records the code and reason (the last, if called more than once).
    std::function<void(int, std::string)> close_handler() {
        return [this](int c, std::string r) {
            std::lock_guard<std::mutex> lock(mu);
            closed = true;
            ++close_calls;
            code = c;
            reason = std::move(r);
            cv.notify_all();
        };
    }
    // Waits until `done()` holds (checked under `mu`); false after 10 s.
    template <class Pred>
    bool wait_until(Pred done) {
        std::unique_lock<std::mutex> lock(mu);
        return cv.wait_for(lock, std::chrono::seconds(10), done);
    }
    bool wait_closed() {
        return wait_until([this] { return closed; });
    }
};

}  // namespace rt::test

#pragma once
// A tiny HTTP/1.1 control API for a fault_proxy, so scripts can drive a long-running proxy:
//   GET /faults            → {"faults":[...]}
//   POST /faults           body {"fault":"latency 200ms jitter 20ms","direction":"down","fraction":0.5}
//                          or the spec as text ("blackhole up"); "heal" clears
//   DELETE /faults         → heal
//   GET /stats             → the proxy's counters
// Errors are JSON: {"error":"what was wrong"} with 400, 404, 405 or 413.
// One request per connection; runs on its own io_context and thread.
#include <cstddef>
#include <system_error>
#include <thread>

#include <asio.hpp>

#include "chaos/fault_proxy.hpp"
#include "client/http_message.hpp"

namespace rt::chaos {

// Answers one request by calling into the proxy (thread-safe calls only).
client::http_response handle_control_request(const client::http_request& req, fault_proxy& proxy);

class control_api {
public:
    // The proxy must outlive this object.
    control_api(fault_proxy& proxy, asio::ip::tcp::endpoint listen);
    ~control_api();  // stop()
    control_api(const control_api&) = delete;
    control_api& operator=(const control_api&) = delete;

    // Binds and starts serving on a thread of its own; on failure sets `ec` and starts nothing.
    void start(std::error_code& ec);
    void stop();  // idempotent; not from a handler of this API
    asio::ip::tcp::endpoint local_endpoint() const { return bound_; }

    // Request heads above 16 KiB and bodies above 64 KiB are refused: fault specs are short.
    static constexpr std::size_t max_head_bytes = 16 * 1024;
    static constexpr std::size_t max_body_bytes = 64 * 1024;

private:
    void do_accept();

    fault_proxy& proxy_;
    asio::ip::tcp::endpoint listen_;
    asio::ip::tcp::endpoint bound_;
    asio::io_context io_{1};
    asio::ip::tcp::acceptor acceptor_{io_};
    asio::steady_timer accept_retry_{io_};
    std::thread thread_;
};

}  // namespace rt::chaos

#pragma once
// One subscriber's connection as the subscriber pool sees it, whatever --transport says:
// - websocket: a ws_connection to --url; the subscribe frame is sent once it is open, and the
//   server's frames (`subscribed`, `event`, `error`) come back as they are;
// - sse: an sse_connection to the same host's GET /sse (client/sse_request.hpp) whose request is
//   the subscribe (a resume's `since` as Last-Event-ID); the data of its `snapshot`, `resumed` and
//   `change` events is exactly the WebSocket `subscribed` and `event` message, so it reaches the
//   pool as the same text. An `error` event (the server closes the stream after it) becomes
//   on_close's reason, "error event: {...}".
// So the pool's seq tracking, latency, churn and resume logic is one code for both.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "client/io_loop.hpp"
#include "loadgen/config.hpp"
#include "protocol/messages.hpp"
#include "protocol/result.hpp"

namespace rt::loadgen {

// The callback contract is ws_connection's (and sse_connection's): on a loop thread, one at a
// time per link; on_open at most once, on_message per server message in order, on_close once.
struct link_handlers {
    std::function<void()> on_open;
    std::function<void(std::string_view text)> on_message;  // valid only during the call
    std::function<void(int code, std::string reason)> on_close;
};

class subscriber_link {
public:
    virtual ~subscriber_link() = default;
    // Once open: sends the subscribe (WebSocket) or nothing (SSE: the request carried it). An
    // error means it could not be sent.
    virtual std::error_code subscribe() = 0;
    // Closes the connection (also while connecting); on_close follows unless it already ran.
    // `reason` goes into the WebSocket close frame (SSE has none).
    virtual void close(const std::string& reason) = 0;
};

// The WebSocket subscribe frame for `sub`, request id "s" (the reply to it is the `subscribed`).
std::string subscribe_frame(const proto::subscribe_msg& sub);

// Starts a link for `sub` (with `since` when resuming) over config.transport to the node whose
// WebSocket URL is `url` (one of config.urls; SSE: GET /sse on its host and port), with config's
// token and TLS trust, bound to `local_address` ("" : the kernel picks). The error names what is
// wrong with the URL or options; connection failures come through on_close.
result<std::shared_ptr<subscriber_link>, std::string> open_link(client::io_loop& loop, const loadgen_config& config,
                                                                const std::string& url, const proto::subscribe_msg& sub,
                                                                const std::string& local_address, link_handlers handlers);

}  // namespace rt::loadgen

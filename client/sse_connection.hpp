#pragma once
// One client Server-Sent Events stream on an io_loop (the same loop, and threads, as
// ws_connection): `GET <target>` over TCP or TLS, the response head read by websocketpp's HTTP
// response parser, the body by proto::sse_parser. Asio stays behind the pimpl.
//
// Callbacks run on a loop thread, one at a time per connection, in this order: on_open at most
// once (status 200 with Content-Type text/event-stream), then on_item for each event, comment and
// retry of the stream in order, then on_close exactly once (also when it never opened). A callback
// may call close() on its own connection and may drop the last shared_ptr to it.
//
// on_close's code says how it ended:
// - sse_closed_by_client: close() was called (or the sse_connection dropped);
// - an HTTP status (400-599, anything but 200): the server refused the stream; the reason is
//   "HTTP 404 Not Found: <the body, cut to 1 KiB>" (rt's body is {"error":CODE,"message":...});
// - proto::close_code::abnormal (1006, ws_connection's close_abnormal): the connection failed, timed out, or the stream ended (the server closes it
//   after an `error` event); the reason says which;
// - proto::close_code::tls_failed (ws_connection's close_tls_failed): the server's certificate was refused: "certificate verify failed: ...".
//
// https (a wss:// server's /sse) is verified like ws_connection's wss://: the system's CAs or
// sse_options::tls, the host name, SNI.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "client/io_loop.hpp"
#include "client/sse_request.hpp"
#include "client/tls_trust.hpp"
#include "protocol/close_codes.hpp"
#include "protocol/result.hpp"
#include "protocol/sse_parser.hpp"

namespace rt::client {

struct sse_handlers {
    std::function<void()> on_open;
    std::function<void(const proto::sse_item& item)> on_item;  // valid only during the call
    std::function<void(int code, std::string reason)> on_close;
};

struct sse_options {
    std::string local_address;   // source IP to bind (127.0.0.2 ...); empty: the kernel picks
    std::size_t max_event_bytes = proto::default_sse_max_event_bytes;
    std::chrono::milliseconds connect_timeout{5000};    // TCP connect; a dead host fails in 5 s
    std::chrono::milliseconds handshake_timeout{5000};  // TLS handshake + request + response head
    int receive_buffer_bytes = 0;  // SO_RCVBUF; 0 keeps the kernel default
    tls_trust tls;                 // https only: the system's CAs by default
    std::string tls_host;          // https only: the host the certificate must be for; empty: the request's
};

// on_close's code after close(): the client ended it.
constexpr int sse_closed_by_client = proto::close_code::normal;

class sse_connection {
public:
    // Starts connecting on `loop`. The error names what is wrong with the options (a bad local
    // address, an unreadable --ca file); connection failures come later, through on_close.
    // Any thread. The loop must outlive the connection.
    static result<std::shared_ptr<sse_connection>, std::string> connect(io_loop& loop, const sse_request& request,
                                                                        sse_handlers handlers,
                                                                        const sse_options& options = {});

    // Closes the stream if it is still open; no callback runs afterwards except one in progress.
    ~sse_connection();
    sse_connection(const sse_connection&) = delete;
    sse_connection& operator=(const sse_connection&) = delete;

    // Ends the stream (or the connect in progress): on_close(sse_closed_by_client, "") follows,
    // unless the connection had already ended. Any thread; idempotent.
    void close();
    // The response head was 200 text/event-stream and the stream has not ended. Any thread.
    bool is_open() const;

    struct impl;
    explicit sse_connection(std::shared_ptr<impl> i);

private:
    std::shared_ptr<impl> impl_;
};

}  // namespace rt::client

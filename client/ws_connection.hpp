#pragma once
// One client WebSocket connection on an io_loop. websocketpp and Asio stay behind the pimpl.
//
// Callbacks run on a loop thread, one at a time per connection, in this order: on_open at most
// once, then on_message for each frame in arrival order, then on_close exactly once (also when the
// connection never opened: code 1006 and the error text). A callback may call send/close/
// pause_reading on its own connection, and may drop the last shared_ptr to it.
//
// wss:// URLs speak TLS: the server's certificate and host name are verified (system trust store,
// or ws_options::tls.ca_file), SNI is sent for a host name. A refused certificate ends the connection
// with on_close(close_tls_failed, "certificate verify failed: <reason> (<hint>)").
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "client/io_loop.hpp"
#include "client/tls_trust.hpp"
#include "protocol/close_codes.hpp"
#include "protocol/result.hpp"

namespace rt::client {

struct ws_handlers {
    std::function<void()> on_open;
    std::function<void(std::string_view text)> on_message;  // valid only during the call
    std::function<void(int code, std::string reason)> on_close;
};

struct ws_options {
    std::string token;           // appended as ?token=... (percent-encoded); empty: none
    std::string local_address;   // source IP to bind (127.0.0.2 ...); empty: the kernel picks
    std::size_t max_frame_bytes = 16 * 1024 * 1024;  // snapshots can be large; 16 MiB bounds abuse
    std::chrono::milliseconds connect_timeout{5000};  // TCP connect; a dead host fails in 5 s
    std::chrono::milliseconds handshake_timeout{5000};  // HTTP upgrade after the TCP connect
    int receive_buffer_bytes = 0;  // SO_RCVBUF; small values make a paused reader back up sooner
    tls_trust tls;  // wss:// only: the system's CAs by default
    // wss:// only: the host the certificate must be for, sent as SNI, instead of the URL's; for a
    // TCP relay in between (the chaos fault proxy) that passes TLS through. Empty: the URL's host.
    std::string tls_host;
};

// The code on_close reports when the connection failed or dropped without a close frame.
constexpr int close_abnormal = proto::close_code::abnormal;
// The code on_close reports when the server's TLS certificate was refused (wrong CA, expired,
// wrong host name): retrying cannot help.
constexpr int close_tls_failed = proto::close_code::tls_failed;

class ws_connection {
public:
    // Parses `url`, adds the token, and starts connecting on `loop`. The error names what is wrong
    // with the URL or options; connection failures come later, through on_close(1006, text).
    // Any thread. The loop must outlive the connection.
    static result<std::shared_ptr<ws_connection>, std::string> connect(io_loop& loop, std::string_view url,
                                                                       ws_handlers handlers,
                                                                       const ws_options& options = {});

    // Closes the connection (1001 "going away") if it is still open; no callback runs afterwards
    // except one already in progress.
    ~ws_connection();
    ws_connection(const ws_connection&) = delete;
    ws_connection& operator=(const ws_connection&) = delete;

    // Queues a text frame. Any thread. Fails (not_connected) unless the connection is open.
    std::error_code send(std::string_view text);
    // Starts the closing handshake; on_close follows. While still connecting, the connection is
    // closed as soon as it opens (or the TCP connect is aborted). Any thread; idempotent.
    void close(int code = proto::close_code::normal, std::string reason = {});
    // Bytes queued for sending and not yet written to the socket. Any thread; approximate.
    std::size_t buffered_amount() const;
    // Stop/resume reading from the socket: the peer then sees its sends back up (slow consumer).
    // Both act asynchronously on the connection's strand. A read already in flight at the pause
    // still completes (up to one 4 KiB buffer is consumed). The resume itself waits until that read
    // is known to be done (a message arrived, or bytes wait in the socket): websocketpp cannot
    // restart reading safely before that. Any thread; not_connected unless open.
    std::error_code pause_reading();
    std::error_code resume_reading();

    bool is_open() const;
    // The URL as connected (token included, so do not log it).
    const std::string& url() const;

    struct impl;
    explicit ws_connection(std::shared_ptr<impl> i);

private:
    std::shared_ptr<impl> impl_;
};

}  // namespace rt::client

#pragma once
// Test support: an SSE (text/event-stream) client on a bare socket, for protocol-level tests of
// `GET /sse` without a browser. It sends one GET with the headers given, reads the response head,
// then hands out the stream one block at a time (an event, a comment, a `retry:`), parsed as
// EventSource parses it. It can also be a client that never reads (a small receive buffer, and no
// read until the test asks). Blocking, loopback only, one thread; every wait is bounded.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rt::test {

// One block of the stream (the lines up to a blank line).
struct sse_block {
    std::string event;    // "event:" ("" when absent: EventSource calls it "message")
    std::string id;       // "id:"
    std::string data;     // the "data:" lines, joined by '\n'
    std::string comment;  // the text of ": ..." lines (the heartbeat is "ping")
    std::optional<long> retry;  // "retry:"
};

class sse_client {
public:
    // Connects to 127.0.0.1:port (SO_RCVBUF = receive_buffer_bytes when > 0, before connect) and
    // sends `GET target` with `headers` ("Name: value"). Reads the response head; for a status
    // other than 200, also the body until the server closes. nullptr if the connect fails or no
    // HTTP answer comes within `timeout`.
    static std::unique_ptr<sse_client> open(int port, const std::string& target, const std::vector<std::string>& headers = {},
                                            std::chrono::milliseconds timeout = std::chrono::seconds(5),
                                            int receive_buffer_bytes = 0);
    // Connects and sends the request but reads nothing (a client that never reads).
    static std::unique_ptr<sse_client> open_unread(int port, const std::string& target, int receive_buffer_bytes);
    ~sse_client();
    sse_client(const sse_client&) = delete;
    sse_client& operator=(const sse_client&) = delete;

    int status() const { return status_; }
    const std::string& head() const { return head_; }  // status line and headers
    const std::string& body() const { return body_; }  // a refusal's body
    // The value of response header `name` (case-insensitive), "" when absent.
    std::string header(const std::string& name) const;

    // The next block, or nullopt when none came within `timeout` or the stream ended (closed() tells).
    std::optional<sse_block> next(std::chrono::milliseconds timeout);
    // The next block that is an event (skips comments and retry:).
    std::optional<sse_block> next_event(std::chrono::milliseconds timeout);
    // Reads and discards until the server closes the stream; false if it did not within `timeout`.
    bool wait_closed(std::chrono::milliseconds timeout);
    bool closed() const { return eof_; }

private:
    explicit sse_client(int fd) : fd_(fd) {}
    // Reads more bytes into buf_ until `deadline`; false on timeout or end of stream.
    bool fill(std::chrono::steady_clock::time_point deadline);

    int fd_;
    int status_ = 0;
    std::string head_, body_, buf_;
    bool eof_ = false;
};

}  // namespace rt::test

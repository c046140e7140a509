#pragma once
// A blocking WebSocket client on a bare socket, for `rt check`: it sends any frame exactly as
// given and hands back every frame the server sends, control frames included, answering nothing
// by itself (check_peer decides). It also sends arbitrary upgrade requests and returns the HTTP
// answer, so a case can look at a refused handshake. IPv4 literals and `localhost` only, like
// client/http_client; every step is bounded by a deadline.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "check/ws_frame.hpp"
#include "protocol/result.hpp"

namespace rt::check {

using check_clock = std::chrono::steady_clock;

struct http_head {
    int status = 0;       // 0: no HTTP answer came (see `error`)
    std::string head;     // status line and headers
    std::string body;     // what followed the head (a refusal's body), up to the server's close or a short wait
    std::string error;    // why no answer came: "connection refused", "timed out"
    std::string header(const std::string& name) const;  // case-insensitive; "" when absent
};

// The request line and headers of an upgrade for `resource` ("/live?token=x") on host:port.
// `headers` are added; a header of the same name as a default replaces it, and an empty value
// removes it (to send a handshake a library never would).
std::string upgrade_request(const std::string& host, std::uint16_t port, const std::string& resource,
                            const std::vector<std::pair<std::string, std::string>>& headers = {});

// Writes all of `bytes` to the socket `fd` (non-blocking sends, polling for room) by `deadline`;
// false when the peer closed or the socket stayed full. Shared with the test relay.
bool send_all(int fd, const std::string& bytes, check_clock::time_point deadline);

class wire_client {
public:
    // Connects to host:port, sends `request` and reads the answer's head. A 101 gives the
    // connected client; anything else gives the answer (status, head, body) as the error.
    static result<std::unique_ptr<wire_client>, http_head> open(const std::string& host, std::uint16_t port,
                                                                const std::string& request,
                                                                std::chrono::milliseconds timeout);
    // Sends `request` and returns whatever the server answers, without keeping the connection.
    static http_head exchange(const std::string& host, std::uint16_t port, const std::string& request,
                              std::chrono::milliseconds timeout);
    ~wire_client();
    wire_client(const wire_client&) = delete;
    wire_client& operator=(const wire_client&) = delete;

    // Sends one frame, masked as a client must (`masked` false breaks that rule on purpose). False
    // when it could not be written whole by `deadline` (the server closed, or stopped reading).
    bool send(const ws_frame& f, check_clock::time_point deadline, bool masked = true);
    // Sends raw bytes (a frame header promising more than follows, say).
    bool send_bytes(const std::string& bytes, check_clock::time_point deadline);

    // The next frame the server sent, or nullopt when none came by `deadline` or the stream ended
    // (then ended() is true) or was malformed (then protocol_error() says how).
    std::optional<ws_frame> read(check_clock::time_point deadline);
    bool ended() const { return eof_; }
    const std::string& protocol_error() const { return protocol_error_; }
    // Half-closes nothing: just drops the TCP connection (the server sees 1006).
    void drop();

private:
    explicit wire_client(int fd) : fd_(fd) {}
    int fd_;
    std::string buf_;
    bool eof_ = false;
    std::string protocol_error_;
};

}  // namespace rt::check

#pragma once
// A WebSocket client on a bare socket, for hostile-client tests: it sends any frame (text, ping,
// pong), and it can be a client that never reads — a tiny receive buffer, and no read until the
// test asks for one. Blocking, loopback only, one thread; every wait is bounded.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace rt::test {

class raw_ws_client {
public:
    enum class opcode : std::uint8_t { text = 0x1, close = 0x8, ping = 0x9, pong = 0xA };

    // Connects to 127.0.0.1:port with SO_RCVBUF set to receive_buffer_bytes (before connect, so the
    // window stays small), sends the upgrade for `target` (e.g. "/live") and reads the 101. Returns
    // nullptr if any step fails or the answer is not 101.
    static std::unique_ptr<raw_ws_client> connect(int port, const std::string& target, int receive_buffer_bytes = 4096);
    ~raw_ws_client();
    raw_ws_client(const raw_ws_client&) = delete;
    raw_ws_client& operator=(const raw_ws_client&) = delete;

    // Sends one masked, final frame. Waits at most `timeout` for room in the socket; false if the
    // frame could not be sent whole (the peer closed, or the socket stayed full).
    bool send_frame(opcode op, std::string_view payload,
                    std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

    // Reads (and discards every other frame) until the server's close frame or the end of the
    // stream, at most `timeout`. Returns the close code (1005 for a close frame without one, 1006
    // for the stream ending without a close frame), or nullopt if neither came in time.
    std::optional<int> read_until_close(std::chrono::milliseconds timeout);

    // Reads frames for at most `timeout` and returns the first text frame's payload, or nullopt
    // (also at the server's close frame, which read_until_close() then reports).
    std::optional<std::string> read_text(std::chrono::milliseconds timeout);
    // The same for the first frame of kind `want` (a ping the server sent, say), never answering it.
    std::optional<std::string> read_payload(opcode want, std::chrono::milliseconds timeout);

private:
    explicit raw_ws_client(int fd) : fd_(fd) {}
    // Reads until `buf_` holds one whole frame; false on timeout or end of stream (eof_ set).
    bool read_frame(std::chrono::steady_clock::time_point deadline, std::uint8_t& op, std::string& payload);

    int fd_;
    std::string buf_;  // bytes read, not yet parsed
    bool eof_ = false;
    std::optional<int> close_code_;  // the server's close frame, once read
};

}  // namespace rt::test

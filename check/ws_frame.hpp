#pragma once
// RFC 6455 frames, encoded and decoded without a socket: `rt check` speaks WebSocket itself so it
// can send what a library never would (a binary frame, a text frame that is not UTF-8, an
// oversized frame, a ping it then never answers) and see every control frame the server sends.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rt::check {

enum class ws_opcode : std::uint8_t { continuation = 0x0, text = 0x1, binary = 0x2, close = 0x8, ping = 0x9, pong = 0xA };

// "text", "binary", "close", "ping", "pong", "continuation", or "opcode 0x3".
std::string to_string(ws_opcode op);

struct ws_frame {
    ws_opcode op = ws_opcode::text;
    std::string payload;
    bool fin = true;
};

// The frame's bytes. A client masks (`mask` is its key); a server does not.
std::string encode_frame(const ws_frame& f, bool masked, std::array<std::uint8_t, 4> mask = {0x37, 0xfa, 0x21, 0x3d});

struct frame_decode {
    enum class status { frame, need_more, bad } st = status::need_more;
    ws_frame frame;             // when st == frame
    bool masked = false;        // the frame carried a mask (clients' frames must, servers' must not)
    std::size_t consumed = 0;   // bytes of `buf` the frame took
    std::string error;          // when st == bad: what is wrong ("reserved bits set", "payload of 9 GB")
};

// Decodes the first frame of `buf`. `max_payload` bounds what a peer may make us buffer.
frame_decode decode_frame(std::string_view buf, std::size_t max_payload);

// A close frame's payload: the code (big-endian) and the reason.
std::string close_payload(int code, std::string_view reason);
// The code of a close payload: 1005 ("no status") when it has none.
int close_code_of(std::string_view payload);
std::string close_reason_of(std::string_view payload);

}  // namespace rt::check

// The frame codec rt check speaks WebSocket with: every length form, masking, bad input.
#include <catch2/catch.hpp>

#include "check/ws_frame.hpp"

using rt::check::decode_frame;
using rt::check::encode_frame;
using rt::check::frame_decode;
using rt::check::ws_frame;
using rt::check::ws_opcode;

TEST_CASE("ws_frame: every length form round-trips, masked and not, at each boundary") {
    for (std::size_t n : {0u, 1u, 125u, 126u, 127u, 128u, 65535u, 65536u, 70000u}) {
        for (bool masked : {false, true}) {
            ws_frame f{ws_opcode::text, std::string(n, 'x'), true};
            const std::string bytes = encode_frame(f, masked) + "tail";
            const frame_decode d = decode_frame(bytes, 1 << 20);
            INFO("length " << n << (masked ? " masked" : ""));
            REQUIRE(d.st == frame_decode::status::frame);
            REQUIRE(d.masked == masked);
            REQUIRE(d.frame.payload == f.payload);
            REQUIRE(d.consumed == bytes.size() - 4);
            // One byte short of the whole frame: not yet a frame.
            REQUIRE(decode_frame(bytes.substr(0, d.consumed - 1), 1 << 20).st == frame_decode::status::need_more);
        }
    }
}

TEST_CASE("ws_frame: reserved bits and oversized lengths are refused, close payloads read back") {
    std::string bytes = encode_frame({ws_opcode::text, "hi", true}, false);
    bytes[0] = static_cast<char>(bytes[0] | 0x40);
    REQUIRE(decode_frame(bytes, 100).st == frame_decode::status::bad);
    const std::string big = encode_frame({ws_opcode::binary, std::string(300, 'b'), true}, false);
    const frame_decode d = decode_frame(big, 200);
    REQUIRE(d.st == frame_decode::status::bad);
    REQUIRE(d.error.find("300") != std::string::npos);
    const std::string p = rt::check::close_payload(4001, "auth required");
    REQUIRE(rt::check::close_code_of(p) == 4001);
    REQUIRE(rt::check::close_reason_of(p) == "auth required");
    REQUIRE(rt::check::close_code_of("") == 1005);
}

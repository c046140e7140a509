#include "check/ws_frame.hpp"

namespace rt::check {

std::string to_string(ws_opcode op) {
    switch (op) {
        case ws_opcode::continuation: return "continuation";
        case ws_opcode::text: return "text";
        case ws_opcode::binary: return "binary";
        case ws_opcode::close: return "close";
        case ws_opcode::ping: return "ping";
        case ws_opcode::pong: return "pong";
    }
    static const char* hex = "0123456789abcdef";
    return std::string("opcode 0x") + hex[static_cast<unsigned>(op) & 0xF];
}

std::string encode_frame(const ws_frame& f, bool masked, std::array<std::uint8_t, 4> mask) {
    std::string out;
    out.push_back(static_cast<char>((f.fin ? 0x80 : 0x00) | static_cast<std::uint8_t>(f.op)));
    const std::uint64_t n = f.payload.size();
    const std::uint8_t mask_bit = masked ? 0x80 : 0x00;
    if (n < 126) {
        out.push_back(static_cast<char>(mask_bit | n));
    } else if (n <= 0xFFFF) {
        out.push_back(static_cast<char>(mask_bit | 126));
        out.push_back(static_cast<char>(n >> 8));
        out.push_back(static_cast<char>(n & 0xFF));
    } else {
        out.push_back(static_cast<char>(mask_bit | 127));
        for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
    }
    if (!masked) return out + f.payload;
    out.append(reinterpret_cast<const char*>(mask.data()), 4);
    for (std::size_t i = 0; i < f.payload.size(); ++i)
        out.push_back(static_cast<char>(static_cast<std::uint8_t>(f.payload[i]) ^ mask[i % 4]));
    return out;
}

frame_decode decode_frame(std::string_view buf, std::size_t max_payload) {
    frame_decode d;
    if (buf.size() < 2) return d;
    const auto b0 = static_cast<std::uint8_t>(buf[0]);
    const auto b1 = static_cast<std::uint8_t>(buf[1]);
    if (b0 & 0x70) {
        d.st = frame_decode::status::bad;
        d.error = "reserved bits set (no extension was negotiated)";
        return d;
    }
    std::size_t head = 2;
    const unsigned code = b1 & 0x7F;  // 0-125: the length; 126: 16 bits follow; 127: 64 bits follow
    std::uint64_t len = code;
    if (code == 126) head = 4;
    if (code == 127) head = 10;
    d.masked = (b1 & 0x80) != 0;
    if (buf.size() < head) return d;
    if (code == 126) len = (static_cast<std::uint64_t>(static_cast<std::uint8_t>(buf[2])) << 8) | static_cast<std::uint8_t>(buf[3]);
    if (code == 127) {
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<std::uint8_t>(buf[2 + i]);
    }
    if (len > max_payload) {
        d.st = frame_decode::status::bad;
        d.error = "a frame of " + std::to_string(len) + " bytes (more than " + std::to_string(max_payload) + " accepted)";
        return d;
    }
    std::array<std::uint8_t, 4> key{};
    if (d.masked) {
        if (buf.size() < head + 4) return d;
        for (int i = 0; i < 4; ++i) key[i] = static_cast<std::uint8_t>(buf[head + i]);
        head += 4;
    }
    if (buf.size() < head + len) return d;
    d.st = frame_decode::status::frame;
    d.frame.op = static_cast<ws_opcode>(b0 & 0x0F);
    d.frame.fin = (b0 & 0x80) != 0;
    d.frame.payload.assign(buf.substr(head, static_cast<std::size_t>(len)));
    if (d.masked)
        for (std::size_t i = 0; i < d.frame.payload.size(); ++i)
            d.frame.payload[i] = static_cast<char>(static_cast<std::uint8_t>(d.frame.payload[i]) ^ key[i % 4]);
    d.consumed = head + static_cast<std::size_t>(len);
    return d;
}

std::string close_payload(int code, std::string_view reason) {
    std::string p;
    p.push_back(static_cast<char>((code >> 8) & 0xFF));
    p.push_back(static_cast<char>(code & 0xFF));
    p.append(reason);
    return p;
}

int close_code_of(std::string_view payload) {
    if (payload.size() < 2) return 1005;
    return (static_cast<std::uint8_t>(payload[0]) << 8) | static_cast<std::uint8_t>(payload[1]);
}

std::string close_reason_of(std::string_view payload) {
    return payload.size() <= 2 ? std::string() : std::string(payload.substr(2));
}

}  // namespace rt::check

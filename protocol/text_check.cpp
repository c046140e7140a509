#include "protocol/text_check.hpp"

namespace rt::proto {

bool valid_utf8(std::string_view s) {
    std::size_t i = 0;
    const std::size_t n = s.size();
    while (i < n) {
        const auto b0 = static_cast<unsigned char>(s[i]);
        if (b0 < 0x80) {
            ++i;
            continue;
        }
        // Lead byte → sequence length and the allowed range of the second byte (RFC 3629 table 4:
        // the narrowed ranges after E0, ED, F0 and F4 exclude overlongs, surrogates and > U+10FFFF).
        std::size_t len = 0;
        unsigned char lo = 0x80, hi = 0xBF;
        if (b0 >= 0xC2 && b0 <= 0xDF) len = 2;
        else if (b0 == 0xE0) len = 3, lo = 0xA0;
        else if (b0 >= 0xE1 && b0 <= 0xEC) len = 3;
        else if (b0 == 0xED) len = 3, hi = 0x9F;
        else if (b0 >= 0xEE && b0 <= 0xEF) len = 3;
        else if (b0 == 0xF0) len = 4, lo = 0x90;
        else if (b0 >= 0xF1 && b0 <= 0xF3) len = 4;
        else if (b0 == 0xF4) len = 4, hi = 0x8F;
        else return false;  // 80..C1 (continuation or overlong lead) and F5..FF never start a sequence
        if (n - i < len) return false;
        const auto b1 = static_cast<unsigned char>(s[i + 1]);
        if (b1 < lo || b1 > hi) return false;
        for (std::size_t k = 2; k < len; ++k) {
            const auto bk = static_cast<unsigned char>(s[i + k]);
            if (bk < 0x80 || bk > 0xBF) return false;
        }
        i += len;
    }
    return true;
}

bool valid_websocket_key(std::string_view key) {
    while (!key.empty() && (key.front() == ' ' || key.front() == '\t')) key.remove_prefix(1);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.remove_suffix(1);
    // 16 bytes = 5 full 3-byte groups (20 characters) + 1 byte (2 characters and "==").
    if (key.size() != 24 || key[22] != '=' || key[23] != '=') return false;
    auto is_b64 = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    };
    for (std::size_t i = 0; i < 22; ++i)
        if (!is_b64(key[i])) return false;
    // The last character carries 2 data bits and 4 zero bits: only A, Q, g, w are canonical.
    const char last = key[21];
    return last == 'A' || last == 'Q' || last == 'g' || last == 'w';
}

}  // namespace rt::proto

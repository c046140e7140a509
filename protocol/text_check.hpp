#pragma once
// Checks on client text at the edge: what a client sends as bytes (the `?user=` query parameter is
// percent-decoded raw bytes; a handshake key is header text) is checked here before it is stored,
// compared or encoded into JSON. Pure: no I/O, no exceptions.
#include <string_view>

namespace rt::proto {

// True when `s` is well-formed UTF-8 (RFC 3629): no stray continuation bytes, no truncated
// sequences, no overlong forms, no UTF-16 surrogates (U+D800..U+DFFF), nothing above U+10FFFF.
// U+0000 is valid UTF-8 (JSON carries it as \u0000). The empty string is valid.
bool valid_utf8(std::string_view s);

// True when `key` is a Sec-WebSocket-Key as RFC 6455 4.1 requires: base64 (RFC 4648 alphabet,
// with padding) of exactly 16 bytes, i.e. 22 base64 characters followed by "==". Surrounding
// spaces or tabs (optional whitespace in an HTTP header) are allowed.
bool valid_websocket_key(std::string_view key);

}  // namespace rt::proto

#pragma once
// How the tokens file's errors are written: one line each, no token in them (server/tokens.cpp).
#include <cstddef>
#include <string>
#include <string_view>

namespace rt::server {

// True when s holds a C0 control character, DEL or a C1 control character (UTF-8 C2 80..C2 9F).
bool has_control_char(std::string_view s);
// s made one line: control characters written as \xNN, other text (UTF-8 included) kept.
std::string one_line(std::string_view s);
// A toml++ error description with any quoted key path that may hold a token replaced by
// 'tokens.<token at line N>...' or <the key at line N>.
std::string hide_key_path(std::string what, std::size_t line);

}  // namespace rt::server

#pragma once
// How the tokens file's errors are written: one line each (log_text, text_escape::controls_only),
// no token in them (server/tokens.cpp).
#include <cstddef>
#include <string>
#include <string_view>

namespace rt::server {

// A toml++ error description with any quoted key path that may hold a token replaced by
// 'tokens.<token at line N>...' or <the key at line N>.
std::string hide_key_path(std::string what, std::size_t line);

}  // namespace rt::server

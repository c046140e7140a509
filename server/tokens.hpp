#pragma once
// The tokens file (TOML): token → user and rights. Example:
//   [tokens.s3cret-alice]
//   user = "alice"
//   subscribe = ["TaskUpdates", "TaskDetail"]   # or ["*"]
//   publish = ["Task"]                          # or ["*"]
//   presence = ["board:*"]
//   [tokens.s3cret-alice.filters.TaskUpdates]
//   board = ["b1", "b2"]
#include <map>
#include <string>

#include "protocol/result.hpp"
#include "server/rights.hpp"

namespace rt::server {

using token_table = std::map<std::string, rights>;

// Loads and validates a tokens file; the error names the file, the token's user (never the token)
// and what is wrong.
result<token_table, std::string> load_tokens_file(const std::string& path);
result<token_table, std::string> parse_tokens(std::string_view toml_text, const std::string& source);

}  // namespace rt::server

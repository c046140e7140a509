#pragma once
// One line per event to stderr, with a level filter. Thread-safe. Never pass a token here.
#include <string>
#include <string_view>

namespace rt::server {

enum class log_level { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

bool parse_log_level(std::string_view s, log_level& out);
void set_log_level(log_level l);
bool log_enabled(log_level l);
void log_line(log_level l, const std::string& text);

// Client text (user names, origins, paths) made safe for one log line: control characters,
// backslashes and bytes >= 0x7f are written as \xNN, so a client cannot forge a line; longer than
// `max_chars` is cut with "...".
std::string log_text(std::string_view client_text, std::size_t max_chars = 128);

}  // namespace rt::server

#pragma once
// One line per event to stderr, with a level filter. Thread-safe. Never pass a token here.
#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace rt::server {

enum class log_level { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

// "debug", "info", "warn", "error" or "off"; nullopt for anything else.
std::optional<log_level> parse_log_level(std::string_view s);
void set_log_level(log_level l);
bool log_enabled(log_level l);
void log_line(log_level l, const std::string& text);

// Which bytes log_text writes as \xNN. Control characters always: C0 (U+0000..U+001F), DEL and C1
// (U+0080..U+009F, UTF-8 C2 80..C2 9F; U+0085 is a line break to some log readers).
enum class text_escape {
    // Client text (user names, origins, paths) in a log line: also backslashes and every byte
    // >= 0x7f, so the line is plain ASCII, \xNN is unambiguous and a client cannot forge a line.
    ascii_only,
    // A file's own text quoted in an error report (the tokens file's): UTF-8 and backslashes kept,
    // C1 written as its two bytes.
    controls_only,
};
// No cut: for text whose length the caller already bounds.
constexpr std::size_t k_text_uncut = std::numeric_limits<std::size_t>::max();

// `text` made safe for one line of output, escaped by `escape`; longer than `max_chars` (counted
// on the output) it is cut with "...".
std::string log_text(std::string_view text, std::size_t max_chars = 128,
                     text_escape escape = text_escape::ascii_only);
// True when s holds a C0 control character, DEL or a C1 control character (UTF-8 C2 80..C2 9F).
bool has_control_char(std::string_view s);

}  // namespace rt::server

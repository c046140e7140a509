#include "server/tokens_text.hpp"

#include <algorithm>
#include <cstdio>

namespace rt::server {

namespace {
// Control characters: C0 (U+0000..U+001F), DEL and C1 (U+0080..U+009F, UTF-8 C2 80..C2 9F; U+0085
// is a line break to some log readers).
bool is_c1_at(std::string_view s, std::size_t i) {
    return static_cast<unsigned char>(s[i]) == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
           static_cast<unsigned char>(s[i + 1]) <= 0x9f;
}
bool is_c0_or_del(char ch) { return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f; }

}  // namespace

bool has_control_char(std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i)
        if (is_c0_or_del(s[i]) || is_c1_at(s, i)) return true;
    return false;
}

// A message made one line: control characters written as \xNN (C1 as its two bytes), other text
// (UTF-8 included) kept, so that file text quoted in a message (a key, a name, a character toml++
// saw) can neither break the one-error-per-line report nor carry terminal escapes.
std::string one_line(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const bool c1 = is_c1_at(s, i);
        if (!c1 && !is_c0_or_del(s[i])) {
            out.push_back(s[i]);
            continue;
        }
        for (std::size_t k = 0; k < (c1 ? 2u : 1u); ++k) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(s[i + k]));
            out += buf;
        }
        i += c1 ? 1 : 0;
    }
    return out;
}

// toml++ quotes a key path as written in "cannot insert 'P' into existing inline table" and
// "cannot redefine existing <kind> 'P'[ as table]", and P may hold a token: [tokens.<TOKEN>] written
// twice, or a token's dotted key under [tokens]. P is replaced by 'tokens.<token at line N>' (with
// the key segments after the token) when it is tokens.<bare key>[.<bare key>...], else by
// <the key at line N>.
std::string hide_key_path(std::string what, std::size_t line) {
    std::size_t at = std::string::npos;
    for (const char* phrase : {"cannot insert '", "cannot redefine existing "})
        if ((at = what.find(phrase)) != std::string::npos) break;
    const std::size_t open = at == std::string::npos ? at : what.find('\'', at);
    const std::size_t close = what.rfind('\'');  // no message's text after the path has a quote
    if (open == std::string::npos || close == open) return what;
    const std::string_view path(what.data() + open + 1, close - open - 1);
    auto bare = [](std::string_view k) {
        return !k.empty() && std::all_of(k.begin(), k.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
        });
    };
    constexpr std::string_view tokens = "tokens.";
    bool shown = path.substr(0, tokens.size()) == tokens;
    std::string_view after = shown ? path.substr(tokens.size()) : std::string_view();
    const std::string_view token = after.substr(0, after.find('.'));
    shown = shown && bare(token);
    after.remove_prefix(token.size());
    for (std::string_view rest = after; shown && !rest.empty();) {
        rest.remove_prefix(1);  // the '.'
        const std::string_view segment = rest.substr(0, rest.find('.'));
        shown = bare(segment);
        rest.remove_prefix(segment.size());
    }
    const std::string where = "at line " + std::to_string(line);
    what.replace(open, close - open + 1,
                 shown ? "'tokens.<token " + where + ">" + std::string(after) + "'" : "<the key " + where + ">");
    return what;
}

}  // namespace rt::server

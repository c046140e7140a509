#include "server/tokens_text.hpp"

#include <algorithm>
#include <cctype>

namespace rt::server {

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

#include "protocol/yaml_text.hpp"

#include <cstdint>
#include <cstdio>
#include <string_view>

namespace rt::proto {

namespace {

using ojson = nlohmann::ordered_json;

// YAML 1.2 (7.4.2, and the 1.1 readers alike) limits an implicit key to 1024 characters; counted
// in bytes here, which is never fewer.
constexpr std::size_t k_max_implicit_key_bytes = 1024;

bool yaml_reserved_word(std::string_view s) {
    std::string lower;
    for (char c : s) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    for (const char* w : {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"})
        if (lower == w) return true;
    return false;
}

// Plain (unquoted) only for text no YAML reader could take for a number, a boolean, null, an
// indicator (- ? : , [ ] { } # & * ! | > ' " % @ `) or a comment.
bool yaml_plain_ok(std::string_view s) {
    if (s.empty() || s.back() == ' ' || yaml_reserved_word(s)) return false;
    const char first = s.front();
    const bool letter = (first >= 'A' && first <= 'Z') || (first >= 'a' && first <= 'z');
    if (!letter && first != '_' && first != '/' && first != '$') return false;
    for (char c : s) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                        c == '/' || c == '$' || c == '-' || c == ' ';
        if (!ok) return false;
    }
    return true;
}

void append_hex_escape(std::string& out, std::uint32_t cp) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(cp));
    out += buf;
}

// Decodes one UTF-8 sequence at s[i]; returns its code point and length, or U+FFFD and 1 for a
// byte that starts none (overlong forms, surrogates and values past U+10FFFF included).
std::uint32_t next_code_point(std::string_view s, std::size_t i, std::size_t& len) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const unsigned char c = b(0);
    len = 1;
    if (c < 0x80) return c;
    std::size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
    if (c >= 0xF5) n = 0;
    if (n == 0 || i + n > s.size()) return 0xFFFD;
    std::uint32_t cp = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
    for (std::size_t k = 1; k < n; ++k) {
        if ((b(k) & 0xC0) != 0x80) return 0xFFFD;
        cp = (cp << 6) | (b(k) & 0x3F);
    }
    const std::uint32_t min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0xFFFD;
    len = n;
    return cp;
}

void append_quoted(std::string& out, std::string_view s) {
    out += '"';
    for (std::size_t i = 0; i < s.size();) {
        std::size_t len = 1;
        const std::uint32_t cp = next_code_point(s, i, len);
        switch (cp) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF)
                    append_hex_escape(out, cp);
                else if (cp == 0xFFFD && len == 1)
                    out += "\xEF\xBF\xBD";  // not UTF-8: the replacement character
                else
                    out.append(s.substr(i, len));
        }
        i += len;
    }
    out += '"';
}

void append_string(std::string& out, std::string_view s) {
    if (yaml_plain_ok(s)) out.append(s);
    else append_quoted(out, s);
}

bool is_empty_container(const ojson& v) { return (v.is_object() || v.is_array()) && v.empty(); }

void append_scalar(std::string& out, const ojson& v) {
    if (v.is_string()) append_string(out, v.get_ref<const std::string&>());
    else if (v.is_object()) out += "{}";
    else if (v.is_array()) out += "[]";
    else out += v.dump();
}

void append_block(std::string& out, const ojson& v, int indent);

// What follows "key:" or "- ": a scalar on the same line, or a nested block on the next lines.
void append_after_marker(std::string& out, const ojson& v, int indent) {
    if ((v.is_object() || v.is_array()) && !is_empty_container(v)) {
        out += '\n';
        append_block(out, v, indent);
    } else {
        out += ' ';
        append_scalar(out, v);
        out += '\n';
    }
}

void append_block(std::string& out, const ojson& v, int indent) {
    const std::string pad(static_cast<std::size_t>(indent), ' ');
    if (v.is_object()) {
        for (auto it = v.begin(); it != v.end(); ++it) {
            std::string key;
            append_string(key, it.key());
            out += pad;
            // YAML allows implicit keys ("key: value") of at most 1024 characters; longer ones are
            // written as explicit keys ("? key" then ": value").
            if (key.size() > k_max_implicit_key_bytes) {
                out += "? " + key + "\n" + pad;
            } else {
                out += key;
            }
            out += ':';
            append_after_marker(out, it.value(), indent + 2);
        }
    } else {
        for (const ojson& item : v) {
            out += pad;
            out += '-';
            // A non-empty object item starts on the dash's line: "- key: value".
            if (item.is_object() && !item.empty()) {
                std::string nested;
                append_block(nested, item, indent + 2);
                out += ' ';
                out.append(nested, static_cast<std::size_t>(indent + 2), std::string::npos);
            } else {
                append_after_marker(out, item, indent + 2);
            }
        }
    }
}

}  // namespace

std::string to_yaml(const ojson& v) {
    std::string out;
    if ((v.is_object() || v.is_array()) && !v.empty()) append_block(out, v, 0);
    else {
        append_scalar(out, v);
        out += '\n';
    }
    return out;
}

}  // namespace rt::proto

#include "protocol/spec_lexer.hpp"

#include <cstdint>
#include <cstdio>
#include <charconv>
#include <cmath>

#include "protocol/spec_json_text.hpp"

namespace rt::spec {
namespace {

bool is_ident_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_ident_char(char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Length of the well-formed UTF-8 sequence starting at s[i], or 0 when it is malformed
// (overlong forms, surrogates and code points above U+10FFFF are malformed).
std::size_t utf8_length(std::string_view s, std::size_t i) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    unsigned char c = b(0);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07; }
    else return 0;
    if (i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k) {
        if ((b(k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b(k) & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
    if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
    return n;
}

class lexer {
public:
    lexer(std::string_view text, const std::string& file, std::vector<spec_error>& errors)
        : s_(text), file_(file), errors_(errors) {}

    std::vector<token> run() {
        std::vector<token> out;
        for (;;) {
            skip_space_and_comments();
            if (at_end()) break;
            out.push_back(next());
        }
        token end;
        end.kind = token_kind::end;
        end.pos = here();
        out.push_back(std::move(end));
        return out;
    }

private:
    bool at_end() const { return i_ >= s_.size(); }
    char peek(std::size_t k = 0) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }
    bool has(std::size_t k) const { return i_ + k < s_.size(); }
    source_pos here() const { return source_pos{line_, col_}; }

    void advance() {
        if (s_[i_] == '\n') {
            ++line_;
            col_ = 1;
        } else {
            ++col_;
        }
        ++i_;
    }

    void skip_space_and_comments() {
        while (!at_end()) {
            char c = peek();
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                advance();
            } else if (c == '/' && has(1) && peek(1) == '/') {
                while (!at_end() && peek() != '\n') advance();
            } else {
                break;
            }
        }
    }

    token error_token(source_pos pos, std::string message) {
        errors_.push_back(spec_error{file_, pos, message});
        token t;
        t.kind = token_kind::error;
        t.text = std::move(message);
        t.pos = pos;
        return t;
    }

    token simple(token_kind k, std::size_t len) {
        token t;
        t.kind = k;
        t.pos = here();
        t.text = std::string(s_.substr(i_, len));
        for (std::size_t n = 0; n < len; ++n) advance();
        return t;
    }

    token op(cmp_op o, std::size_t len) {
        token t = simple(token_kind::op, len);
        t.op = o;
        return t;
    }

    token next() {
        char c = peek();
        if (is_ident_start(c)) {
            std::size_t n = 1;
            while (has(n) && is_ident_char(peek(n))) ++n;
            return simple(token_kind::identifier, n);
        }
        if (is_digit(c) || (c == '-' && has(1) && is_digit(peek(1)))) return number();
        switch (c) {
        case '"': return string();
        case '{': return simple(token_kind::lbrace, 1);
        case '}': return simple(token_kind::rbrace, 1);
        case ':': return simple(token_kind::colon, 1);
        case '|': return simple(token_kind::pipe, 1);
        case '(': return simple(token_kind::lparen, 1);
        case ')': return simple(token_kind::rparen, 1);
        case '<': return peek(1) == '=' ? op(cmp_op::le, 2) : op(cmp_op::lt, 1);
        case '>': return peek(1) == '=' ? op(cmp_op::ge, 2) : op(cmp_op::gt, 1);
        case '=':
            if (peek(1) == '=') return op(cmp_op::eq, 2);
            return stray("unexpected '=' (did you mean '=='?)");
        case '!':
            if (peek(1) == '=') return op(cmp_op::ne, 2);
            return stray("unexpected '!' (did you mean '!=' or 'not'?)");
        default: break;
        }
        auto uc = static_cast<unsigned char>(c);
        if (uc >= 0x80) {
            // One error for a whole run of non-ASCII bytes, not one per byte.
            source_pos pos = here();
            while (!at_end() && static_cast<unsigned char>(peek()) >= 0x80) advance();
            return error_token(pos, "unexpected non-ASCII character (only string literals may hold them)");
        }
        char buf[48];
        if (uc >= 0x20 && uc < 0x7F) {
            std::snprintf(buf, sizeof buf, "unexpected character '%c'", c);
        } else {
            std::snprintf(buf, sizeof buf, "unexpected character 0x%02X", uc);
        }
        return stray(buf);
    }

    token stray(std::string message) {
        source_pos pos = here();
        advance();
        return error_token(pos, std::move(message));
    }

    token number() {
        source_pos pos = here();
        std::size_t start = i_;
        bool integral = true;
        if (peek() == '-') advance();
        while (!at_end() && is_digit(peek())) advance();
        if (peek() == '.' && has(1) && is_digit(peek(1))) {
            integral = false;
            advance();
            while (!at_end() && is_digit(peek())) advance();
        }
        if ((peek() == 'e' || peek() == 'E') &&
            (is_digit(peek(1)) || ((peek(1) == '+' || peek(1) == '-') && is_digit(peek(2))))) {
            integral = false;
            advance();
            if (peek() == '+' || peek() == '-') advance();
            while (!at_end() && is_digit(peek())) advance();
        }
        std::string_view spelling = s_.substr(start, i_ - start);
        token t;
        t.kind = token_kind::number;
        t.text = std::string(spelling);
        t.pos = pos;
        const char* first = spelling.data();
        const char* last = first + spelling.size();
        if (integral) {
            std::int64_t v = 0;
            auto r = std::from_chars(first, last, v);
            if (r.ec == std::errc() && r.ptr == last) {
                t.number = v;
                return t;
            }
            // Too large for int64: keep it as a float, like JSON parsers do.
        }
        double d = 0;
        auto r = std::from_chars(first, last, d);
        if (r.ec != std::errc() || r.ptr != last || !std::isfinite(d)) {
            return error_token(pos, "number " + t.text + " is out of range");
        }
        t.number = d;
        return t;
    }

    // A "..." literal on one line. Escapes: \" \\ \/ \n \t \r \uXXXX (with surrogate pairs).
    token string() {
        source_pos pos = here();
        advance();  // opening quote
        std::string value;
        std::string problem;  // the first thing wrong inside the literal, if any
        source_pos problem_pos;
        auto note = [&](source_pos p, std::string m) {
            if (problem.empty()) {
                problem = std::move(m);
                problem_pos = p;
            }
        };
        for (;;) {
            if (at_end() || peek() == '\n') {
                return error_token(pos, "unterminated string literal (a string must end with '\"' on the same line)");
            }
            char c = peek();
            if (c == '"') {
                advance();
                break;
            }
            if (c == '\\') {
                source_pos esc = here();
                advance();
                if (at_end() || peek() == '\n') continue;  // reported as unterminated
                char e = peek();
                advance();
                switch (e) {
                case '"': value += '"'; break;
                case '\\': value += '\\'; break;
                case '/': value += '/'; break;
                case 'n': value += '\n'; break;
                case 't': value += '\t'; break;
                case 'r': value += '\r'; break;
                case 'u': {
                    std::uint32_t cp = 0;
                    if (!hex4(cp)) {
                        note(esc, "invalid \\u escape in string literal (expected 4 hex digits)");
                        break;
                    }
                    if (cp >= 0xD800 && cp <= 0xDBFF && peek() == '\\' && peek(1) == 'u') {
                        std::size_t save_i = i_;
                        int save_line = line_, save_col = col_;
                        advance();
                        advance();
                        std::uint32_t lo = 0;
                        if (hex4(lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        } else {
                            i_ = save_i;
                            line_ = save_line;
                            col_ = save_col;
                        }
                    }
                    if (cp >= 0xD800 && cp <= 0xDFFF) {
                        note(esc, "invalid \\u escape in string literal (unpaired surrogate)");
                        break;
                    }
                    append_utf8(value, cp);
                    break;
                }
                default: {
                    char buf[64];
                    auto ue = static_cast<unsigned char>(e);
                    if (ue >= 0x20 && ue < 0x7F) {
                        std::snprintf(buf, sizeof buf, "unknown escape '\\%c' in string literal", e);
                    } else {
                        std::snprintf(buf, sizeof buf, "unknown escape '\\' 0x%02X in string literal", ue);
                    }
                    note(esc, buf);
                    break;
                }
                }
                continue;
            }
            std::size_t n = utf8_length(s_, i_);
            if (n == 0) {
                note(here(), "invalid UTF-8 in string literal");
                advance();
                continue;
            }
            value.append(s_.substr(i_, n));
            for (std::size_t k = 0; k < n; ++k) advance();
        }
        if (!problem.empty()) return error_token(problem_pos, problem);
        token t;
        t.kind = token_kind::string;
        t.text = std::move(value);
        t.pos = pos;
        return t;
    }

    // Reads 4 hex digits at the cursor; leaves the cursor after those it could read.
    bool hex4(std::uint32_t& out) {
        out = 0;
        for (int k = 0; k < 4; ++k) {
            if (at_end()) return false;
            int h = hex_value(peek());
            if (h < 0) return false;
            out = out * 16 + static_cast<std::uint32_t>(h);
            advance();
        }
        return true;
    }

    std::string_view s_;
    const std::string& file_;
    std::vector<spec_error>& errors_;
    std::size_t i_ = 0;
    int line_ = 1;
    int col_ = 1;
};

}  // namespace

std::vector<token> lex_spec(std::string_view text, const std::string& file,
                            std::vector<spec_error>& errors) {
    return lexer(text, file, errors).run();
}

std::string describe_token(const token& t) {
    switch (t.kind) {
    case token_kind::identifier:
    case token_kind::lbrace:
    case token_kind::rbrace:
    case token_kind::colon:
    case token_kind::pipe:
    case token_kind::lparen:
    case token_kind::rparen:
    case token_kind::op: return "'" + t.text + "'";
    case token_kind::string: return "string " + json_text(json(t.text), 40);
    case token_kind::number: return "number " + t.text;
    case token_kind::end: return "end of file";
    case token_kind::error: return "invalid input";
    }
    return "?";
}

}  // namespace rt::spec

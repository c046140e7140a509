#include "protocol/event_scan.hpp"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include "protocol/messages.hpp"

namespace rt::proto {

namespace {

bool scan_is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool scan_is_digit(char c) { return c >= '0' && c <= '9'; }

// A cursor over JSON text that validates what it skips, by the rules of RFC 8259 as
// nlohmann::json applies them (UTF-8 by RFC 3629, \u surrogates in pairs, no leading zeros).
// Every method returns false on invalid (or, for depth, unsure) text; the cursor is then
// meaningless.
class skimmer {
public:
    explicit skimmer(std::string_view text) : s_(text) {}

    std::size_t pos() const { return i_; }
    std::string_view since(std::size_t start) const { return s_.substr(start, i_ - start); }

    void skip_ws() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) ++i_;
    }
    // Consumes `c` after optional whitespace.
    bool eat(char c) {
        skip_ws();
        if (i_ < s_.size() && s_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }
    bool at_end() {
        skip_ws();
        return i_ == s_.size();
    }
    bool peek_is(char c) {
        skip_ws();
        return i_ < s_.size() && s_[i_] == c;
    }

    // A string at the cursor: `raw` is its text between the quotes as written; `escaped` says
    // whether it holds a backslash escape (then `raw` is not its value).
    bool string(std::string_view& raw, bool& escaped) {
        skip_ws();
        if (i_ >= s_.size() || s_[i_] != '"') return false;
        const std::size_t start = ++i_;
        escaped = false;
        while (i_ < s_.size()) {
            skip_plain_words();
            if (i_ >= s_.size()) break;
            const auto c = static_cast<unsigned char>(s_[i_]);
            if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {  // the common case: plain ASCII
                ++i_;
                continue;
            }
            if (c == '"') {
                raw = s_.substr(start, i_ - start);
                ++i_;
                return true;
            }
            if (c == '\\') {
                escaped = true;
                if (!escape()) return false;
                continue;
            }
            if (c < 0x20 || !utf8()) return false;  // raw control characters are not allowed
        }
        return false;  // unterminated
    }

    // Any value, validated; objects and arrays up to max_scan_depth levels (counting this one).
    bool value(int depth) {
        skip_ws();
        if (i_ >= s_.size()) return false;
        switch (s_[i_]) {
            case '"': {
                std::string_view raw;
                bool esc = false;
                return string(raw, esc);
            }
            case '{': return object(depth);
            case '[': return array(depth);
            case 't': return literal("true");
            case 'f': return literal("false");
            case 'n': return literal("null");
            default: return number();
        }
    }

    // A number by the JSON grammar, -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, that is finite
    // as a double (nlohmann::json refuses 1e400).
    bool number() {
        skip_ws();
        const std::size_t start = i_;
        if (!number_grammar()) return false;
        const std::string_view text = since(start);
        if (text.size() <= 19 && text.find_first_of(".eE") == std::string_view::npos) return true;  // an integer
        const std::string copy(text);  // rare: strtod needs a terminated string
        return std::isfinite(std::strtod(copy.c_str(), nullptr));
    }

    bool number_grammar() {
        if (i_ < s_.size() && s_[i_] == '-') ++i_;
        if (i_ >= s_.size() || !scan_is_digit(s_[i_])) return false;
        if (s_[i_] == '0') ++i_;
        else
            while (i_ < s_.size() && scan_is_digit(s_[i_])) ++i_;
        if (i_ < s_.size() && s_[i_] == '.') {
            ++i_;
            if (i_ >= s_.size() || !scan_is_digit(s_[i_])) return false;
            while (i_ < s_.size() && scan_is_digit(s_[i_])) ++i_;
        }
        if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
            ++i_;
            if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
            if (i_ >= s_.size() || !scan_is_digit(s_[i_])) return false;
            while (i_ < s_.size() && scan_is_digit(s_[i_])) ++i_;
        }
        return true;
    }

    // A number that nlohmann::json reads as unsigned: digits only, no sign, fraction or
    // exponent, within 64 bits.
    bool unsigned_integer(std::uint64_t& out) {
        skip_ws();
        const std::size_t start = i_;
        if (!number()) return false;
        std::string_view digits = since(start);
        if (digits.empty() || digits.size() > 20) return false;
        std::uint64_t v = 0;
        for (char c : digits) {
            if (!scan_is_digit(c)) return false;
            const auto d = static_cast<std::uint64_t>(c - '0');
            if (v > (UINT64_MAX - d) / 10) return false;  // beyond 64 bits nlohmann makes it a float
            v = v * 10 + d;
        }
        out = v;
        return true;
    }

    // The members of the object at the cursor, each key (as written, escaped or not) passed to
    // `on_member(key, escaped)`, which must consume the member's value and return false to stop.
    template <class F>
    bool members(int depth, F&& on_member) {
        if (depth > max_scan_depth || !eat('{')) return false;
        if (eat('}')) return true;
        do {
            std::string_view key;
            bool escaped = false;
            if (!string(key, escaped) || !eat(':')) return false;
            skip_ws();
            if (!on_member(key, escaped)) return false;
        } while (eat(','));
        return eat('}');
    }

private:
    // Advances over whole 8-byte words of plain string text (ASCII, no quote, backslash or
    // control character): a title padded to 1 KiB is mostly that. Bit tricks from "Bit Twiddling
    // Hacks" (haszero/hasless): exact for "is there such a byte", which is all we ask.
    void skip_plain_words() {
        constexpr std::uint64_t ones = 0x0101010101010101ull;
        constexpr std::uint64_t highs = 0x8080808080808080ull;
        auto has_zero_byte = [](std::uint64_t v) { return (v - ones) & ~v & highs; };
        while (s_.size() - i_ >= 8) {
            std::uint64_t w;
            std::memcpy(&w, s_.data() + i_, 8);
            const std::uint64_t special = (w & highs) | ((w - ones * 0x20) & ~w & highs) |
                                          has_zero_byte(w ^ (ones * '"')) | has_zero_byte(w ^ (ones * '\\'));
            if (special) return;
            i_ += 8;
        }
    }

    bool object(int depth) {
        return members(depth, [&](std::string_view, bool) { return value(depth + 1); });
    }

    bool array(int depth) {
        if (depth > max_scan_depth || !eat('[')) return false;
        if (eat(']')) return true;
        do {
            if (!value(depth + 1)) return false;
        } while (eat(','));
        return eat(']');
    }

    bool literal(std::string_view word) {
        if (s_.substr(i_, word.size()) != word) return false;
        i_ += word.size();
        return true;
    }

    // Four hex digits at the cursor, as a code unit.
    bool hex4(unsigned& out) {
        if (s_.size() - i_ < 4) return false;
        out = 0;
        for (int k = 0; k < 4; ++k) {
            const char c = s_[i_++];
            if (!scan_is_hex(c)) return false;
            out = out * 16 + static_cast<unsigned>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
        }
        return true;
    }

    // An escape at the cursor (at the backslash).
    bool escape() {
        ++i_;
        if (i_ >= s_.size()) return false;
        const char c = s_[i_++];
        switch (c) {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't': return true;
            case 'u': break;
            default: return false;
        }
        unsigned unit = 0;
        if (!hex4(unit)) return false;
        if (unit >= 0xDC00 && unit <= 0xDFFF) return false;  // a low surrogate alone
        if (unit < 0xD800 || unit > 0xDBFF) return true;
        // A high surrogate must be followed by \u and a low one.
        if (s_.size() - i_ < 2 || s_[i_] != '\\' || s_[i_ + 1] != 'u') return false;
        i_ += 2;
        return hex4(unit) && unit >= 0xDC00 && unit <= 0xDFFF;
    }

    // One multi-byte UTF-8 sequence at the cursor, well formed by RFC 3629 (no overlongs, no
    // surrogates, nothing above U+10FFFF).
    bool utf8() {
        const auto b0 = static_cast<unsigned char>(s_[i_]);
        auto in = [&](std::size_t k, unsigned lo, unsigned hi) {
            if (i_ + k >= s_.size()) return false;
            const auto b = static_cast<unsigned char>(s_[i_ + k]);
            return b >= lo && b <= hi;
        };
        std::size_t len = 0;
        if (b0 >= 0xC2 && b0 <= 0xDF) len = in(1, 0x80, 0xBF) ? 2 : 0;
        else if (b0 == 0xE0) len = in(1, 0xA0, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
        else if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF) len = in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
        else if (b0 == 0xED) len = in(1, 0x80, 0x9F) && in(2, 0x80, 0xBF) ? 3 : 0;
        else if (b0 == 0xF0) len = in(1, 0x90, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
        else if (b0 >= 0xF1 && b0 <= 0xF3) len = in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
        else if (b0 == 0xF4) len = in(1, 0x80, 0x8F) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
        i_ += len;
        return len != 0;
    }

    std::string_view s_;
    std::size_t i_ = 0;
};

// The event fields scan_event looks at, as bits.
enum scan_field : unsigned {
    scan_f_type = 1,
    scan_f_subscription = 2,
    scan_f_operation = 4,
    scan_f_data = 8,
    scan_f_epoch = 16,
    scan_f_seq = 32,
};
constexpr unsigned scan_f_all = scan_f_type | scan_f_subscription | scan_f_operation | scan_f_data | scan_f_epoch | scan_f_seq;

unsigned scan_field_of(std::string_view key) {
    if (key == "type") return scan_f_type;
    if (key == "subscription") return scan_f_subscription;
    if (key == "operation") return scan_f_operation;
    if (key == "data") return scan_f_data;
    if (key == "epoch") return scan_f_epoch;
    if (key == "seq") return scan_f_seq;
    return 0;
}

}  // namespace

std::optional<event_scan> scan_event(std::string_view frame) {
    skimmer k(frame);
    event_scan out;
    unsigned seen = 0;
    bool ok = k.members(1, [&](std::string_view key, bool key_escaped) {
        if (key_escaped) return false;  // it might spell a field we look at: let the decoder decide
        const unsigned f = scan_field_of(key);
        if (f & seen) return false;  // given twice: the decoder keeps the last one; not our call
        seen |= f;
        std::string_view raw;
        bool escaped = false;
        switch (f) {
            case scan_f_type:
                return k.string(raw, escaped) && !escaped && raw == "event";
            case scan_f_subscription:
                return k.string(raw, escaped);
            case scan_f_operation:
                return k.string(raw, escaped) && !escaped && operation_from_wire(raw).has_value();
            case scan_f_data: {
                const std::size_t start = k.pos();
                if (!k.value(2)) return false;
                out.data_json = k.since(start);
                return true;
            }
            case scan_f_epoch:
                if (!k.string(raw, escaped) || escaped) return false;
                out.epoch = raw;
                return true;
            case scan_f_seq:
                return k.unsigned_integer(out.seq);
            default:
                return k.value(2);
        }
    });
    if (!ok || !k.at_end() || seen != scan_f_all) return std::nullopt;
    return out;
}

std::optional<std::string_view> scan_string_member(std::string_view object_json, std::string_view key) {
    skimmer k(object_json);
    std::optional<std::string_view> found;
    bool unsure = false;
    bool ok = k.members(1, [&](std::string_view name, bool name_escaped) {
        if (name_escaped) unsure = true;
        if (name != key || name_escaped) return k.value(2);
        if (found || !k.peek_is('"')) {  // twice, or not a string
            unsure = true;
            return k.value(2);
        }
        std::string_view raw;
        bool escaped = false;
        if (!k.string(raw, escaped)) return false;
        if (escaped) unsure = true;
        found = raw;
        return true;
    });
    if (!ok || unsure || !k.at_end()) return std::nullopt;
    return found;
}

}  // namespace rt::proto

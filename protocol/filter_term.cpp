#include "protocol/filter_term.hpp"

#include "protocol/spec_compare.hpp"

namespace rt::spec {

using json = nlohmann::json;

namespace {

// The backslashes just before position `end` of `s`.
std::size_t backslashes_before(const std::string& s, std::size_t end) {
    std::size_t n = 0;
    while (n < end && s[end - 1 - n] == '\\') ++n;
    return n;
}

}  // namespace

filter_text decode_filter_text(const std::string& s) {
    if (s.empty() || s.back() != '*') return {s, false};
    const std::size_t star = s.size() - 1;
    const std::size_t n = backslashes_before(s, star);
    std::string out = s.substr(0, star - n);
    out.append(n / 2, '\\');
    if (n % 2 == 0) return {std::move(out), true};
    out += '*';
    return {std::move(out), false};
}

std::string encode_filter_literal(const std::string& value) {
    if (value.empty() || value.back() != '*') return value;
    const std::size_t star = value.size() - 1;
    const std::size_t m = backslashes_before(value, star);
    std::string out = value.substr(0, star - m);
    out.append(2 * m + 1, '\\');
    out += '*';
    return out;
}

std::string encode_filter_prefix(const std::string& prefix) {
    const std::size_t m = backslashes_before(prefix, prefix.size());
    std::string out = prefix.substr(0, prefix.size() - m);
    out.append(2 * m, '\\');
    out += '*';
    return out;
}

filter_term read_filter_term(const json& v) {
    filter_term t;
    auto literal = [](const json& x) { return x.is_string() ? json(decode_filter_text(x.get<std::string>()).text) : x; };
    if (v.is_array()) {
        t.k = filter_term::kind::one_of;
        t.values.reserve(v.size());
        for (const auto& x : v) t.values.push_back(literal(x));
        return t;
    }
    if (v.is_string()) {
        filter_text d = decode_filter_text(v.get<std::string>());
        if (d.prefix) {
            t.k = filter_term::kind::prefix;
            t.prefix = std::move(d.text);
        } else {
            t.values.push_back(json(std::move(d.text)));
        }
        return t;
    }
    t.values.push_back(v);
    return t;
}

bool equalities_only(const json& filter) {
    if (!filter.is_object()) return true;
    for (const auto& v : filter)
        if (read_filter_term(v).k != filter_term::kind::equals) return false;
    return true;
}

bool term_matches(const filter_term& t, const json& row_value) {
    if (t.k == filter_term::kind::prefix) {
        if (!row_value.is_string()) return false;
        const auto& s = row_value.get_ref<const std::string&>();
        return s.size() >= t.prefix.size() && s.compare(0, t.prefix.size(), t.prefix) == 0;
    }
    for (const auto& v : t.values)
        if (values_equal(row_value, v)) return true;
    return false;
}

}  // namespace rt::spec

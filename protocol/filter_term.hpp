#pragma once
// One value of a client filter, read: an equality (`"b7"`, `3`, `null`), a set (`["todo","doing"]`:
// the row's value is one of them) or a prefix pattern (`"team-a/*"`: a string attribute whose value
// starts with "team-a/"). Pure; shared by filter validation and matching, the stream index and
// the rights check, so all of them read a filter value the same way (docs/protocol.md "Filters").
//
// Strings: a trailing `*` makes a prefix pattern. A `*` that is part of the value is escaped with
// a backslash (`"a\\*"` in JSON text is the value `a*`); backslashes are special only in the run
// just before a trailing `*` (two stand for one). Strings without a trailing `*` are taken as they
// are, so every filter written before patterns existed keeps its meaning.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rt::spec {

struct filter_term {
    enum class kind { equals, one_of, prefix };
    kind k = kind::equals;
    std::vector<nlohmann::json> values;  // equals: the one value; one_of: the elements (strings decoded)
    std::string prefix;                  // prefix: the text a value must start with
};

// A filter string read: the literal it stands for, or the prefix of a pattern.
struct filter_text {
    std::string text;
    bool prefix = false;
};
filter_text decode_filter_text(const std::string& s);
// The filter string for a literal value (`a*` → `a\*`; text without a trailing '*' unchanged) and
// for a prefix (`team-a/` → `team-a/*`). decode_filter_text undoes both.
std::string encode_filter_literal(const std::string& value);
std::string encode_filter_prefix(const std::string& prefix);

// Reads a filter value. An array is a set (its string elements decoded as literals, a pattern
// element read as its literal text: validate_filter refuses those); a string is a literal or a
// prefix; anything else an equality.
filter_term read_filter_term(const nlohmann::json& v);

// True when every value of `filter` (an object) is an equality: no set, no prefix pattern.
bool equalities_only(const nlohmann::json& filter);

// True when a row's attribute value (null when unset) satisfies the term. A prefix matches
// strings only, compared byte by byte.
bool term_matches(const filter_term& t, const nlohmann::json& row_value);

}  // namespace rt::spec

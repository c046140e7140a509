// Client filters: tests a subscriber adds to a subscription ({"board":"b7"}): equality, a set of
// values ({"status":["todo","doing"]}) or a prefix pattern on a string ({"board":"team-a/*"}).
#include "protocol/filter_term.hpp"
#include "protocol/spec.hpp"
#include "protocol/spec_compare.hpp"
#include "protocol/spec_json_text.hpp"
#include "protocol/spec_value_check.hpp"

namespace rt::spec {

namespace {

bool prefix_allowed(const attr_type& t) { return t.kind == attr_kind::string || t.kind == attr_kind::ref; }

const char* filter_kind_text(const attr_type& t) {
    switch (t.kind) {
    case attr_kind::string: return "string";
    case attr_kind::integer: return "int";
    case attr_kind::floating: return "float";
    case attr_kind::boolean: return "bool";
    case attr_kind::enumeration: return "a union";
    case attr_kind::ref: return "ref";
    }
    return "?";
}

// One element of a set, or a single value: a scalar of the attribute's type, or null (unset).
result<void, std::string> check_filter_scalar(const std::string& key, const attribute& at, const json& v,
                                              const std::string& what) {
    auto fail = [](std::string why) { return make_unexpected(std::move(why)); };
    if (v.is_object() || v.is_array()) return fail(what + " must be a scalar, got " + describe_value(v));
    if (v.is_null()) {
        if (key == "id") return fail(what + " must be a string, got null");
        return {};
    }
    if (auto typed = check_value(at.type, v); !typed) return fail(what + ": " + typed.error());
    return {};
}

}  // namespace

// Keys are `id` (a string) or declared attributes of the subscription's entity; values are
// scalars of the attribute's type or null (matches rows where the attribute is unset), sets of
// those, or a prefix pattern on a string attribute.
result<void, std::string> validate_filter(const app& a, const subscription& s, const json& filter) {
    auto fail = [](std::string why) { return make_unexpected(std::move(why)); };
    static const json empty = json::object();
    const json& f = filter.is_null() ? empty : filter;
    if (!f.is_object()) return fail("filter must be a JSON object, got " + describe_value(f));
    const entity* e = a.find_entity(s.entity);
    if (!e) return fail("subscription " + s.name + " has no entity '" + s.entity + "'");
    std::string prefix_key;
    std::size_t combinations = 1;
    for (auto it = f.begin(); it != f.end(); ++it) {
        const std::string& key = it.key();
        const json& v = it.value();
        const std::string name = json_text(json(key));
        const attribute* at = e->find(key);
        if (!at) {
            std::string names = "id";
            for (const attribute& x : e->attrs) names += ", " + x.name;
            return fail("unknown attribute " + name + " in filter (entity " + e->name + " has: " + names + ")");
        }
        const bool one_record = s.kind == subscription_kind::by_id && key == "id";
        if (v.is_object()) return fail("filter value for " + name + " must be a scalar, a set (array) or a prefix pattern, got " + describe_value(v));
        if (v.is_array()) {
            if (one_record) return fail("subscription " + s.name + " is by id: its \"id\" names one record, not a set");
            if (v.empty()) return fail("filter value for " + name + " is an empty set: a set needs at least one value");
            if (at->type.kind == attr_kind::floating)
                return fail("filter value for " + name + " is a set, but " + key + " is a float: sets are for string, int, bool, union and ref attributes");
            for (std::size_t i = 0; i < v.size(); ++i) {
                const std::string what = "element " + std::to_string(i + 1) + " of the set for " + name;
                const json& x = v[i];
                if (x.is_string() && decode_filter_text(x.get<std::string>()).prefix)
                    return fail(what + " is a prefix pattern (" + json_text(x) +
                                "): a set holds values (write \\* for a '*' that ends a value)");
                json literal = x.is_string() ? json(decode_filter_text(x.get<std::string>()).text) : x;
                if (auto ok = check_filter_scalar(key, *at, literal, what); !ok) return ok;
            }
            combinations *= v.size();
            if (combinations > max_filter_combinations)
                return fail("the filter's sets make more than " + std::to_string(max_filter_combinations) +
                            " combinations of values (the product of their sizes); narrow them");
            continue;
        }
        if (v.is_string()) {
            filter_text d = decode_filter_text(v.get<std::string>());
            if (d.prefix) {
                if (one_record) return fail("subscription " + s.name + " is by id: its \"id\" names one record, not a prefix pattern");
                if (!prefix_allowed(at->type))
                    return fail("filter value for " + name + " is a prefix pattern (" + json_text(v) + "), but " + key +
                                " is " + filter_kind_text(at->type) +
                                ": prefix patterns are for string and ref attributes (write \\* for a '*' that ends a value)");
                if (!prefix_key.empty())
                    return fail("filter values for " + json_text(json(prefix_key)) + " and " + name +
                                " are both prefix patterns: at most one attribute of a filter may be a pattern");
                prefix_key = key;
                continue;
            }
            if (auto ok = check_filter_scalar(key, *at, json(d.text), "filter value for " + name); !ok) return ok;
            continue;
        }
        if (auto ok = check_filter_scalar(key, *at, v, "filter value for " + name); !ok) return ok;
    }
    if (s.kind == subscription_kind::by_id && !f.contains("id")) {
        return fail("subscription " + s.name + " is by id: the filter must name the record's \"id\" (a string)");
    }
    return {};
}

bool filter_matches(const json& filter, const json& row) {
    if (filter.is_null()) return true;
    if (!filter.is_object()) return false;  // not a valid filter: match nothing rather than all
    static const json null_value;
    for (auto it = filter.begin(); it != filter.end(); ++it) {
        const json* v = &null_value;
        if (row.is_object()) {
            auto r = row.find(it.key());
            if (r != row.end()) v = &*r;
        }
        if (!term_matches(read_filter_term(it.value()), *v)) return false;
    }
    return true;
}

}  // namespace rt::spec

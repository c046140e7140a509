// Client filters: equality tests a subscriber adds to a subscription ({"board":"b7"}).
#include "protocol/spec.hpp"
#include "protocol/spec_compare.hpp"
#include "protocol/spec_json_text.hpp"
#include "protocol/spec_value_check.hpp"

namespace rt::spec {

// Keys are `id` (a string) or declared attributes of the subscription's entity; values are
// scalars of the attribute's type, or null (matches rows where the attribute is unset).
result<void, std::string> validate_filter(const app& a, const subscription& s, const json& filter) {
    auto fail = [](std::string why) { return make_unexpected(std::move(why)); };
    static const json empty = json::object();
    const json& f = filter.is_null() ? empty : filter;
    if (!f.is_object()) return fail("filter must be a JSON object, got " + describe_value(f));
    const entity* e = a.find_entity(s.entity);
    if (!e) return fail("subscription " + s.name + " has no entity '" + s.entity + "'");
    for (auto it = f.begin(); it != f.end(); ++it) {
        const std::string& key = it.key();
        const json& v = it.value();
        const attribute* at = e->find(key);
        if (!at) {
            std::string names = "id";
            for (const attribute& x : e->attrs) names += ", " + x.name;
            return fail("unknown attribute " + json_text(json(key)) + " in filter (entity " + e->name +
                        " has: " + names + ")");
        }
        if (v.is_object() || v.is_array()) {
            return fail("filter value for " + json_text(json(key)) + " must be a scalar, got " + describe_value(v));
        }
        if (v.is_null()) {
            if (key == "id") return fail("filter value for \"id\" must be a string, got null");
            continue;
        }
        if (auto typed = check_value(at->type, v); !typed) {
            return fail("filter value for " + json_text(json(key)) + ": " + typed.error());
        }
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
        if (!values_equal(*v, it.value())) return false;
    }
    return true;
}

}  // namespace rt::spec

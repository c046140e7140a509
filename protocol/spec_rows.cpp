// Validation of rows (publish data) against an entity's attribute types.
#include "protocol/spec.hpp"
#include "protocol/spec_json_text.hpp"
#include "protocol/spec_value_check.hpp"

namespace rt::spec {

// Rules, both modes: the row is an object; `id`, when present, is a string; every other field is
// a declared attribute holding a value of its type, or null (the attribute is unset/cleared);
// unknown fields are rejected (a typo must not be stored silently). Attributes are never
// required. patch mode additionally requires `id`. Reports the first problem found.
result<void, field_error> validate_row(const entity& e, const json& row, row_mode mode) {
    auto fail = [](std::string field, std::string message) {
        return make_unexpected(field_error{std::move(field), std::move(message)});
    };
    if (!row.is_object()) return fail("", "expected an object (a row of " + e.name + "), got " + describe_value(row));
    auto id = row.find("id");
    if (id == row.end()) {
        if (mode == row_mode::patch) return fail("id", "missing required field 'id' (a string)");
    } else if (!id->is_string()) {
        return fail("id", "expected string, got " + describe_value(*id));
    }
    for (auto it = row.begin(); it != row.end(); ++it) {
        if (it.key() == "id") continue;
        const attribute* a = e.find(it.key());
        if (!a) {
            std::string names = "id";
            for (const attribute& at : e.attrs) names += ", " + at.name;
            return fail(it.key(), "unknown field " + json_text(json(it.key())) + " for entity " + e.name +
                                      " (it has: " + names + ")");
        }
        if (it.value().is_null()) continue;
        if (auto typed = check_value(a->type, it.value()); !typed) return fail(it.key(), typed.error());
    }
    return {};
}

}  // namespace rt::spec

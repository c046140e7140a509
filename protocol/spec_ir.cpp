// Lookups on the spec IR and the text form of its errors.
#include "protocol/spec.hpp"

namespace rt::spec {

const attribute* entity::find(std::string_view attr) const {
    // Every entity has an implicit string id; it is never listed in attrs.
    static const attribute implicit_id{"id", attr_type{attr_kind::string, {}, {}}, source_pos{}};
    if (attr == "id") return &implicit_id;
    for (const attribute& a : attrs) {
        if (a.name == attr) return &a;
    }
    return nullptr;
}

const entity* app::find_entity(std::string_view name) const {
    for (const entity& e : entities) {
        if (e.name == name) return &e;
    }
    return nullptr;
}

const view* app::find_view(std::string_view name) const {
    for (const view& v : views) {
        if (v.name == name) return &v;
    }
    return nullptr;
}

const subscription* app::find_subscription(std::string_view name) const {
    for (const subscription& s : subscriptions) {
        if (s.name == name) return &s;
    }
    return nullptr;
}

const expr* app::predicate_of(const subscription& s) const {
    if (s.kind != subscription_kind::view) return nullptr;
    const view* v = find_view(s.view);
    return v ? v->where.get() : nullptr;
}

std::string spec_error::to_string() const {
    return file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.col) + ": error: " + message;
}

}  // namespace rt::spec

#include "protocol/spec_ir_json.hpp"

#include <cstdint>

#include "protocol/spec_expr_text.hpp"

namespace rt::spec {

namespace {

const char* kind_name(attr_kind k) {
    switch (k) {
        case attr_kind::string: return "string";
        case attr_kind::integer: return "int";
        case attr_kind::floating: return "float";
        case attr_kind::boolean: return "bool";
        case attr_kind::enumeration: return "enum";
        case attr_kind::ref: return "ref";
    }
    return "string";
}

}  // namespace

const char* ir_kind_name(subscription_kind k) {
    switch (k) {
        case subscription_kind::view: return "view";
        case subscription_kind::by_id: return "by_id";
        case subscription_kind::entity: return "entity";
    }
    return "entity";
}

json to_ir_json(const app& a) {
    json entities = json::array();
    for (const entity& e : a.entities) {
        json attrs = json::array({{{"name", "id"}, {"type", "string"}}});
        for (const attribute& at : e.attrs) {
            json j{{"name", at.name}, {"type", kind_name(at.type.kind)}};
            if (at.type.kind == attr_kind::enumeration) j["choices"] = at.type.choices;
            if (at.type.kind == attr_kind::ref) j["ref"] = at.type.ref_entity;
            attrs.push_back(std::move(j));
        }
        entities.push_back({{"name", e.name}, {"attrs", std::move(attrs)}});
    }
    json views = json::array();
    for (const view& v : a.views)
        views.push_back({{"name", v.name}, {"entity", v.entity}, {"where", v.where ? to_string(*v.where) : std::string()}});
    json subs = json::array();
    for (const subscription& s : a.subscriptions) {
        json j{{"name", s.name}, {"kind", ir_kind_name(s.kind)}, {"entity", s.entity}};
        if (s.kind == subscription_kind::view) j["view"] = s.view;
        if (s.throttle_ms) j["throttle_ms"] = s.throttle_ms;  // only when set: older specs keep their hash
        subs.push_back(std::move(j));
    }
    return {{"app", a.name}, {"entities", std::move(entities)}, {"views", std::move(views)}, {"subscriptions", std::move(subs)}};
}

std::string ir_hash(const app& a) {
    std::uint64_t h = 14695981039346656037ull;  // FNV-1a 64: offset basis and prime
    for (unsigned char c : to_ir_json(a).dump()) {
        h ^= c;
        h *= 1099511628211ull;
    }
    static const char hex[] = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<std::size_t>(i)] = hex[h & 0xf];
    return out;
}

}  // namespace rt::spec

#include "protocol/spec_diff.hpp"

#include <algorithm>
#include <map>

#include "protocol/spec_ir_json.hpp"

namespace rt::spec {

namespace {

// name → its object in one of to_ir_json()'s arrays.
std::map<std::string, json> by_name(const json& list) {
    std::map<std::string, json> out;
    for (const auto& item : list) out[item.at("name").get<std::string>()] = item;
    return out;
}

struct ir_parts {
    std::map<std::string, json> entities, views, subscriptions;
    explicit ir_parts(const app& a) {
        const json ir = to_ir_json(a);
        entities = by_name(ir.at("entities"));
        views = by_name(ir.at("views"));
        subscriptions = by_name(ir.at("subscriptions"));
    }
    json definition(const std::string& sub) const {
        const json& s = subscriptions.at(sub);
        json d{{"subscription", s}, {"view", nullptr}, {"entity", nullptr}};
        if (auto v = s.find("view"); v != s.end())
            if (auto it = views.find(v->get<std::string>()); it != views.end()) d["view"] = it->second;
        if (auto it = entities.find(s.at("entity").get<std::string>()); it != entities.end()) d["entity"] = it->second;
        return d;
    }
};

// Splits the names of two maps into added / changed (by `differs`) / removed, each sorted (map order).
template <class Differs>
void compare(const std::map<std::string, json>& old_m, const std::map<std::string, json>& next_m,
             std::vector<std::string>& added, std::vector<std::string>& changed, std::vector<std::string>& removed,
             Differs&& differs) {
    for (const auto& [name, _] : next_m) {
        if (!old_m.count(name)) added.push_back(name);
        else if (differs(name)) changed.push_back(name);
    }
    for (const auto& [name, _] : old_m)
        if (!next_m.count(name)) removed.push_back(name);
}

}  // namespace

json subscription_definition(const app& a, const subscription& s) { return ir_parts(a).definition(s.name); }

spec_diff diff_specs(const app& old_app, const app& next_app) {
    const ir_parts o(old_app), n(next_app);
    spec_diff d;
    compare(o.subscriptions, n.subscriptions, d.added, d.changed, d.removed,
            [&](const std::string& name) { return o.definition(name) != n.definition(name); });
    compare(o.entities, n.entities, d.entities_added, d.entities_changed, d.entities_removed,
            [&](const std::string& name) { return o.entities.at(name) != n.entities.at(name); });
    return d;
}

}  // namespace rt::spec

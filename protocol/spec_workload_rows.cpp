// The rows and filters of a spec workload (spec_workload.hpp): group values, the row template
// found by a bounded search of the view's `where`, and row_maker.
#include <cctype>
#include <cmath>
#include <limits>
#include <map>

#include "protocol/spec_workload.hpp"

namespace rt::spec {

namespace {

// Combinations of candidate values tried before giving up: a `where` over 5 attributes with 10
// candidates each is 100,000 evaluations, well under a second; real views test 1 to 3.
constexpr std::size_t max_where_combinations = 100'000;

// The value an attribute gets when neither the filter, the payload nor the `where` asks for one.
json default_value(const attribute& a) {
    switch (a.type.kind) {
    case attr_kind::string: return "loadgen";
    case attr_kind::integer: return 1;
    case attr_kind::floating: return 1.0;
    case attr_kind::boolean: return false;
    case attr_kind::enumeration: return a.type.choices.empty() ? json() : json(a.type.choices.front());
    case attr_kind::ref: {
        std::string id;
        for (char c : a.type.ref_entity) id += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return id + "-1";
    }
    }
    return json();
}

// attr → the literals the `where` compares it with.
void collect_literals(const expr* e, std::map<std::string, std::vector<json>>& out) {
    if (!e) return;
    if (e->k == expr::kind::compare) {
        out[e->attr].push_back(e->value);
        return;
    }
    collect_literals(e->lhs.get(), out);
    collect_literals(e->rhs.get(), out);
}

void add_unique(std::vector<json>& v, json x) {
    for (const json& y : v)
        if (y == x) return;
    v.push_back(std::move(x));
}

// Values worth trying for `a` against a `where` mentioning `literals`: the default first, then
// each literal of the attribute's type and its neighbours (so that <, >, != can be met), then
// unset (null).
std::vector<json> candidates(const attribute& a, const std::vector<json>& literals) {
    std::vector<json> v{default_value(a)};
    switch (a.type.kind) {
    case attr_kind::enumeration:
        for (const auto& c : a.type.choices) add_unique(v, c);
        break;
    case attr_kind::boolean:
        add_unique(v, true);
        break;
    case attr_kind::integer:
        add_unique(v, 0);
        for (const json& l : literals) {
            if (!l.is_number()) continue;
            const double d = l.get<double>();
            if (!(std::fabs(d) < 1e15)) continue;  // keeps the neighbours inside int64
            const auto base = static_cast<std::int64_t>(std::floor(d));
            for (std::int64_t k : {base - 1, base, base + 1, base + 2}) add_unique(v, k);
        }
        break;
    case attr_kind::floating:
        add_unique(v, 0.0);
        for (const json& l : literals) {
            if (!l.is_number()) continue;
            const double d = l.get<double>();
            for (double k : {d - 1, d - 0.5, d, d + 0.5, d + 1}) add_unique(v, k);
        }
        break;
    case attr_kind::string:
    case attr_kind::ref:
        add_unique(v, "");
        for (const json& l : literals) {
            if (!l.is_string()) continue;
            add_unique(v, l);
            add_unique(v, l.get<std::string>() + "x");
        }
        break;
    }
    v.push_back(nullptr);
    return v;
}

void drop_nulls(json& row) {
    for (auto it = row.begin(); it != row.end();) {
        if (it->is_null()) it = row.erase(it);
        else ++it;
    }
}

}  // namespace

std::uint32_t max_groups(const attr_type& t) {
    switch (t.kind) {
    case attr_kind::boolean: return 2;
    case attr_kind::enumeration: return static_cast<std::uint32_t>(t.choices.size());
    default: return std::numeric_limits<std::uint32_t>::max();
    }
}

json group_value(const attribute& attr, std::uint32_t group) {
    switch (attr.type.kind) {
    case attr_kind::string:
    case attr_kind::ref: return std::string(1, attr.name.empty() ? 'g' : attr.name.front()) + std::to_string(group);
    case attr_kind::integer: return group;
    case attr_kind::floating: return static_cast<double>(group);
    case attr_kind::boolean: return group == 1;
    case attr_kind::enumeration: return group < attr.type.choices.size() ? json(attr.type.choices[group]) : json();
    }
    return json();
}

std::string row_id(std::string_view tag, std::uint32_t group, std::uint64_t n) {
    return std::string(tag) + "-g" + std::to_string(group) + "-r" + std::to_string(n);
}

std::optional<json> find_row_template(const app& a, const workload& w) {
    const entity* e = a.find_entity(w.entity);
    const subscription* s = a.find_subscription(w.subscription);
    if (!e || !s) return std::nullopt;
    json row = json::object();
    row["id"] = row_id("x", 0, 0);
    for (const attribute& at : e->attrs) row[at.name] = default_value(at);
    if (!w.filter_attr.empty() && !w.by_id()) {
        if (const attribute* f = e->find(w.filter_attr)) row[f->name] = group_value(*f, 0);
    }
    if (const attribute* v = e->find(w.vary_attr)) row[v->name] = "payload";
    const expr* where = a.predicate_of(*s);
    if (!where) return row;

    std::map<std::string, std::vector<json>> literals;
    collect_literals(where, literals);
    // The attributes the search may set: those the `where` tests, except the fixed ones.
    std::vector<std::pair<std::string, std::vector<json>>> free;
    for (const auto& [name, lits] : literals) {
        if (name == "id" || name == w.filter_attr || name == w.vary_attr) continue;
        const attribute* at = e->find(name);
        if (!at) continue;
        free.emplace_back(name, candidates(*at, lits));
    }
    // An odometer over the candidates, the first attribute turning fastest.
    std::vector<std::size_t> pick(free.size(), 0);
    for (std::size_t tried = 0; tried < max_where_combinations; ++tried) {
        for (std::size_t i = 0; i < free.size(); ++i) row[free[i].first] = free[i].second[pick[i]];
        if (eval_where(*where, row)) {
            drop_nulls(row);
            return row;
        }
        std::size_t i = 0;
        for (; i < free.size(); ++i) {
            if (++pick[i] < free[i].second.size()) break;
            pick[i] = 0;
        }
        if (i == free.size()) break;  // every combination tried
    }
    return std::nullopt;
}

std::optional<std::pair<std::string, json>> find_leaving_change(const app& a, const workload& w, const json& row) {
    const entity* e = a.find_entity(w.entity);
    const subscription* s = a.find_subscription(w.subscription);
    if (!e || !s) return std::nullopt;
    const expr* where = a.predicate_of(*s);
    if (!where) return std::nullopt;
    std::map<std::string, std::vector<json>> literals;
    collect_literals(where, literals);
    for (const auto& [name, lits] : literals) {
        if (name == "id" || name == w.filter_attr || name == w.vary_attr) continue;
        const attribute* at = e->find(name);
        if (!at) continue;
        for (const json& v : candidates(*at, lits)) {
            json changed = row;
            changed[name] = v;
            if (v.is_null()) changed.erase(name);
            if (!eval_where(*where, changed)) return std::make_pair(name, v);
        }
    }
    return std::nullopt;
}

row_maker::row_maker(const app& a, const workload& w)
    : entity_(a.find_entity(w.entity)), w_(w), template_(find_row_template(a, w).value_or(json::object())) {
    template_.erase("id");
}

json row_maker::filter_value(std::uint32_t group) const {
    const attribute* f = entity_ ? entity_->find(w_.filter_attr) : nullptr;
    return f ? group_value(*f, group) : json();
}

json row_maker::filter(std::uint32_t group, std::string_view tag) const {
    if (w_.filter_attr.empty()) return json();
    if (w_.by_id()) return json{{"id", row_id(tag, group, 0)}};
    return json{{w_.filter_attr, filter_value(group)}};
}

json row_maker::insert_row(std::uint32_t group, std::string_view id, std::string payload) const {
    json row = template_;
    row["id"] = std::string(id);
    if (!w_.filter_attr.empty() && !w_.by_id()) row[w_.filter_attr] = filter_value(group);
    row[w_.vary_attr] = std::move(payload);
    return row;
}

json row_maker::update_row(std::string_view id, std::string payload) const {
    return json{{"id", std::string(id)}, {w_.vary_attr, std::move(payload)}};
}

json row_maker::delete_row(std::string_view id) { return json{{"id", std::string(id)}}; }

}  // namespace rt::spec

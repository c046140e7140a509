// Planning a spec workload (spec_workload.hpp): the choices, the checks and their messages.
#include "protocol/spec_workload.hpp"

#include <algorithm>
#include <set>

namespace rt::spec {

namespace {

std::string join_names(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out.empty() ? "(none)" : out;
}

std::string entity_attr_list(const entity& e) {
    std::vector<std::string> names{"id"};
    for (const attribute& at : e.attrs) names.push_back(at.name + ": " + to_string(at.type));
    return join_names(names);
}

void collect_tested(const expr* e, std::set<std::string>& out) {
    if (!e) return;
    if (e->k == expr::kind::compare) out.insert(e->attr);
    collect_tested(e->lhs.get(), out);
    collect_tested(e->rhs.get(), out);
}

std::string view_words(const subscription& s) {
    return s.kind == subscription_kind::view ? "view " + s.view + "'s where" : "its where";
}

result<std::uint32_t, std::string> parse_pct(std::string_view part, std::string_view text) {
    std::uint32_t v = 0;
    if (text.empty() || text.size() > 3) return make_unexpected("mix: '" + std::string(part) + "': expected a percentage 0-100");
    for (char c : text) {
        if (c < '0' || c > '9') return make_unexpected("mix: '" + std::string(part) + "': expected a percentage 0-100");
        v = v * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (v > 100) return make_unexpected("mix: '" + std::string(part) + "': expected a percentage 0-100");
    return v;
}

// Plans `req` on one subscription; the error says why it cannot be driven.
result<workload, std::string> plan_on(const app& a, const subscription& s, const workload_request& req,
                                      std::uint32_t default_groups) {
    workload w;
    w.subscription = s.name;
    w.entity = s.entity;
    const entity* e = a.find_entity(s.entity);
    if (!e) return make_unexpected("subscription " + s.name + " names no entity");  // parse_spec prevents it
    if (!req.entity.empty()) {
        if (!a.find_entity(req.entity)) {
            std::vector<std::string> names;
            for (const entity& x : a.entities) names.push_back(x.name);
            return make_unexpected("no entity named '" + req.entity + "' in spec " + a.name + "; it has: " +
                                   join_names(names));
        }
        if (req.entity != s.entity)
            return make_unexpected("subscription " + s.name + " carries " + s.entity + " rows, not " + req.entity +
                                   ": its subscribers only see changes to " + s.entity);
    }
    std::set<std::string> tested;
    collect_tested(a.predicate_of(s), tested);

    // The vary attribute: a plain string outside the `where`, so that changing it keeps the row in.
    std::vector<std::string> usable;
    for (const attribute& at : e->attrs)
        if (at.type.kind == attr_kind::string && !tested.count(at.name) && at.name != req.filter_attr)
            usable.push_back(at.name);
    if (!req.vary_attr.empty()) {
        const attribute* v = e->find(req.vary_attr);
        if (!v || req.vary_attr == "id")
            return make_unexpected("entity " + e->name + " has no attribute '" + req.vary_attr +
                                   "' to vary; it has: " + entity_attr_list(*e));
        if (v->type.kind != attr_kind::string)
            return make_unexpected("attribute '" + v->name + "' of " + e->name + " is " + to_string(v->type) +
                                   ", not string: it cannot carry the payload; string attributes outside " +
                                   view_words(s) + ": " + join_names(usable));
        if (tested.count(v->name))
            return make_unexpected("attribute '" + v->name + "' is tested by " + view_words(s) +
                                   ": changing it would move rows in and out of subscription " + s.name +
                                   "; vary one of: " + join_names(usable));
        if (v->name == req.filter_attr)
            return make_unexpected("attribute '" + v->name + "' cannot be both the filter and the varied attribute");
        w.vary_attr = v->name;
    } else if (!usable.empty()) {
        w.vary_attr = usable.front();
    } else {
        return make_unexpected("entity " + e->name + " has no string attribute outside " + view_words(s) +
                               " to carry the payload (it has: " + entity_attr_list(*e) + ")");
    }

    // The filter.
    if (s.kind == subscription_kind::by_id) {
        if (!req.filter_attr.empty() && req.filter_attr != "id")
            return make_unexpected("subscription " + s.name + " follows one " + e->name +
                                   " by id: its filter is the id (filter attribute 'id'), not '" + req.filter_attr + "'");
        w.filter_attr = "id";
    } else if (req.filter_attr == "none") {
        w.filter_attr.clear();
    } else if (!req.filter_attr.empty()) {
        if (req.filter_attr != "id" && !e->find(req.filter_attr))
            return make_unexpected("subscription " + s.name + " has no filterable attribute '" + req.filter_attr +
                                   "'; its entity " + e->name + " has: " + entity_attr_list(*e));
        w.filter_attr = req.filter_attr;
    } else {
        // Refs first (team, board: what rows are grouped by), then strings; never the payload.
        for (attr_kind k : {attr_kind::ref, attr_kind::string}) {
            for (const attribute& at : e->attrs) {
                if (at.type.kind == k && !tested.count(at.name) && at.name != w.vary_attr) {
                    w.filter_attr = at.name;
                    break;
                }
            }
            if (!w.filter_attr.empty()) break;
        }
    }

    // The number of streams.
    if (w.filter_attr.empty()) {
        if (req.filter_values > 1)
            return make_unexpected("filter-values " + std::to_string(req.filter_values) +
                                   " needs a filter attribute (subscription " + s.name + " is unfiltered here)");
        w.groups = 1;
    } else {
        const attribute* f = e->find(w.filter_attr);
        const std::uint32_t cap = w.by_id() ? UINT32_MAX : max_groups(f->type);
        if (req.filter_values > cap)
            return make_unexpected("attribute '" + f->name + "' has only " + std::to_string(cap) + " values (" +
                                   to_string(f->type) + "); filter-values " + std::to_string(req.filter_values) +
                                   " asks for more");
        w.groups = req.filter_values ? req.filter_values : std::min(std::max<std::uint32_t>(1, default_groups), cap);
    }

    w.mix = req.mix.value_or(change_mix{});
    if (!w.mix.update_only() && w.by_id())
        return make_unexpected("subscription " + s.name + " is filtered by id: an insert or a delete would change rows "
                               "no subscriber of it watches; use mix update");

    auto row = find_row_template(a, w);
    if (!row)
        return make_unexpected("no row of " + e->name + " fits " + view_words(s) + " (tried the values it mentions)");
    if (!w.by_id() && tested.count(w.filter_attr)) {
        const expr* where = a.predicate_of(s);
        const attribute* f = e->find(w.filter_attr);
        for (std::uint32_t g = 0; g < w.groups; ++g) {
            (*row)[f->name] = group_value(*f, g);
            if (!eval_where(*where, *row))
                return make_unexpected("filter value " + group_value(*f, g).dump() + " (stream " + std::to_string(g) +
                                       ") puts rows outside " + view_words(s) + "; ask for fewer filter-values or another filter attribute");
        }
    }
    return w;
}

}  // namespace

result<change_mix, std::string> parse_change_mix(std::string_view text) {
    if (text == "update") return change_mix{};
    change_mix m{0, 0, 0};
    std::set<std::string> seen;
    while (!text.empty()) {
        const auto comma = text.find(',');
        const std::string_view part = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        const auto eq = part.find('=');
        if (eq == std::string_view::npos)
            return make_unexpected("mix: expected 'update' or parts like insert=20,update=70,delete=10, got '" +
                                   std::string(part) + "'");
        const std::string name(part.substr(0, eq));
        auto pct = parse_pct(part, part.substr(eq + 1));
        if (!pct) return make_unexpected(pct.error());
        if (!seen.insert(name).second) return make_unexpected("mix: '" + name + "' given twice");
        if (name == "insert") m.insert_pct = *pct;
        else if (name == "update") m.update_pct = *pct;
        else if (name == "delete") m.delete_pct = *pct;
        else return make_unexpected("mix: unknown part '" + name + "' (expected insert, update, delete)");
    }
    if (m.insert_pct + m.update_pct + m.delete_pct != 100)
        return make_unexpected("mix: the parts must add up to 100, got " +
                               std::to_string(m.insert_pct + m.update_pct + m.delete_pct));
    return m;
}

std::string to_string(const change_mix& m) {
    return "insert=" + std::to_string(m.insert_pct) + ",update=" + std::to_string(m.update_pct) +
           ",delete=" + std::to_string(m.delete_pct);
}

result<workload, std::string> plan_workload(const app& a, const workload_request& req, std::uint32_t default_groups) {
    if (!req.subscription.empty()) {
        const subscription* s = a.find_subscription(req.subscription);
        if (!s) {
            std::vector<std::string> names;
            for (const subscription& x : a.subscriptions) names.push_back(x.name);
            return make_unexpected("no subscription named '" + req.subscription + "' in spec " + a.name +
                                   "; it has: " + join_names(names));
        }
        return plan_on(a, *s, req, default_groups);
    }
    if (a.subscriptions.empty())
        return make_unexpected("spec " + a.name + " declares no subscription: there is nothing to subscribe to");
    std::string why;
    for (const subscription& s : a.subscriptions) {
        auto w = plan_on(a, s, req, default_groups);
        if (w) return w;
        why += (why.empty() ? "" : "; ") + s.name + ": " + w.error();
    }
    return make_unexpected("cannot drive spec " + a.name + ": no subscription can be loaded (" + why + ")");
}

std::string describe(const workload& w, const app& a) {
    std::string out = "subscription " + w.subscription;
    if (const subscription* s = a.find_subscription(w.subscription)) {
        if (s->kind == subscription_kind::view) out += " (view " + s->view + " of " + s->entity + ")";
        else if (s->kind == subscription_kind::by_id) out += " (" + s->entity + " by id)";
        else out += " (every " + s->entity + ")";
    }
    if (w.filter_attr.empty()) out += " unfiltered (one stream)";
    else if (w.by_id()) out += " by id over " + std::to_string(w.groups) + " rows";
    else out += " filtered by " + w.filter_attr + " over " + std::to_string(w.groups) + " values";
    out += "; publishers change " + w.entity + "." + w.vary_attr + " (mix " + to_string(w.mix) + ")";
    return out;
}

json to_json(const workload& w) {
    return json{{"subscription", w.subscription},
                {"entity", w.entity},
                {"filter_attr", w.filter_attr.empty() ? json() : json(w.filter_attr)},
                {"filter_values", w.groups},
                {"vary", w.vary_attr},
                {"mix", {{"insert", w.mix.insert_pct}, {"update", w.mix.update_pct}, {"delete", w.mix.delete_pct}}}};
}

}  // namespace rt::spec

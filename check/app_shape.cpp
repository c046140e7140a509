#include "check/app_shape.hpp"

namespace rt::check {

namespace {

using nlohmann::json;

bool is_text(const spec::attribute& a) {
    return a.type.kind == spec::attr_kind::string || a.type.kind == spec::attr_kind::ref;
}

// A shape for subscription `s` filtered by `attr`, or why not.
result<app_shape, std::string> shape_for(const spec::app& a, const spec::subscription& s, const spec::attribute& attr) {
    spec::workload_request req;
    req.subscription = s.name;
    req.filter_attr = attr.name;
    auto w = spec::plan_workload(a, req, 1);
    if (!w) return make_unexpected(w.error());
    auto row = spec::find_row_template(a, *w);
    if (!row) return make_unexpected("no row of " + w->entity + " fits subscription " + s.name);
    // Cases put a fresh value of their own in the filter attribute: the row must stay in the view.
    (*row)[attr.name] = "rtcheck-probe";
    const spec::expr* where = a.predicate_of(s);
    if (where && !spec::eval_where(*where, *row))
        return make_unexpected("subscription " + s.name + "'s view tests " + attr.name + ": a fresh value leaves it");
    app_shape sh;
    sh.app = a;
    sh.entity = w->entity;
    sh.subscription = s.name;
    sh.filter_attr = attr.name;
    sh.vary_attr = w->vary_attr;
    sh.leave = spec::find_leaving_change(a, *w, *row);
    row->erase("id");
    row->erase(attr.name);
    row->erase(w->vary_attr);
    sh.row_template = *row;
    json full = *row;
    full["id"] = "x";
    full[attr.name] = "v";
    full[w->vary_attr] = "p";
    for (const spec::subscription& o : a.subscriptions) {
        if (o.entity != sh.entity) continue;
        if (o.kind == spec::subscription_kind::by_id && sh.by_id_subscription.empty()) sh.by_id_subscription = o.name;
        if (o.name == s.name || o.kind == spec::subscription_kind::by_id || !sh.second_subscription.empty()) continue;
        const spec::expr* ow = a.predicate_of(o);
        if (ow && !spec::eval_where(*ow, full)) continue;
        sh.second_subscription = o.name;
        sh.second_filtered = true;  // every attribute of the entity may filter a subscription of it
    }
    const spec::entity* e = a.find_entity(sh.entity);
    for (const spec::attribute& at : e->attrs)
        if (!is_text(at) && at.type.kind != spec::attr_kind::enumeration) {
            sh.typed_attr = at.name;
            break;
        }
    if (sh.typed_attr.empty())
        for (const spec::attribute& at : e->attrs)
            if (at.type.kind == spec::attr_kind::enumeration) {
                sh.typed_attr = at.name;
                break;
            }
    return sh;
}

int score(const app_shape& sh) {
    return (sh.leave ? 4 : 0) + (!sh.second_subscription.empty() ? 2 : 0) + (!sh.by_id_subscription.empty() ? 1 : 0);
}

}  // namespace

std::string app_shape::describe() const {
    std::string s = entity + " rows through subscription " + subscription + " filtered by " + filter_attr +
                    "; updates change " + vary_attr;
    if (leave) s += "; rows leave the view when " + leave->first + " = " + leave->second.dump();
    else s += "; the subscription has no view (rows leave it only when deleted)";
    if (!second_subscription.empty()) s += "; second subscription " + second_subscription;
    if (!by_id_subscription.empty()) s += "; by id: " + by_id_subscription;
    return s;
}

result<app_shape, std::string> derive_shape(const spec::app& a) {
    std::optional<app_shape> best;
    std::string why;
    for (const spec::subscription& s : a.subscriptions) {
        if (s.kind == spec::subscription_kind::by_id) continue;
        const spec::entity* e = a.find_entity(s.entity);
        if (!e) continue;
        bool any = false;
        // The attribute rt loadgen would filter by goes first: on a tie it is the one chosen.
        std::vector<const spec::attribute*> order;
        spec::workload_request plain;
        plain.subscription = s.name;
        if (auto w = spec::plan_workload(a, plain, 1))
            if (const spec::attribute* f = e->find(w->filter_attr)) order.push_back(f);
        for (const spec::attribute& at : e->attrs)
            if (order.empty() || &at != order.front()) order.push_back(&at);
        for (const spec::attribute* atp : order) {
            const spec::attribute& at = *atp;
            if (!is_text(at)) continue;
            any = true;
            auto sh = shape_for(a, s, at);
            if (!sh) {
                why += (why.empty() ? "" : "; ") + sh.error();
                continue;
            }
            if (!best || score(*sh) > score(*best)) best = std::move(*sh);
        }
        if (!any) why += (why.empty() ? "" : "; ") + s.name + ": its entity " + e->name + " has no string attribute to filter by";
    }
    if (!best)
        return make_unexpected("no subscription of app " + a.name +
                               " can be checked: the cases need one filterable by a string attribute, with a second "
                               "string attribute to change (" + why + ")");
    return std::move(*best);
}

}  // namespace rt::check

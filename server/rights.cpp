#include "server/rights.hpp"

#include "protocol/filter_term.hpp"
#include "protocol/spec_compare.hpp"
#include "protocol/spec_json_text.hpp"

namespace rt::server {

using json = nlohmann::json;
using proto::error_code;
using proto::protocol_error;

rights rights::allow_all(std::string user) {
    rights r;
    r.user = std::move(user);
    r.admin = true;
    r.any_subscription = true;
    r.any_entity = true;
    r.presence = {"*"};
    return r;
}

bool rights::may_subscribe(std::string_view s) const {
    return any_subscription || subscriptions.count(std::string(s)) > 0;
}

bool rights::may_publish(std::string_view e) const {
    return any_entity || publish.count(std::string(e)) > 0;
}

bool rights::may_see_presence(std::string_view resource) const {
    for (const auto& p : presence) {
        if (p == "*" || p == resource) return true;
        if (!p.empty() && p.back() == '*' && resource.substr(0, p.size() - 1) == p.substr(0, p.size() - 1))
            return true;
    }
    return false;
}

bool rights::operator==(const rights& o) const {
    return user == o.user && admin == o.admin && any_subscription == o.any_subscription &&
           subscriptions == o.subscriptions && any_entity == o.any_entity && publish == o.publish &&
           read_scope == o.read_scope && write_scope == o.write_scope && presence == o.presence;
}

namespace {

bool value_allowed(const std::vector<json>& allowed, const json& v) {
    for (const auto& a : allowed)
        if (spec::values_equal(a, v)) return true;
    return false;
}

std::string list_text(const std::vector<json>& values) {
    std::string out;
    for (const auto& v : values) out += (out.empty() ? "" : ", ") + spec::json_text(v);
    return out;
}

// Ok when `row` lies inside `scope`, else "team must be one of \"A\"" for the first attribute it fails.
result<void, std::string> scope_check(const row_scope& scope, const json& row) {
    static const json null_value;
    for (const auto& [attr, allowed] : scope) {
        const json* v = &null_value;
        if (row.is_object())
            if (auto it = row.find(attr); it != row.end()) v = &*it;
        if (!value_allowed(allowed, *v)) return make_unexpected(attr + " must be one of " + list_text(allowed));
    }
    return {};
}

const row_scope* scope_of(const std::map<std::string, row_scope>& m, const std::string& entity) {
    auto it = m.find(entity);
    return it == m.end() || it->second.empty() ? nullptr : &it->second;
}

unexpected<protocol_error> refuse(error_code c, std::string why) { return make_unexpected(protocol_error{c, std::move(why)}); }

std::string row_id(const json* row) {
    if (row && row->is_object())
        if (auto it = row->find("id"); it != row->end() && it->is_string()) return it->get<std::string>();
    return {};
}

decision check_subscribe(const rights& who, const spec::app& app, const subscribe_action& a) {
    const spec::subscription& s = *a.sub;
    if (!who.may_subscribe(s.name))
        return refuse(error_code::forbidden, "your token does not allow subscribing to '" + s.name + "'");
    const row_scope* scope = scope_of(who.read_scope, s.entity);
    if (!scope) return {};
    (void)app;
    // Every stream is shared by all its subscribers, so the stream itself must lie inside the
    // scope: the filter pins each scoped attribute to an allowed value.
    for (const auto& [attr, allowed] : *scope) {
        const json* v = nullptr;
        if (a.filter && a.filter->is_object())
            if (auto it = a.filter->find(attr); it != a.filter->end()) v = &*it;
        if (!v)
            return refuse(error_code::forbidden, "your token reads " + s.entity + " rows only with a filter on '" +
                                                     attr + "' (one of " + list_text(allowed) + ") in '" + s.name + "'");
        // The filter may not widen the scope: a set only of allowed values, never a pattern (a
        // prefix matches values beyond any list).
        const spec::filter_term t = spec::read_filter_term(*v);
        if (t.k == spec::filter_term::kind::prefix)
            return refuse(error_code::forbidden, "your token does not allow " + attr + "=" + spec::json_text(*v) +
                                                     " on " + s.entity + ": a prefix pattern also matches values outside " +
                                                     "those allowed (" + list_text(allowed) + "); name them, or a set of them");
        for (const auto& x : t.values)
            if (!value_allowed(allowed, x))
                return refuse(error_code::forbidden, "your token does not allow " + attr + "=" + spec::json_text(x) +
                                                         (t.k == spec::filter_term::kind::one_of ? " (in the set " + spec::json_text(*v) + ")" : std::string()) +
                                                         " on " + s.entity + " (allowed: " + list_text(allowed) + ")");
    }
    return {};
}

// Whether some subscription the token may use carries `entity`'s rows, and (given a row) that
// row: the rows a token may read are those it could receive through an allowed subscription.
bool readable_through_subscription(const rights& who, const spec::app& app, const std::string& entity,
                                   const json* row) {
    // subscribe = ["*"] (and development mode) reads every entity, also one no subscription carries.
    if (who.any_subscription) return true;
    for (const auto& s : app.subscriptions) {
        if (s.entity != entity || !who.may_subscribe(s.name)) continue;
        if (!row) return true;
        const spec::expr* pred = app.predicate_of(s);
        if (!pred || spec::eval_where(*pred, *row)) return true;
    }
    return false;
}

decision check_read_row(const rights& who, const spec::app& app, const read_row_action& a) {
    const std::string& e = a.entity->name;
    if (!readable_through_subscription(who, app, e, nullptr))
        return refuse(error_code::forbidden, "your token may not read " + e + " (no subscription of it is allowed)");
    const row_scope* scope = scope_of(who.read_scope, e);
    // Outside the scope or any allowed view: as if the row did not exist.
    if ((scope && !scope_check(*scope, *a.row)) || !readable_through_subscription(who, app, e, a.row))
        return refuse(error_code::not_found, e + " '" + row_id(a.row) + "' does not exist");
    return {};
}

decision check_write(const rights& who, const spec::app& app, const write_action& a) {
    const std::string& e = a.entity->name;
    if (!who.may_publish(e)) return refuse(error_code::forbidden, "your token does not allow publishing to '" + e + "'");
    const row_scope* write = scope_of(who.write_scope, e);
    if (!write) return {};
    // The row before the change: one the token may not even read is reported as missing.
    if (a.before) {
        if (auto inside = scope_check(*write, *a.before); !inside) {
            if (!check_read_row(who, app, read_row_action{a.entity, a.before}))
                return refuse(error_code::not_found, e + " '" + row_id(a.before) + "' does not exist");
            return refuse(error_code::forbidden,
                          e + " '" + row_id(a.before) + "' is outside your write scope (" + inside.error() + ")");
        }
    }
    // The row after it: no inserting into, or moving a row to, another's scope.
    if (a.after) {
        if (auto inside = scope_check(*write, *a.after); !inside)
            return refuse(error_code::forbidden, std::string(a.before ? "the change would move " : "the new row would put ") +
                                                     e + " '" + row_id(a.after) + "' outside your write scope (" +
                                                     inside.error() + ")");
    }
    return {};
}

}  // namespace

bool in_scope(const row_scope& scope, const json& row) { return scope_check(scope, row).ok(); }

json rights_json(const rights& r) {
    const auto names = [](bool any, const std::set<std::string>& s) { return any ? json::array({"*"}) : json(s); };
    const auto scopes = [](const std::map<std::string, row_scope>& m) {
        json out = json::object();
        for (const auto& [entity, scope] : m)
            if (!scope.empty()) out[entity] = scope;
        return out;
    };
    return json{{"user", r.user},
                {"subscribe", names(r.any_subscription, r.subscriptions)},
                {"publish", names(r.any_entity, r.publish)},
                {"read_scope", scopes(r.read_scope)},
                {"write_scope", scopes(r.write_scope)},
                {"presence", r.presence},
                {"admin", r.admin}};
}

decision authorize(const rights& who, const spec::app& app, const action& what) {
    return std::visit(
        [&](const auto& a) -> decision {
            using T = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<T, subscribe_action>) {
                return check_subscribe(who, app, a);
            } else if constexpr (std::is_same_v<T, read_entity_action>) {
                if (readable_through_subscription(who, app, a.entity->name, nullptr)) return {};
                return refuse(error_code::forbidden,
                              "your token may not read " + a.entity->name + " (no subscription of it is allowed)");
            } else if constexpr (std::is_same_v<T, read_row_action>) {
                return check_read_row(who, app, a);
            } else if constexpr (std::is_same_v<T, write_action>) {
                return check_write(who, app, a);
            } else if constexpr (std::is_same_v<T, presence_action_check>) {
                if (who.may_see_presence(a.resource)) return {};
                return refuse(error_code::forbidden, "your token does not allow presence on '" + std::string(a.resource) +
                                                         "' (grant it with presence = [\"...\"] in the tokens file)");
            } else {
                if (who.admin) return {};
                return refuse(error_code::forbidden, "/metrics needs a token with admin = true");
            }
        },
        what);
}

}  // namespace rt::server

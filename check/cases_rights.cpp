// Group 10: rights on every path (docs/protocol.md §2 Authentication and its row scope, §5
// published, §13 REST endpoints). The check's --limited-token has fewer rights than its --token;
// the server says which in GET /api/_info's "rights" (token_rights.hpp), and each case makes the
// limited token ask for one thing outside them — and, where it costs little, for the same thing
// inside them, so a server that refuses everything does not pass. Rows are written with the full
// --token unless the limited token's own write is the point. Skipped without --limited-token,
// when the server does not describe the limited token's rights, or when those rights leave
// nothing for the case to refuse.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>

#include "check/case_list.hpp"
#include "check/case_outcome.hpp"
#include "check/token_rights.hpp"
#include "client/http_client.hpp"
#include "client/ws_url.hpp"

namespace rt::check {

namespace {

// GET `path` with `token` (Authorization: Bearer), logged in the transcript as "rest". fail()
// when no HTTP answer comes.
client::http_response rights_rest_get(case_context& c, const std::string& token, const std::string& path) {
    c.log().add("rest", true, "GET " + path);
    auto r = client::http_exchange(client::http_url{c.target().host, c.target().port, ""},
                                   client::http_call{"GET", path, "", token}, c.target().step_timeout);
    if (!r) {
        c.log().add("rest", false, "[no answer: " + r.error() + "]");
        fail("GET " + path + " got no answer: " + r.error());
    }
    c.log().add("rest", false, std::to_string(r->status) + " " + r->body);
    return *r;
}

// The limited token's rights from GET /api/_info; skip() when there is nothing to check.
token_rights rights_of_limited(case_context& c) {
    if (c.target().limited_token.empty()) skip("needs a second token with fewer rights: pass --limited-token");
    const client::http_response r = rights_rest_get(c, c.target().limited_token, "/api/_info");
    if (r.status != 200)
        skip("GET /api/_info with --limited-token was answered " + std::to_string(r.status) +
             " (a server without it cannot say what the token may do; or is the token wrong?)");
    const json info = json::parse(r.body, nullptr, false);
    if (!info.is_object() || !info.contains("rights"))
        skip("the server does not describe a token's rights (no \"rights\" in GET /api/_info)");
    auto rights = parse_token_rights(info["rights"]);
    if (!rights) fail("GET /api/_info: \"rights\" is not what docs/protocol.md §13 describes: " + rights.error());
    if (rights->all) skip("the server says --limited-token may do everything (\"rights\":\"all\")");
    return std::move(*rights);
}

// The limited token's read scope on the shape's entity; skip() when it has none.
const row_scope& rights_need_read_scope(case_context& c, const token_rights& r) {
    const row_scope* scope = r.read_scope_of(c.shape().entity);
    if (!scope) skip("--limited-token has no read scope on " + c.shape().entity);
    return *scope;
}

// skip() unless the limited token may publish to the shape's entity.
void rights_need_publish(case_context& c, const token_rights& r) {
    if (!r.may_publish(c.shape().entity)) skip("--limited-token may not publish to " + c.shape().entity);
}

check_peer& rights_connect_limited(case_context& c) {
    return c.connect("L", "token=" + client::percent_encode(c.target().limited_token), {}, false);
}

const spec::entity& rights_entity(case_context& c, const std::string& name) {
    const spec::entity* e = c.shape().app.find_entity(name);
    if (!e) fail("the server's rights name entity " + name + ", which the app's spec does not have");
    return *e;
}

// A value of `attr` outside `allowed`; nullopt when its type has none (an enum whose every
// choice is allowed, a bool allowed both ways).
std::optional<json> rights_value_outside(case_context& c, const spec::entity& e, const std::string& attr,
                                         const std::vector<json>& allowed) {
    const spec::attribute* a = e.find(attr);
    if (!a) fail("the server's rights scope attribute " + attr + ", which " + e.name + " does not have in the spec");
    const auto is_allowed = [&](const json& v) { return std::find(allowed.begin(), allowed.end(), v) != allowed.end(); };
    std::vector<json> candidates;
    switch (a->type.kind) {
        case spec::attr_kind::string:
        case spec::attr_kind::ref: candidates.push_back(c.fresh_value()); break;
        case spec::attr_kind::enumeration:
            for (const std::string& choice : a->type.choices) candidates.push_back(choice);
            break;
        case spec::attr_kind::boolean: candidates = {true, false}; break;
        case spec::attr_kind::integer:
        case spec::attr_kind::floating: {
            double top = 0;
            for (const json& v : allowed)
                if (v.is_number()) top = std::max(top, v.get<double>());
            if (a->type.kind == spec::attr_kind::integer) candidates.push_back(static_cast<std::int64_t>(top) + 1);
            else candidates.push_back(top + 1.5);
            break;
        }
    }
    for (const json& v : candidates)
        if (!is_allowed(v)) return v;
    return std::nullopt;
}

// Puts every scoped attribute of `row` (a row or a filter) to its first allowed value.
void rights_put_inside(json& row, const row_scope& scope) {
    for (const auto& [attr, allowed] : scope) row[attr] = allowed.front();
}

// The first scoped attribute that has a value outside the scope, and that value.
std::optional<std::pair<std::string, json>> rights_way_out(case_context& c, const spec::entity& e, const row_scope& scope) {
    for (const auto& [attr, allowed] : scope)
        if (auto v = rights_value_outside(c, e, attr, allowed)) return std::make_pair(attr, *v);
    return std::nullopt;
}

// A subscription of `entity` the token may use: the shape's first, then one with a view, then by id.
const spec::subscription* rights_usable_subscription(case_context& c, const token_rights& r, const std::string& entity) {
    const spec::subscription* best = nullptr;
    for (const spec::subscription& s : c.shape().app.subscriptions) {
        if (s.entity != entity || !r.may_subscribe(s.name)) continue;
        if (s.name == c.shape().subscription) return &s;
        if (!best || (best->kind == spec::subscription_kind::by_id && s.kind != spec::subscription_kind::by_id)) best = &s;
    }
    return best;
}

// A filter for `s` on a stream of the case's own: a fresh id for a `by id` subscription, else a
// fresh value of a string attribute (none when the entity has no such attribute), with `scope`'s
// attributes pinned inside it.
json rights_filter(case_context& c, const spec::subscription& s, const row_scope* scope) {
    json f = json::object();
    if (s.kind == spec::subscription_kind::by_id) {
        f["id"] = c.fresh_value();
    } else if (const spec::entity* e = c.shape().app.find_entity(s.entity)) {
        const std::string attr = s.entity == c.shape().entity ? c.shape().filter_attr : std::string();
        if (!attr.empty()) f[attr] = c.fresh_value();
        else
            for (const spec::attribute& a : e->attrs)
                if (a.type.kind == spec::attr_kind::string || a.type.kind == spec::attr_kind::ref) {
                    f[a.name] = c.fresh_value();
                    break;
                }
    }
    if (scope) rights_put_inside(f, *scope);
    return f;
}

// Sends `message` (given a fresh id) on `p` and returns the reply.
json rights_request(case_context& c, check_peer& p, json message) {
    const json id = c.next_id();
    message["id"] = id;
    p.send(message);
    return p.reply(id);
}

// `reply` is error FORBIDDEN; else fail() naming `what` was asked.
void rights_expect_forbidden(const json& reply, const std::string& what) {
    if (reply.value("type", "") != "error" || reply.value("code", "") != "FORBIDDEN")
        fail(what + " must be refused with error FORBIDDEN (connection kept); got " + reply.dump());
}

json rights_publish_msg(const std::string& entity, const std::string& op, const json& data) {
    return json{{"type", "publish"}, {"entity", entity}, {"operation", op}, {"data", data}};
}

std::string rights_scope_text(const row_scope& scope) { return json(scope).dump(); }

void subscription_not_allowed(case_context& c) {
    const token_rights r = rights_of_limited(c);
    const spec::subscription* pick = nullptr;
    for (const spec::subscription& s : c.shape().app.subscriptions)
        if (!r.may_subscribe(s.name) && (!pick || (pick->kind == spec::subscription_kind::by_id && s.kind != spec::subscription_kind::by_id)))
            pick = &s;
    if (!pick) skip("--limited-token may use every subscription of the app");
    check_peer& l = rights_connect_limited(c);
    // The filter pins its read scope, if any: only the subscription right is missing.
    json m{{"type", "subscribe"}, {"subscription", pick->name}, {"filter", rights_filter(c, *pick, r.read_scope_of(pick->entity))}};
    if (m["filter"].empty()) m.erase("filter");
    rights_expect_forbidden(rights_request(c, l, m), "subscribing to " + pick->name + ", which the limited token's rights do not list,");
    l.sync();  // the connection stays open
}

void publish_entity_not_allowed(case_context& c) {
    const token_rights r = rights_of_limited(c);
    std::string entity = r.may_publish(c.shape().entity) ? std::string() : c.shape().entity;
    for (const spec::entity& e : c.shape().app.entities)
        if (entity.empty() && !r.may_publish(e.name)) entity = e.name;
    if (entity.empty()) skip("--limited-token may publish to every entity of the app");
    const json row = entity == c.shape().entity ? c.make_row(c.fresh_value(), "not allowed") : json{{"id", c.fresh_value()}};
    const std::string id = row["id"].get<std::string>();
    check_peer& l = rights_connect_limited(c);
    const json reply = rights_request(c, l, rights_publish_msg(entity, "insert", row));
    if (reply.value("type", "") == "published")  // a broken server stored it: take it out again
        rights_request(c, c.publisher(), rights_publish_msg(entity, "delete", json{{"id", id}}));
    rights_expect_forbidden(reply, "an insert into " + entity + ", which the limited token's rights do not list for publish,");
    l.sync();
}

void filter_outside_read_scope(case_context& c) {
    const token_rights r = rights_of_limited(c);
    const std::string& entity = c.shape().entity;
    const row_scope* scope = &rights_need_read_scope(c, r);
    const spec::subscription* s = rights_usable_subscription(c, r, entity);
    if (!s) skip("--limited-token may use no subscription of " + entity);
    const json inside = rights_filter(c, *s, scope);
    json outside = inside;
    if (auto out = rights_way_out(c, rights_entity(c, entity), *scope)) outside[out->first] = out->second;
    else outside.erase(scope->begin()->first);  // every value is allowed: leave the attribute out
    check_peer& l = rights_connect_limited(c);
    c.subscribe(l, s->name, inside);  // fails the case when refused: inside the scope is allowed
    rights_expect_forbidden(rights_request(c, l, json{{"type", "subscribe"}, {"subscription", s->name}, {"filter", outside}}),
                            "subscribing to " + s->name + " with filter " + outside.dump() + ", outside the read scope " +
                                rights_scope_text(*scope) + ",");
    l.sync();
}

// Two rows of the shape's entity written with the full token: one the limited token may read
// (inside its read scope and some view it may subscribe to), one outside its read scope.
struct rights_rows {
    std::string entity;
    json inside, outside;
    row_scope scope;
};

rights_rows rights_write_rows(case_context& c) {
    const token_rights r = rights_of_limited(c);
    rights_rows rows;
    rows.entity = c.shape().entity;
    const row_scope* scope = &rights_need_read_scope(c, r);
    rows.scope = *scope;
    rows.inside = c.make_row(c.fresh_value(), "inside " + c.fresh_value());
    rights_put_inside(rows.inside, *scope);
    bool readable = false;
    for (const spec::subscription& s : c.shape().app.subscriptions) {
        if (s.entity != rows.entity || !r.may_subscribe(s.name)) continue;
        const spec::expr* where = c.shape().app.predicate_of(s);
        readable = readable || !where || spec::eval_where(*where, rows.inside);
    }
    if (!readable) skip("no subscription --limited-token may use carries a row of " + rows.entity + " inside its read scope");
    rows.outside = c.make_row(c.fresh_value(), "outside " + c.fresh_value());
    rights_put_inside(rows.outside, *scope);
    if (auto out = rights_way_out(c, rights_entity(c, rows.entity), *scope)) rows.outside[out->first] = out->second;
    else rows.outside.erase(scope->begin()->first);
    c.insert(c.publisher(), rows.inside);
    c.insert(c.publisher(), rows.outside);
    return rows;
}

void rest_list_in_scope(case_context& c) {
    const rights_rows rows = rights_write_rows(c);
    const std::string in_id = rows.inside["id"].get<std::string>(), out_id = rows.outside["id"].get<std::string>();
    // The case's ids share a prefix: the page after it starts with them (lists are in id order).
    const std::string after = in_id.substr(0, in_id.rfind("-r"));
    const std::string path = "/api/" + client::percent_encode(rows.entity) + "?limit=100&after=" + client::percent_encode(after);
    const client::http_response list = rights_rest_get(c, c.target().limited_token, path);
    if (list.status != 200) fail("GET " + path + " with the limited token: expected 200; got " + std::to_string(list.status) + " " + list.body);
    const json body = json::parse(list.body, nullptr, false);
    if (!body.is_array()) fail("GET " + path + " did not answer a JSON array: " + list.body);
    bool saw_inside = false;
    for (const json& row : body) {
        if (!row.is_object()) continue;
        if (row.value("id", "") == out_id)
            fail("GET /api/" + rows.entity + " lists row " + out_id + ", outside the limited token's read scope " +
                 rights_scope_text(rows.scope) + ": " + row.dump());
        saw_inside = saw_inside || row.value("id", "") == in_id;
    }
    if (!saw_inside) fail("GET " + path + " does not list row " + in_id + ", which the limited token may read");
}

void rest_get_in_scope(case_context& c) {
    const rights_rows rows = rights_write_rows(c);
    const std::string in_id = rows.inside["id"].get<std::string>(), out_id = rows.outside["id"].get<std::string>();
    const std::string base = "/api/" + client::percent_encode(rows.entity) + "/";
    const client::http_response in = rights_rest_get(c, c.target().limited_token, base + client::percent_encode(in_id));
    const json in_row = json::parse(in.body, nullptr, false);
    if (in.status != 200 || !in_row.is_object() || in_row.value("id", "") != in_id)
        fail("GET " + base + in_id + " (a row the limited token may read): expected 200 with the row; got " +
             std::to_string(in.status) + " " + in.body);
    const client::http_response out = rights_rest_get(c, c.target().limited_token, base + client::percent_encode(out_id));
    if (out.status != 404)
        fail("GET " + base + out_id + " (outside the limited token's read scope " + rights_scope_text(rows.scope) +
             "): expected 404, as for a row that does not exist; got " + std::to_string(out.status) + " " + out.body);
    const std::string secret = rows.outside[c.shape().vary_attr].get<std::string>();
    if (out.body.find(secret) != std::string::npos) fail("the 404 for row " + out_id + " shows its contents: " + out.body);
}

void published_id_only(case_context& c) {
    const token_rights r = rights_of_limited(c);
    const std::string& entity = c.shape().entity;
    rights_need_publish(c, r);
    const row_scope* read = &rights_need_read_scope(c, r);
    const row_scope* write = r.write_scope_of(entity);
    json row = c.make_row(c.fresh_value(), "unreadable");
    rights_put_inside(row, *read);
    if (write) rights_put_inside(row, *write);
    // One read-scoped attribute set outside the read scope, still inside the write scope.
    const spec::entity& e = rights_entity(c, entity);
    bool found = false;
    for (const auto& [attr, allowed] : *read) {
        std::vector<json> tries;
        if (write && write->count(attr)) tries = write->at(attr);
        else if (auto v = rights_value_outside(c, e, attr, allowed)) tries.push_back(*v);
        for (const json& v : tries) {
            json candidate = row;
            candidate[attr] = v;
            if (!in_row_scope(*read, candidate) && (!write || in_row_scope(*write, candidate))) {
                row = candidate;
                found = true;
                break;
            }
        }
        if (found) break;
    }
    if (!found) skip("every row --limited-token may write lies inside its read scope " + rights_scope_text(*read));
    check_peer& l = rights_connect_limited(c);
    const std::string id = row["id"].get<std::string>();
    c.remember_row(id);
    const json reply = rights_request(c, l, rights_publish_msg(entity, "insert", row));
    if (reply.value("type", "") != "published")
        fail("an insert inside the limited token's write scope (" + (write ? rights_scope_text(*write) : std::string("none")) +
             ") must be accepted; got " + reply.dump());
    if (reply.value("data", json()) != json{{"id", id}})
        fail("the 'published' reply for row " + id + ", outside the limited token's read scope " + rights_scope_text(*read) +
             ", must carry only {\"id\"}; got " + reply.dump());
}

void write_outside_write_scope(case_context& c) {
    const token_rights r = rights_of_limited(c);
    const std::string& entity = c.shape().entity;
    rights_need_publish(c, r);
    const row_scope* write = r.write_scope_of(entity);
    if (!write) skip("--limited-token has no write scope on " + entity);
    const auto out = rights_way_out(c, rights_entity(c, entity), *write);
    if (!out) skip("every value of the write scope's attributes is allowed");
    check_peer& l = rights_connect_limited(c);
    json inside = c.make_row(c.fresh_value(), "writable");
    rights_put_inside(inside, *write);
    c.insert(l, inside);  // fails the case when refused: inside the write scope is allowed
    json outside = c.make_row(c.fresh_value(), "not writable");
    rights_put_inside(outside, *write);
    outside[out->first] = out->second;
    c.remember_row(outside["id"].get<std::string>());  // deleted at the end if a broken server stored it
    const std::string scope_text = rights_scope_text(*write);
    rights_expect_forbidden(rights_request(c, l, rights_publish_msg(entity, "insert", outside)),
                            "an insert outside the limited token's write scope " + scope_text + ",");
    rights_expect_forbidden(rights_request(c, l, rights_publish_msg(entity, "update", json{{"id", inside["id"]}, {out->first, out->second}})),
                            "an update moving a row out of the limited token's write scope " + scope_text + ",");
    l.sync();
}

}  // namespace

case_group rights_cases(int number) {
    return make_group(number, "rights", "Rights on every path",
                      {
                          {"", "a subscription the token may not use: FORBIDDEN, connection kept", "§2 Authentication", subscription_not_allowed},
                          {"", "a publish to an entity outside the token's publish list: FORBIDDEN", "§2 Authentication", publish_entity_not_allowed},
                          {"", "a filter outside the token's read scope: FORBIDDEN (inside it: subscribed)", "§2 Authentication: row scope", filter_outside_read_scope},
                          {"", "REST GET /api/<Entity> leaves out rows outside the read scope, lists those inside", "§13 REST endpoints", rest_list_in_scope},
                          {"", "REST GET /api/<Entity>/<id> of a row outside the read scope: 404", "§13 REST endpoints", rest_get_in_scope},
                          {"", "'published' for a row the token may not read carries only {\"id\"}", "§5 published", published_id_only},
                          {"", "a write outside the token's write scope: FORBIDDEN (inside it: published)", "§2 Authentication", write_outside_write_scope},
                      });
}

}  // namespace rt::check

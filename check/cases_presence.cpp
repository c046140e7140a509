// Group 9: presence (docs/protocol.md §11, §4 presence, §5 presence), for servers that announce it.
// In development mode each connection names its user with ?user=; with a token every connection is
// the token's user, so the cases that need two distinct users are skipped.
#include <vector>

#include "check/case_list.hpp"
#include "check/case_outcome.hpp"

namespace rt::check {

namespace {

// A user of the case on a resource of its own: the name it connects with ("" with a token: the
// server knows it, the check does not).
struct presence_user {
    check_peer* peer = nullptr;
    std::string name;
};

// skip() unless the server says it has presence.
std::string fresh_resource(case_context& c) {
    c.need_feature("presence");
    return "rtcheck:" + c.fresh_value();
}

void need_two_users(case_context& c) {
    if (!c.target().token.empty()) skip("needs two distinct users; with a token every connection is the token's user");
}

// Connects as user `name` (development mode: ?user=NAME; with a token, the token's user).
presence_user connect_as(case_context& c, const std::string& peer_name, const std::string& name) {
    const bool dev = c.target().token.empty();
    return presence_user{&c.connect(peer_name, dev ? "user=" + name : std::string()), dev ? name : std::string()};
}

// The next `presence` message about `resource` on `u`'s connection; `what` says which one.
json next_presence(const presence_user& u, const std::string& resource, const std::string& what) {
    return u.peer->expect([&](const json& m) { return m.value("type", "") == "presence" && m.value("resource", "") == resource; },
                          what + " (a 'presence' message for " + resource + ")");
}

// Sends `action` on `resource` with an id (only an error may echo it) and returns the list the
// sender gets after it. A FORBIDDEN with a token skips: the token was not granted the resource.
json send_presence(case_context& c, const presence_user& u, const std::string& action, const std::string& resource,
                   const json& meta = json()) {
    const json id = c.next_id();
    json m{{"type", "presence"}, {"id", id}, {"action", action}, {"resource", resource}};
    if (!meta.is_null()) m["meta"] = meta;
    u.peer->send(m);
    const json r = u.peer->expect(
        [&](const json& x) {
            return (x.value("type", "") == "presence" && x.value("resource", "") == resource) ||
                   (x.value("type", "") == "error" && x.contains("id") && x["id"] == id);
        },
        "the list after the " + action + " (a 'presence' message for " + resource + ")");
    if (r.value("type", "") == "error") {
        if (r.value("code", "") == "FORBIDDEN" && !c.target().token.empty())
            skip("the check's token may not join " + resource + " (FORBIDDEN): grant it presence on \"rtcheck:*\"");
        fail(u.peer->name() + ": a presence " + action + " on " + resource + " was refused: " + r.dump());
    }
    return r;
}

// `m` is a presence message of `n` users (users [{id, meta}], count n, no id); their ids in order.
std::vector<std::string> check_presence_list(const json& m, std::size_t n, const std::string& what) {
    if (m.contains("id")) fail(what + " carries an id; a presence message never does: " + m.dump());
    if (!m.contains("users") || !m["users"].is_array()) fail(what + " has no users array: " + m.dump());
    std::vector<std::string> ids;
    for (const json& u : m["users"]) {
        if (!u.is_object() || !u.contains("id") || !u["id"].is_string() || !u.contains("meta") || !u["meta"].is_object())
            fail(what + " lists an entry that is not {\"id\": string, \"meta\": object}: " + u.dump());
        ids.push_back(u["id"].get<std::string>());
    }
    if (ids.size() != n) fail(what + " lists " + std::to_string(ids.size()) + " user(s); expected " + std::to_string(n) + ": " + m.dump());
    if (!m.contains("count") || !m["count"].is_number_integer() || m["count"] != n)
        fail(what + " has count " + (m.contains("count") ? m["count"].dump() : std::string("(none)")) + "; expected " +
             std::to_string(n) + ": " + m.dump());
    return ids;
}

std::string joined(const std::vector<std::string>& ids) {
    std::string s = "[";
    for (const std::string& id : ids) s += (s.size() > 1 ? ", " : "") + id;
    return s + "]";
}

void require_ids(const std::vector<std::string>& got, const std::vector<std::string>& want, const std::string& what) {
    if (got != want) fail(what + " lists " + joined(got) + "; expected " + joined(want));
}

void join_lists_sender(case_context& c) {
    const std::string res = fresh_resource(c);
    const presence_user a = connect_as(c, "A", c.fresh_value());
    const json meta{{"rtcheck", res}};
    const json list = send_presence(c, a, "join", res, meta);
    const auto ids = check_presence_list(list, 1, "the list after a join");
    if (!a.name.empty()) require_ids(ids, {a.name}, "the list after a join");
    if (list["users"][0]["meta"] != meta)
        fail("the joining user's meta is " + list["users"][0]["meta"].dump() + "; it joined with " + meta.dump());
}

// A and B, named `a_name` and `b_name`, join `res` in that order; the lists each got once both were on it.
struct two_joined {
    presence_user a, b;
    json a_list, b_list;
};
two_joined join_two(case_context& c, const std::string& res, const std::string& a_name, const std::string& b_name) {
    two_joined t{connect_as(c, "A", a_name), connect_as(c, "B", b_name), {}, {}};
    send_presence(c, t.a, "join", res);
    t.b_list = send_presence(c, t.b, "join", res);
    t.a_list = next_presence(t.a, res, "the list of two, sent to A when B joined");
    return t;
}

void second_user_sorted(case_context& c) {
    const std::string res = fresh_resource(c);
    need_two_users(c);
    // The second to join sorts first: a list kept in join order is not sorted by id.
    const std::string v = c.fresh_value();
    const two_joined t = join_two(c, res, v + "-b", v + "-a");
    const std::vector<std::string> sorted{t.b.name, t.a.name};
    require_ids(check_presence_list(t.b_list, 2, "B's list after its join"), sorted, "B's list after its join (sorted by id)");
    require_ids(check_presence_list(t.a_list, 2, "A's list after B joined"), sorted, "A's list after B joined (sorted by id)");
}

void leave_drops_sender(case_context& c) {
    const std::string res = fresh_resource(c);
    const std::string v = c.fresh_value();
    presence_user a;
    std::vector<std::string> others;
    if (c.target().token.empty()) {
        const two_joined t = join_two(c, res, v + "-a", v + "-b");
        a = t.a;
        others.push_back(t.b.name);
    } else {  // one user (the token's): the list ends empty
        a = connect_as(c, "A", v);
        send_presence(c, a, "join", res);
    }
    const json list = send_presence(c, a, "leave", res);
    require_ids(check_presence_list(list, others.size(), "the list sent to A after its leave"), others,
                "the list sent to A after its leave (without A)");
}

void disconnect_updates_others(case_context& c) {
    const std::string res = fresh_resource(c);
    need_two_users(c);
    const std::string v = c.fresh_value();
    const two_joined t = join_two(c, res, v + "-a", v + "-b");
    check_presence_list(t.a_list, 2, "A's list after B joined");
    t.b.peer->drop();
    const json list = next_presence(t.a, res, "the list without B, sent to A when B's connection ended");
    require_ids(check_presence_list(list, 1, "A's list after B disconnected"), {t.a.name}, "A's list after B disconnected");
}

void one_user_two_connections(case_context& c) {
    const std::string res = fresh_resource(c);
    const std::string name = c.fresh_value();
    const presence_user first = connect_as(c, "A1", name), second = connect_as(c, "A2", name);
    send_presence(c, first, "join", res);
    const json list = send_presence(c, second, "join", res);
    const auto ids = check_presence_list(list, 1, "the list after the same user joined on a second connection");
    if (!first.name.empty()) require_ids(ids, {name}, "the list after the same user joined on a second connection");
}

}  // namespace

case_group presence_cases(int number) {
    return make_group(number, "presence", "Presence",
                      {
                          {"", "a join: the sender gets the list holding itself (with its meta) and count, without id", "§11 Presence",
                           join_lists_sender},
                          {"", "a second user joins: both get the list of two, sorted by id", "§11 Presence", second_user_sorted},
                          {"", "a leave: the sender gets the list without itself", "§11 Presence", leave_drops_sender},
                          {"", "a disconnect: the others get the list without the user", "§11 Presence", disconnect_updates_others},
                          {"", "one user on two connections is one entry", "§11 Presence", one_user_two_connections},
                      });
}

}  // namespace rt::check

// Presence: join/leave, multi-connection users count once, disconnect and timeout remove, rights.
#include <fstream>

#include "support/ws_helpers.hpp"

using namespace rt::test;

namespace {
json presence(rt::client::sync_client& c, const std::string& action, const std::string& resource, const json& meta = {}) {
    json m = {{"type", "presence"}, {"action", action}, {"resource", resource}};
    if (!meta.is_null()) m["meta"] = meta;
    REQUIRE_FALSE(c.send_json(m));
    return next_of_type(c, "presence");
}
std::vector<std::string> ids(const json& p) {
    std::vector<std::string> out;
    for (const auto& u : p["users"]) out.push_back(u["id"]);
    return out;
}
// The next presence message whose user list equals `want` (bounded).
json wait_users(rt::client::sync_client& c, const std::vector<std::string>& want) {
    for (int i = 0; i < 20; ++i) {
        json p = next_of_type(c, "presence", std::chrono::milliseconds(500));
        if (!p.is_null() && ids(p) == want) return p;
    }
    return json();
}
}  // namespace

TEST_CASE("presence join, multi-connection, leave and disconnect", "[presence]") {
    rt_server srv;
    auto alice = connect_ws(srv.ws_url("user=alice"));
    auto bob1 = connect_ws(srv.ws_url("user=bob"));
    auto bob2 = connect_ws(srv.ws_url("user=bob"));
    json p = presence(*alice, "join", "board:1", {{"color", "red"}});
    CHECK(ids(p) == std::vector<std::string>{"alice"});
    CHECK(p["users"][0]["meta"]["color"] == "red");
    presence(*bob1, "join", "board:1");
    CHECK_FALSE(wait_users(*alice, {"alice", "bob"}).is_null());
    json again = presence(*bob2, "join", "board:1");  // same user, second connection: counted once
    CHECK(ids(again) == std::vector<std::string>{"alice", "bob"});
    bob1->close();
    REQUIRE(bob1->wait_closed(k_wait));
    presence(*alice, "join", "board:2");  // a message on another resource; bob is still on board:1 via bob2
    json still = presence(*alice, "join", "board:1", {{"color", "blue"}});
    CHECK(ids(still) == std::vector<std::string>{"alice", "bob"});
    bob2->close();
    REQUIRE(bob2->wait_closed(k_wait));
    CHECK_FALSE(wait_users(*alice, {"alice"}).is_null());
    json left = presence(*alice, "leave", "board:1");
    CHECK(left["users"].empty());
}

TEST_CASE("a silent presence member is removed after the timeout", "[presence]") {
    rt_server srv({"--presence-timeout", "400ms"});
    auto silent = connect_ws(srv.ws_url("user=silent"));
    auto active = connect_ws(srv.ws_url("user=active"));
    presence(*silent, "join", "doc:9");
    presence(*active, "join", "doc:9");
    bool removed = false;
    for (int i = 0; i < 40 && !removed; ++i) {  // `active` keeps talking; `silent` says nothing
        json pong = request(*active, {{"id", i}, {"type", "ping"}, {"timestamp", i}});
        REQUIRE(pong["type"] == "pong");
        auto p = active->receive_until([](const json& j) { return j.value("type", "") == "presence"; },
                                       std::chrono::milliseconds(100));
        removed = p && ids(*p) == std::vector<std::string>{"active"};
    }
    CHECK(removed);
}

TEST_CASE("presence respects token rights", "[presence][auth]") {
    std::string path = temp_path("tokens.toml");
    std::ofstream(path) << "[tokens.t1]\nuser = \"u1\"\nsubscribe = [\"*\"]\npresence = [\"board:*\"]\n";
    rt_server srv({"--tokens", path});
    auto c = connect_ws(srv.ws_url("token=t1"));
    CHECK(ids(presence(*c, "join", "board:7")) == std::vector<std::string>{"u1"});
    REQUIRE_FALSE(c->send_json({{"id", "x"}, {"type", "presence"}, {"action", "join"}, {"resource", "admin:1"}}));
    CHECK(next_of_type(*c, "error")["code"] == "FORBIDDEN");
}

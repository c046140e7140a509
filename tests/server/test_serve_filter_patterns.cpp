// Set and prefix filters end to end (issue 19, item 4): a real rt serve on its own small spec
// (cards on boards named "team/board"), a set and a prefix subscription each getting their
// snapshot and the changes that enter and leave, and a pinned token refused a widening pattern
// over WebSocket and over SSE.
#include <cctype>

#include "client/ws_url.hpp"
#include "boards.hpp"
#include "support/sse_client.hpp"

using namespace rt::test;

namespace {

// The next event: its operation and row id.
std::pair<std::string, std::string> patterns_event(rt::client::sync_client& c) {
    json ev = next_of_type(c, "event");
    INFO(ev.dump());
    REQUIRE(ev.is_object());
    return {ev["operation"].get<std::string>(), ev["data"]["id"].get<std::string>()};
}

}  // namespace

TEST_CASE("serve: a set filter and a prefix filter get their snapshot and the rows entering and leaving", "[serve][filter]") {
    rt_server srv = boards_server();
    auto pub = connect_ws(srv.ws_url("token=tok-all"));
    boards_publisher put{*pub};
    put.seed();

    auto sets = connect_ws(srv.ws_url("token=tok-all"));
    json s = subscribe(*sets, "Cards", {{"status", {"todo", "doing"}}});
    INFO(s.dump());
    REQUIRE(s["type"] == "subscribed");
    CHECK(boards_ids(s["initial"]) == std::vector<std::string>{"c1", "c3", "c4"});

    auto prefix = connect_ws(srv.ws_url("token=tok-all"));
    json p = subscribe(*prefix, "Cards", {{"board", "team-a/*"}});
    INFO(p.dump());
    REQUIRE(p["type"] == "subscribed");
    CHECK(boards_ids(p["initial"]) == std::vector<std::string>{"c1", "c2"});

    put("update", {{"id", "c2"}, {"status", "doing"}});  // enters the set, stays in the prefix
    CHECK(patterns_event(*sets) == std::make_pair(std::string("insert"), std::string("c2")));
    CHECK(patterns_event(*prefix) == std::make_pair(std::string("update"), std::string("c2")));
    put("update", {{"id", "c1"}, {"status", "done"}});  // leaves the set
    CHECK(patterns_event(*sets) == std::make_pair(std::string("delete"), std::string("c1")));
    CHECK(patterns_event(*prefix) == std::make_pair(std::string("update"), std::string("c1")));
    put("update", {{"id", "c3"}, {"board", "team-a/three"}});  // enters the prefix
    CHECK(patterns_event(*sets) == std::make_pair(std::string("update"), std::string("c3")));
    CHECK(patterns_event(*prefix) == std::make_pair(std::string("insert"), std::string("c3")));
    put("update", {{"id", "c1"}, {"board", "team-b/one"}});  // leaves the prefix; not in the set
    CHECK(patterns_event(*prefix) == std::make_pair(std::string("delete"), std::string("c1")));
    put("insert", boards_card("c5", "team-a/four", "done"));  // the prefix only
    CHECK(patterns_event(*prefix) == std::make_pair(std::string("insert"), std::string("c5")));
    put("delete", {{"id", "c4"}});  // the set only
    CHECK(patterns_event(*sets) == std::make_pair(std::string("delete"), std::string("c4")));

    // Order does not matter: ["doing","todo"] joins the same stream (the same epoch).
    auto again = connect_ws(srv.ws_url("token=tok-all"));
    json s2 = subscribe(*again, "Cards", {{"status", {"doing", "todo", "doing"}}});
    REQUIRE(s2["type"] == "subscribed");
    CHECK(s2["epoch"] == s["epoch"]);

    json bad = subscribe(*again, "Cards", {{"status", "do*"}});
    CHECK(bad["type"] == "error");
    CHECK(bad["code"] == "INVALID_FILTER");
    CHECK(bad["message"].get<std::string>().find("\"status\"") != std::string::npos);
}

TEST_CASE("serve: a token pinned to board b1 is refused a widening pattern or set over WebSocket and SSE", "[serve][filter][rights]") {
    rt_server srv = boards_server();
    auto c = connect_ws(srv.ws_url("token=tok-b1"));
    for (const json& filter : {json{{"board", "b*"}}, json{{"board", {"b1", "b2"}}}, json{{"board", "*"}}}) {
        INFO(filter.dump());
        json r = subscribe(*c, "Cards", filter);
        CHECK(r["type"] == "error");
        CHECK(r["code"] == "FORBIDDEN");
        CHECK(r["message"].get<std::string>().find("board") != std::string::npos);
    }
    json narrow = subscribe(*c, "Cards", {{"board", {"b1"}}});
    CHECK(narrow["type"] == "subscribed");

    for (const json& filter : {json{{"board", "b*"}}, json{{"board", {"b1", "b2"}}}}) {
        auto sse = sse_client::open(srv.port(), "/sse?subscription=Cards&token=tok-b1&filter=" + rt::client::percent_encode(filter.dump()));
        REQUIRE(sse);
        INFO(sse->head() << "\n" << sse->body());
        CHECK(sse->status() == 403);
        json body = json::parse(sse->body(), nullptr, false);
        REQUIRE(body.is_object());
        CHECK(body["error"] == "FORBIDDEN");
        CHECK(body["message"].get<std::string>().find("board") != std::string::npos);
    }
    auto ok = sse_client::open(srv.port(), "/sse?subscription=Cards&token=tok-b1&filter=" + rt::client::percent_encode(R"({"board":["b1"]})"));
    REQUIRE(ok);
    CHECK(ok->status() == 200);
}

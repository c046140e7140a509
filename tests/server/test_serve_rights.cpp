// Rights hold on every path (issue 11): REST reads and writes, row-level publish rights, the row
// scope per entity (by-id, published replies), view-leave deletes, presence and /metrics.
// Black-box against a real `rt serve` with the helpdesk spec and tokens of helpdesk.hpp.
#include "helpdesk.hpp"

using namespace rt::test;

namespace {
json rights_body(const http_reply& r) {
    json j = json::parse(r.body, nullptr, false);
    return j.is_discarded() ? json() : j;
}
std::vector<std::string> rights_ids(const json& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r.value("id", ""));
    std::sort(out.begin(), out.end());
    return out;
}
const std::string rights_json_ct = "Content-Type: application/json";
}  // namespace

// Finding 1.
TEST_CASE("finding 1: REST GET by id and list return only the rows a pinned token may read", "[serve][rights][rest]") {
    auto srv = helpdesk_server();
    seed_tickets(srv);

    auto t3 = http_request(srv.port(), "GET", "/api/Ticket/T3", "", {rights_bearer("tok-alice")});
    CHECK(t3.status == 404);  // team B's ticket: as if it did not exist
    CHECK(t3.body.find("salary") == std::string::npos);
    auto t1 = http_request(srv.port(), "GET", "/api/Ticket/T1", "", {rights_bearer("tok-alice")});
    CHECK(t1.status == 200);
    CHECK(rights_body(t1)["team"] == "A");

    // Alice reads Ticket through TeamOpen (open tickets of team A) and TicketDetail (any ticket of
    // team A): the list is team A's tickets.
    auto list = http_request(srv.port(), "GET", "/api/Ticket", "", {rights_bearer("tok-alice")});
    REQUIRE(list.status == 200);
    CHECK(rights_ids(rights_body(list)) == std::vector<std::string>{"T1", "T2"});
    auto bob = http_request(srv.port(), "GET", "/api/Ticket", "", {rights_bearer("tok-bob")});
    CHECK(rights_ids(rights_body(bob)) == std::vector<std::string>{"T3", "T4"});
    auto sup = http_request(srv.port(), "GET", "/api/Ticket", "", {rights_bearer("tok-sup")});
    CHECK(rights_ids(rights_body(sup)) == std::vector<std::string>{"T1", "T2", "T3", "T4"});
}

TEST_CASE("finding 1: REST reads of an entity no allowed subscription carries are refused", "[serve][rights][rest]") {
    auto srv = helpdesk_server();
    auto sup = connect_ws(srv.ws_url("token=tok-sup"));
    REQUIRE(publish(*sup, "Agent", "insert", {{"id", "ag1"}, {"name", "Alice"}})["type"] == "published");
    CHECK(http_request(srv.port(), "GET", "/api/Agent", "", {rights_bearer("tok-alice")}).status == 403);
    CHECK(http_request(srv.port(), "GET", "/api/Agent/ag1", "", {rights_bearer("tok-alice")}).status == 403);
    CHECK(http_request(srv.port(), "GET", "/api/Agent/ag1", "", {rights_bearer("tok-sup")}).status == 200);
}

TEST_CASE("a token whose only subscription is a view reads only rows in that view", "[serve][rights][rest]") {
    auto srv = helpdesk_server({}, std::string(helpdesk_tokens_text()) + R"(
[tokens.tok-viewer]
user = "viewer"
subscribe = ["TeamOpen"]
)");
    seed_tickets(srv);
    auto list = http_request(srv.port(), "GET", "/api/Ticket", "", {rights_bearer("tok-viewer")});
    CHECK(rights_ids(rights_body(list)) == std::vector<std::string>{"T1", "T2", "T3"});  // T4 is closed
    CHECK(http_request(srv.port(), "GET", "/api/Ticket/T4", "", {rights_bearer("tok-viewer")}).status == 404);
}

// Finding 2.
TEST_CASE("finding 2: publish and PATCH outside the publish filter are refused, before and after", "[serve][rights]") {
    auto srv = helpdesk_server();
    seed_tickets(srv);
    auto alice = connect_ws(srv.ws_url("token=tok-alice"));

    SECTION("update of another team's ticket (before outside)") {
        json r = publish(*alice, "Ticket", "update", {{"id", "T3"}, {"subject", "mine now"}});
        CHECK(r["type"] == "error");
        CHECK(r["code"] == "NOT_FOUND");  // alice may not even read T3
        auto p = http_request(srv.port(), "PATCH", "/api/Ticket/T3", R"({"subject":"mine now"})", {rights_bearer("tok-alice"), rights_json_ct});
        CHECK(p.status == 404);
        CHECK(p.body.find("salary") == std::string::npos);
    }
    SECTION("insert into another team (after outside)") {
        json r = publish(*alice, "Ticket", "insert", ticket("T9", "B"));
        CHECK(r["code"] == "FORBIDDEN");
        CHECK_THAT(r["message"].get<std::string>(), Catch::Contains("team must be one of \"A\""));
        auto p = http_request(srv.port(), "POST", "/api/Ticket", ticket("T10", "B").dump(), {rights_bearer("tok-alice"), rights_json_ct});
        CHECK(p.status == 403);
    }
    SECTION("moving one's own ticket to another team (after outside)") {
        json r = publish(*alice, "Ticket", "update", {{"id", "T1"}, {"team", "B"}});
        CHECK(r["code"] == "FORBIDDEN");
        auto p = http_request(srv.port(), "PATCH", "/api/Ticket/T1", R"({"team":"B"})", {rights_bearer("tok-alice"), rights_json_ct});
        CHECK(p.status == 403);
    }
    SECTION("delete of another team's ticket") {
        CHECK(publish(*alice, "Ticket", "delete", {{"id", "T3"}})["code"] == "NOT_FOUND");
        CHECK(http_request(srv.port(), "DELETE", "/api/Ticket/T3", "", {rights_bearer("tok-alice")}).status == 404);
    }
    SECTION("within the scope everything works") {
        CHECK(publish(*alice, "Ticket", "update", {{"id", "T1"}, {"subject", "fixed"}})["type"] == "published");
        CHECK(publish(*alice, "Ticket", "insert", ticket("T5", "A"), "ins")["type"] == "published");
        CHECK(http_request(srv.port(), "PATCH", "/api/Ticket/T2", R"({"priority":1})", {rights_bearer("tok-alice"), rights_json_ct}).status == 200);
        CHECK(http_request(srv.port(), "DELETE", "/api/Ticket/T5", "", {rights_bearer("tok-alice")}).status == 200);
    }
    // Nothing outside the scope changed.
    auto t3 = http_request(srv.port(), "GET", "/api/Ticket/T3", "", {rights_bearer("tok-sup")});
    CHECK(rights_body(t3)["subject"] == "B-only: salary dispute");
    CHECK(rights_body(t3)["team"] == "B");
    CHECK(http_request(srv.port(), "GET", "/api/Ticket/T9", "", {rights_bearer("tok-sup")}).status == 404);
    CHECK(rights_body(http_request(srv.port(), "GET", "/api/Ticket/T1", "", {rights_bearer("tok-sup")}))["team"] == "A");
}

TEST_CASE("finding 8: a write outside the read scope is echoed with the id only", "[serve][rights]") {
    // Bob reads team B only and has no publish_filters: he may change any ticket (writing is its
    // own right), but the `published` reply never shows him a row he may not read.
    auto srv = helpdesk_server();
    seed_tickets(srv);
    auto bob = connect_ws(srv.ws_url("token=tok-bob"));
    json ins = publish(*bob, "Ticket", "insert", ticket("T9", "A", "A-only subject"));
    REQUIRE(ins["type"] == "published");
    CHECK(ins["data"] == json{{"id", "T9"}});
    json upd = publish(*bob, "Ticket", "update", {{"id", "T1"}, {"priority", 1}}, "u");
    REQUIRE(upd["type"] == "published");
    CHECK(upd["data"] == json{{"id", "T1"}});
    auto rest = http_request(srv.port(), "PATCH", "/api/Ticket/T2", R"({"priority":1})", {rights_bearer("tok-bob"), rights_json_ct});
    CHECK(rest.status == 200);
    CHECK(rights_body(rest) == json{{"id", "T2"}});
    json own = publish(*bob, "Ticket", "update", {{"id", "T3"}, {"priority", 1}}, "v");
    CHECK(own["data"]["subject"] == "B-only: salary dispute");  // his own team's row in full
}

// Finding 3.
TEST_CASE("finding 3: a row leaving a filtered stream is announced with its before row only", "[serve][rights]") {
    auto srv = helpdesk_server();
    seed_tickets(srv);
    auto bob = connect_ws(srv.ws_url("token=tok-bob"));
    json s = subscribe(*bob, "TeamOpen", {{"team", "B"}});
    REQUIRE(s["type"] == "subscribed");

    auto sup = connect_ws(srv.ws_url("token=tok-sup"));
    REQUIRE(publish(*sup, "Ticket", "insert", ticket("T9", "B", "printer on floor 2"))["type"] == "published");
    json ins = next_of_type(*bob, "event");
    REQUIRE(ins["operation"] == "insert");
    // The supervisor moves T9 to team A and changes its subject in one update.
    REQUIRE(publish(*sup, "Ticket", "update", {{"id", "T9"}, {"team", "A"}, {"subject", "A-only: salary dispute of Carol"}},
                    "move")["type"] == "published");
    json del = next_of_type(*bob, "event");
    REQUIRE(del["operation"] == "delete");
    CHECK(del["data"]["id"] == "T9");
    CHECK(del["data"]["team"] == "B");                          // the row as bob last saw it
    CHECK(del["data"]["subject"] == "printer on floor 2");
    CHECK(del.dump().find("salary") == std::string::npos);       // no new field leaks

    // The same frame is what a resuming subscriber is replayed.
    auto late = connect_ws(srv.ws_url("token=tok-bob"));
    json again = request(*late, {{"id", "r"}, {"type", "subscribe"}, {"subscription", "TeamOpen"},
                                 {"filter", {{"team", "B"}}}, {"since", {{"epoch", s["epoch"]}, {"seq", 0}}}});
    REQUIRE(again["recovered"] == true);
    next_of_type(*late, "event");
    json replayed = next_of_type(*late, "event");
    CHECK(replayed["operation"] == "delete");
    CHECK(replayed.dump().find("salary") == std::string::npos);

    // A view leave (closed) is announced the same way.
    REQUIRE(publish(*sup, "Ticket", "update", {{"id", "T3"}, {"status", "closed"}, {"subject", "closed: secret"}}, "close")["type"] == "published");
    json left = next_of_type(*bob, "event");
    CHECK(left["operation"] == "delete");
    CHECK(left["data"]["status"] == "open");
    CHECK(left.dump().find("secret") == std::string::npos);
}

// Finding 5.
TEST_CASE("finding 5: presence without a grant is refused", "[serve][rights][presence]") {
    auto srv = helpdesk_server();
    auto alice = connect_ws(srv.ws_url("token=tok-alice"));  // no presence key
    json r = request(*alice, {{"id", "p"}, {"type", "presence"}, {"action", "join"}, {"resource", "ticket:T1"}});
    CHECK(r["code"] == "FORBIDDEN");
    auto sup = connect_ws(srv.ws_url("token=tok-sup"));  // presence = ["ticket:*"]
    REQUIRE_FALSE(sup->send_json({{"type", "presence"}, {"action", "join"}, {"resource", "ticket:T1"}}));
    CHECK(next_of_type(*sup, "presence")["users"][0]["id"] == "sup");
    json other = request(*sup, {{"id", "q"}, {"type", "presence"}, {"action", "join"}, {"resource", "board:1"}});
    CHECK(other["code"] == "FORBIDDEN");
}

TEST_CASE("finding 5: /metrics needs a token with admin = true", "[serve][rights][metrics]") {
    auto srv = helpdesk_server();
    CHECK(http_request(srv.port(), "GET", "/metrics").status == 401);
    auto sup = http_request(srv.port(), "GET", "/metrics", "", {rights_bearer("tok-sup")});
    CHECK(sup.status == 403);
    CHECK_THAT(sup.body, Catch::Contains("admin"));
    auto ops = http_request(srv.port(), "GET", "/metrics", "", {rights_bearer("tok-ops")});
    CHECK(ops.status == 200);
    CHECK_THAT(ops.body, Catch::Contains("rt_connections"));
}

// Finding 8.
TEST_CASE("finding 8: a pinned scope holds on by-id subscriptions and on published replies", "[serve][rights]") {
    auto srv = helpdesk_server();
    seed_tickets(srv);
    auto alice = connect_ws(srv.ws_url("token=tok-alice"));
    // Alice's scope was written for TeamOpen; it is the scope of Ticket, so TicketDetail too.
    json b = subscribe(*alice, "TicketDetail", {{"id", "T3"}}, "noteam");
    CHECK(b["code"] == "FORBIDDEN");
    CHECK_THAT(b["message"].get<std::string>(), Catch::Contains("team"));
    json bt = subscribe(*alice, "TicketDetail", {{"id", "T3"}, {"team", "B"}}, "teamb");
    CHECK(bt["code"] == "FORBIDDEN");
    CHECK(bt.dump().find("salary") == std::string::npos);
    // With the team pinned, the detail stream holds only a team A ticket: T3 is not in it.
    json a3 = subscribe(*alice, "TicketDetail", {{"id", "T3"}, {"team", "A"}}, "a3");
    REQUIRE(a3["type"] == "subscribed");
    CHECK(a3["initial"].empty());
    json a1 = request(*alice, {{"id", "a1"}, {"type", "subscribe"}, {"subscription", "TicketDetail"}, {"sid", "d1"},
                               {"filter", {{"id", "T1"}, {"team", "A"}}}});
    REQUIRE(a1["type"] == "subscribed");
    CHECK(a1["initial"][0]["id"] == "T1");

    // A write-only token (no subscription of Ticket) may read no ticket: its echo names the id only.
    auto srv2 = helpdesk_server({}, std::string(helpdesk_tokens_text()) + R"(
[tokens.tok-writer]
user = "writer"
publish = ["Ticket"]
)");
    auto writer = connect_ws(srv2.ws_url("token=tok-writer"));
    json w = publish(*writer, "Ticket", "insert", ticket("W1", "B", "secret subject"));
    REQUIRE(w["type"] == "published");
    CHECK(w["data"] == json{{"id", "W1"}});
}

TEST_CASE("authorization is decided the same for every path in development mode: everything allowed", "[serve][rights]") {
    rt_server srv({}, rights_helpdesk_spec());
    auto c = connect_ws(srv.ws_url("user=dev"));
    CHECK(publish(*c, "Ticket", "insert", ticket("T1", "A"))["data"]["subject"] == "printer jam");
    CHECK(http_request(srv.port(), "GET", "/api/Ticket/T1").status == 200);
    CHECK(http_request(srv.port(), "GET", "/metrics").status == 200);
    REQUIRE_FALSE(c->send_json({{"type", "presence"}, {"action", "join"}, {"resource", "x"}}));
    CHECK(next_of_type(*c, "presence")["users"][0]["id"] == "dev");
}

TEST_CASE("GET /api/_info describes the rights of the token that asks, development mode says all", "[serve][rights]") {
    auto srv = helpdesk_server();
    auto alice = http_request(srv.port(), "GET", "/api/_info", "", {rights_bearer("tok-alice")});
    REQUIRE(alice.status == 200);
    const json a = rights_body(alice)["rights"];
    CHECK(a["user"] == "alice");
    CHECK(a["subscribe"] == json::array({"TeamOpen", "TicketDetail"}));
    CHECK(a["publish"] == json::array({"Ticket"}));
    // Her scope was written under filters.TeamOpen: it is announced per entity, as it is enforced.
    CHECK(a["read_scope"] == json{{"Ticket", {{"team", {"A"}}}}});
    CHECK(a["write_scope"] == json{{"Ticket", {{"team", {"A"}}}}});
    CHECK(a["presence"] == json::array());
    CHECK(a["admin"] == false);
    const json sup = rights_body(http_request(srv.port(), "GET", "/api/_info", "", {rights_bearer("tok-sup")}))["rights"];
    CHECK(sup["subscribe"] == json::array({"*"}));
    CHECK(sup["publish"] == json::array({"*"}));
    CHECK(sup["read_scope"] == json::object());
    CHECK(sup["presence"] == json::array({"ticket:*"}));
    CHECK(http_request(srv.port(), "GET", "/api/_info").status == 401);

    rt_server dev({}, rights_helpdesk_spec());
    const json d = rights_body(http_request(dev.port(), "GET", "/api/_info"));
    CHECK(d["rights"] == "all");
    CHECK(d["protocol"] == 1);
}

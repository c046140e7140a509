// Several subscriptions of one name on one connection, each named by a client-chosen sid
// (issue 11, finding 6).
#include "helpdesk.hpp"

using namespace rt::test;

namespace {
json sid_subscribe(rt::client::sync_client& c, const std::string& sid, const std::string& sub, const json& filter) {
    return request(c, {{"id", "s-" + sid}, {"type", "subscribe"}, {"subscription", sub}, {"sid", sid}, {"filter", filter}});
}
}  // namespace

TEST_CASE("finding 6: two TicketDetail subscriptions on one socket get their own events and unsubscribe independently", "[serve][sid]") {
    rt_server srv({}, rights_helpdesk_spec());
    auto pub = connect_ws(srv.ws_url());
    publish(*pub, "Ticket", "insert", ticket("X1", "A"), "p1");
    publish(*pub, "Ticket", "insert", ticket("X2", "B"), "p2");

    auto ui = connect_ws(srv.ws_url());
    json a = sid_subscribe(*ui, "left", "TicketDetail", {{"id", "X1"}});
    json b = sid_subscribe(*ui, "right", "TicketDetail", {{"id", "X2"}});
    REQUIRE(a["type"] == "subscribed");
    REQUIRE(b["type"] == "subscribed");
    CHECK(a["sid"] == "left");
    CHECK(b["sid"] == "right");
    CHECK(a["initial"][0]["id"] == "X1");
    CHECK(b["initial"][0]["id"] == "X2");

    publish(*pub, "Ticket", "update", {{"id", "X1"}, {"priority", 5}}, "u1");
    publish(*pub, "Ticket", "update", {{"id", "X2"}, {"priority", 6}}, "u2");
    json e1 = next_of_type(*ui, "event");
    json e2 = next_of_type(*ui, "event");
    CHECK(e1["sid"] == "left");
    CHECK(e1["data"]["id"] == "X1");
    CHECK(e2["sid"] == "right");
    CHECK(e2["data"]["id"] == "X2");

    json un = request(*ui, {{"id", "un"}, {"type", "unsubscribe"}, {"sid", "left"}});
    CHECK(un["type"] == "unsubscribed");
    CHECK(un["sid"] == "left");
    CHECK(un["subscription"] == "TicketDetail");
    publish(*pub, "Ticket", "update", {{"id", "X1"}, {"priority", 7}}, "u3");
    publish(*pub, "Ticket", "update", {{"id", "X2"}, {"priority", 8}}, "u4");
    json e3 = next_of_type(*ui, "event");
    CHECK(e3["sid"] == "right");  // X1's update is not delivered any more; X2's is
    CHECK(e3["data"]["priority"] == 8);
    CHECK(next_of_type(*ui, "event", std::chrono::milliseconds(300)).is_null());

    // The name-only form is unchanged and independent of sids; its events carry no sid.
    json plain = subscribe(*ui, "TicketDetail", {{"id", "X1"}}, "plain");
    REQUIRE(plain["type"] == "subscribed");
    CHECK_FALSE(plain.contains("sid"));
    publish(*pub, "Ticket", "update", {{"id", "X1"}, {"priority", 9}}, "u5");
    json e4 = next_of_type(*ui, "event");
    CHECK_FALSE(e4.contains("sid"));
    CHECK(e4["data"]["id"] == "X1");
}

TEST_CASE("finding 6: the subscription limit counts subscriptions, not names", "[serve][sid][limits]") {
    rt_server srv({"--max-subscriptions", "3"}, rights_helpdesk_spec());
    auto c = connect_ws(srv.ws_url());
    for (int i = 0; i < 3; ++i)
        REQUIRE(sid_subscribe(*c, "d" + std::to_string(i), "TicketDetail", {{"id", "X" + std::to_string(i)}})["type"] == "subscribed");
    json over = sid_subscribe(*c, "d3", "TicketDetail", {{"id", "X3"}});
    CHECK(over["code"] == "TOO_MANY_SUBSCRIPTIONS");
    // Reusing a sid replaces that subscription and is not counted twice.
    CHECK(sid_subscribe(*c, "d0", "TicketDetail", {{"id", "X9"}})["type"] == "subscribed");
}

TEST_CASE("a resume by sid replays the missed events with the sid", "[serve][sid][resume]") {
    rt_server srv({}, rights_helpdesk_spec());
    auto pub = connect_ws(srv.ws_url());
    publish(*pub, "Ticket", "insert", ticket("X1", "A"), "p1");
    auto c = connect_ws(srv.ws_url());
    json s = sid_subscribe(*c, "pane", "TicketDetail", {{"id", "X1"}});
    REQUIRE(s["type"] == "subscribed");
    publish(*pub, "Ticket", "update", {{"id", "X1"}, {"priority", 4}}, "u1");
    auto c2 = connect_ws(srv.ws_url());
    json r = request(*c2, {{"id", "r"}, {"type", "subscribe"}, {"subscription", "TicketDetail"}, {"sid", "pane"},
                           {"filter", {{"id", "X1"}}}, {"since", {{"epoch", s["epoch"]}, {"seq", s["seq"]}}}});
    REQUIRE(r["recovered"] == true);
    json ev = next_of_type(*c2, "event");
    CHECK(ev["sid"] == "pane");
    CHECK(ev["data"]["priority"] == 4);
}

TEST_CASE("rt subscribe takes a --filter per subscription and tells two of one name apart", "[serve][sid][cli]") {
    rt_server srv({}, rights_helpdesk_spec());
    auto pub = connect_ws(srv.ws_url());
    publish(*pub, "Ticket", "insert", ticket("X1", "A"), "p1");
    publish(*pub, "Ticket", "insert", ticket("X2", "B"), "p2");
    rt_process sub({"subscribe", "TicketDetail", "--filter", R"({"id":"X1"})", "TicketDetail", "--filter", R"({"id":"X2"})",
                    "--count", "2", "--url", srv.ws_url()});
    // Each subscription is named NAME#POSITION; both are live once both snapshots are reported.
    REQUIRE(sub.wait_for_output("TicketDetail#1: snapshot of 1 row", k_wait));
    REQUIRE(sub.wait_for_output("TicketDetail#2: snapshot of 1 row", k_wait));
    publish(*pub, "Ticket", "update", {{"id", "X2"}, {"priority", 6}}, "u2");
    publish(*pub, "Ticket", "update", {{"id", "X1"}, {"priority", 5}}, "u1");
    REQUIRE(sub.wait_exit(k_wait) == 0);
    std::string out = sub.out();
    CHECK_THAT(out, Catch::Contains(R"("sid":"TicketDetail#2")"));
    CHECK_THAT(out, Catch::Contains(R"("sid":"TicketDetail#1")"));
    auto bad = run_rt({"subscribe", "A", "B", "C", "--filter", "{}", "--filter", "{}", "--url", srv.ws_url()});
    CHECK(bad.exit_code == 2);
}

// A filter value of null selects the rows where the attribute is unset, live as in the snapshot
// (docs/spec-language.md, "Client filters"). Helpdesk spec: an agent's queue of unassigned tickets.
#include "support/ws_helpers.hpp"

using namespace rt::test;

namespace {

json null_filter_ticket(const std::string& id, const json& assignee) {
    json t{{"id", id}, {"subject", "s"}, {"customer", "c"}, {"status", "open"}, {"priority", "low"}};
    if (!assignee.is_null()) t["assignee"] = assignee;
    return t;
}

}  // namespace

TEST_CASE("a null filter value gets live events for rows where the attribute is unset", "[serve][filter]") {
    rt_server srv({}, std::string(RT_SOURCE_DIR) + "/scenarios/helpdesk.spec");
    auto pub = connect_ws(srv.ws_url());
    REQUIRE(publish(*pub, "Ticket", "insert", null_filter_ticket("T1", nullptr), "p1")["type"] == "published");

    auto sub = connect_ws(srv.ws_url());
    json r = subscribe(*sub, "MyTickets", json{{"assignee", nullptr}});
    REQUIRE(r["type"] == "subscribed");
    REQUIRE(r["initial"].size() == 1);

    // Another unassigned ticket enters the stream; an assigned one does not; taking T1 moves it out.
    REQUIRE(publish(*pub, "Ticket", "insert", null_filter_ticket("T2", nullptr), "p2")["type"] == "published");
    REQUIRE(publish(*pub, "Ticket", "insert", null_filter_ticket("T3", "a-1"), "p3")["type"] == "published");
    REQUIRE(publish(*pub, "Ticket", "update", json{{"id", "T1"}, {"assignee", "a-1"}}, "p4")["type"] == "published");

    json e1 = next_of_type(*sub, "event");
    CHECK(e1["operation"] == "insert");
    CHECK(e1["data"]["id"] == "T2");
    json e2 = next_of_type(*sub, "event");
    CHECK(e2["operation"] == "delete");
    CHECK(e2["data"]["id"] == "T1");
    CHECK(e2["seq"] == e1["seq"].get<int>() + 1);
}

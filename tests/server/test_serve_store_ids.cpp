// Ids are exact in the SQLite store: any JSON string, U+0000 included, survives a restart, and an
// acknowledged delete stays deleted (issue 12, finding 2). Uses the helpdesk spec, not the demo.
#include <set>

#include "support/ws_helpers.hpp"

using namespace rt::test;

namespace {

std::string helpdesk_spec() { return std::string(RT_SOURCE_DIR) + "/scenarios/helpdesk.spec"; }

json ticket(const std::string& id) {
    return json{{"id", id}, {"subject", "s"}, {"customer", "c"}, {"status", "new"}, {"priority", "low"}};
}

// The ids of every stored ticket, read through a fresh TicketAudit snapshot.
std::set<std::string> stored_ticket_ids(const std::string& url) {
    auto c = connect_ws(url);
    json r = subscribe(*c, "TicketAudit");
    REQUIRE(r["type"] == "subscribed");
    std::set<std::string> ids;
    for (const auto& row : r["initial"]) ids.insert(row["id"].get<std::string>());
    return ids;
}

}  // namespace

TEST_CASE("ids containing U+0000 survive a restart with --db, and deletes stay deleted", "[serve][store][durable]") {
    using namespace std::string_literals;
    const std::string db = temp_path("nul-ids.db");
    const std::string a = "nul\0A"s, b = "nul\0B"s, plain = "nul";
    {
        rt_server srv({"--db", db}, helpdesk_spec());
        auto c = connect_ws(srv.ws_url());
        int n = 0;
        for (const auto& id : {a, b, plain}) {
            json r = publish(*c, "Ticket", "insert", ticket(id), "p" + std::to_string(n++));
            REQUIRE(r["type"] == "published");
            CHECK(r["data"]["id"] == id);
        }
        CHECK(stored_ticket_ids(srv.ws_url()) == std::set<std::string>{a, b, plain});
        REQUIRE(srv.stop() == 0);
    }
    {
        rt_server srv({"--db", db}, helpdesk_spec());
        CHECK(stored_ticket_ids(srv.ws_url()) == std::set<std::string>{a, b, plain});
        auto c = connect_ws(srv.ws_url());
        REQUIRE(publish(*c, "Ticket", "delete", json{{"id", a}}, "del")["type"] == "published");
        REQUIRE(srv.stop() == 0);
    }
    {
        rt_server srv({"--db", db}, helpdesk_spec());
        CHECK(stored_ticket_ids(srv.ws_url()) == std::set<std::string>{b, plain});
    }
}

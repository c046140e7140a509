// The spec's IR as JSON (GET /api/_spec?format=json): what the live inspector builds its pages from.
#include <algorithm>
#include <set>

#include <catch2/catch.hpp>

#include "protocol/spec_ir_json.hpp"
#include "support/spec_fixtures.hpp"

TEST_CASE("spec IR JSON: entities with typed attributes, views with their where, subscriptions by kind") {
    const auto j = rt::spec::to_ir_json(rt::test::helpdesk_app());
    REQUIRE(j["app"] == "Helpdesk");
    const auto& ticket = *std::find_if(j["entities"].begin(), j["entities"].end(), [](const auto& e) { return e["name"] == "Ticket"; });
    REQUIRE(ticket["attrs"][0] == nlohmann::json{{"name", "id"}, {"type", "string"}});
    bool saw_enum = false, saw_ref = false, saw_float = false;
    for (const auto& a : ticket["attrs"]) {
        if (a["name"] == "status") saw_enum = a["type"] == "enum" && a["choices"].size() == 5;
        if (a["name"] == "team") saw_ref = a["type"] == "ref" && a["ref"] == "Team";
        if (a["name"] == "csat") saw_float = a["type"] == "float";
    }
    REQUIRE(saw_enum);
    REQUIRE(saw_ref);
    REQUIRE(saw_float);
    bool open_view = false;
    for (const auto& v : j["views"])
        if (v["name"] == "Open") open_view = v["entity"] == "Ticket" && v["where"] == "status != \"solved\" and status != \"closed\"";
    REQUIRE(open_view);
    std::set<std::string> kinds;
    for (const auto& s : j["subscriptions"]) {
        kinds.insert(s["kind"].get<std::string>());
        if (s["kind"] == "view") REQUIRE(s.contains("view"));
    }
    REQUIRE(kinds == std::set<std::string>{"view", "by_id", "entity"});
}

// authorize(): the one decision for every read and write, as a table of cases (no sockets).
#include <catch2/catch.hpp>

#include "server/rights.hpp"
#include "server/tokens.hpp"

using namespace rt::server;
using json = nlohmann::json;

namespace {

const rt::spec::app& rights_app() {
    static const rt::spec::app a = *rt::spec::parse_spec(R"(app Helpdesk {
  entity Ticket { attr subject: string  attr team: "A" | "B"  attr status: "open" | "closed" }
  entity Note { attr text: string }
  view OpenTickets: Ticket where status == "open"
  subscription TeamOpen: view OpenTickets
  subscription TicketDetail: Ticket by id
  subscription Notes: Note
})", "t.spec");
    return a;
}

rights rights_token(const std::string& toml) {
    auto t = parse_tokens("[tokens.t]\nuser = \"u\"\n" + toml, "t.toml", rights_app());
    INFO((t ? std::string() : t.error()));
    REQUIRE(t.ok());
    return t->at("t");
}

json rights_ticket(const std::string& team, const std::string& status = "open") {
    return {{"id", "T-" + team}, {"subject", "s"}, {"team", team}, {"status", status}};
}

}  // namespace

TEST_CASE("authorize: subscribe needs the right and a filter inside the entity's scope", "[rights]") {
    rights r = rights_token("subscribe = [\"TeamOpen\", \"TicketDetail\"]\n[tokens.t.filters.TeamOpen]\nteam = [\"A\"]\n");
    const auto* open = rights_app().find_subscription("TeamOpen");
    const auto* detail = rights_app().find_subscription("TicketDetail");
    const auto* notes = rights_app().find_subscription("Notes");
    struct row { const rt::spec::subscription* sub; json filter; bool allowed; };
    for (const auto& c : std::vector<row>{
             {open, json::object(), false},
             {open, {{"team", "A"}}, true},
             {open, {{"team", "B"}}, false},
             {detail, {{"id", "T1"}}, false},                  // the scope is per entity: by-id too
             {detail, {{"id", "T1"}, {"team", "A"}}, true},
             {notes, json::object(), false},                   // no right
         }) {
        INFO(c.sub->name << " " << c.filter.dump());
        CHECK(bool(authorize(r, rights_app(), subscribe_action{c.sub, &c.filter})) == c.allowed);
    }
}

TEST_CASE("authorize: a set or prefix filter may narrow a pinned scope but never widen it", "[rights]") {
    rights r = rights_token("subscribe = [\"TeamOpen\"]\n[tokens.t.filters.Ticket]\nteam = [\"A\"]\n");
    rights two = rights_token("subscribe = [\"TeamOpen\"]\n[tokens.t.filters.Ticket]\nteam = [\"A\", \"B\"]\n");
    const auto* open = rights_app().find_subscription("TeamOpen");
    struct row { const rights* who; json filter; const char* refusal; };  // refusal "": allowed
    for (const auto& c : std::vector<row>{
             {&r, {{"team", {"A"}}}, ""},
             {&r, {{"team", {"A", "B"}}}, "team=\"B\" (in the set [\"A\",\"B\"])"},
             {&r, {{"team", "*"}}, "a prefix pattern also matches values outside those allowed (\"A\")"},
             {&r, {{"team", "A*"}}, "a prefix pattern"},
             {&r, {{"team", "A"}, {"subject", "x*"}}, ""},  // a pattern on another attribute narrows further
             {&two, {{"team", {"B", "A"}}}, ""},
             {&two, {{"team", {"A"}}}, ""},
             {&two, {{"team", "*"}}, "a prefix pattern"},
         }) {
        INFO(c.filter.dump());
        auto d = authorize(*c.who, rights_app(), subscribe_action{open, &c.filter});
        if (!*c.refusal) {
            CHECK(d.ok());
            continue;
        }
        REQUIRE_FALSE(d.ok());
        CHECK(d.error().code == rt::proto::error_code::forbidden);
        INFO(d.error().message);
        CHECK(d.error().message.find(c.refusal) != std::string::npos);
    }
}

TEST_CASE("authorize: reads are the rows an allowed subscription could deliver", "[rights]") {
    const auto* ticket = rights_app().find_entity("Ticket");
    const auto* note = rights_app().find_entity("Note");
    rights only_view = rights_token("subscribe = [\"TeamOpen\"]\n");
    rights pinned = rights_token("subscribe = [\"TeamOpen\", \"TicketDetail\"]\n[tokens.t.filters.Ticket]\nteam = [\"A\"]\n");
    json a_open = rights_ticket("A"), a_closed = rights_ticket("A", "closed"), b_open = rights_ticket("B");
    CHECK(authorize(only_view, rights_app(), read_row_action{ticket, &a_open}));
    CHECK_FALSE(authorize(only_view, rights_app(), read_row_action{ticket, &a_closed}));  // not in the view
    CHECK(authorize(pinned, rights_app(), read_row_action{ticket, &a_closed}));           // by id: any status
    auto d = authorize(pinned, rights_app(), read_row_action{ticket, &b_open});
    CHECK_FALSE(d);
    CHECK(d.error().code == rt::proto::error_code::not_found);
    CHECK_FALSE(authorize(pinned, rights_app(), read_entity_action{note}));
    CHECK(authorize(rights::allow_all("dev"), rights_app(), read_row_action{ticket, &b_open}));
    // "*" reads every row of every entity (within a row scope, if any), views or not.
    rights star = rights_token("subscribe = [\"*\"]\n");
    CHECK(authorize(star, rights_app(), read_row_action{ticket, &a_closed}));
}

TEST_CASE("authorize: writes need the row before and after inside the write scope", "[rights]") {
    const auto* ticket = rights_app().find_entity("Ticket");
    rights r = rights_token("subscribe = [\"TeamOpen\"]\npublish = [\"Ticket\"]\n[tokens.t.publish_filters.Ticket]\nteam = [\"A\"]\n");
    rights read_pinned = rights_token("subscribe = [\"TeamOpen\"]\npublish = [\"Ticket\"]\n[tokens.t.filters.Ticket]\nteam = [\"B\"]\n");
    json a = rights_ticket("A"), b = rights_ticket("B");
    struct row { const rights* who; const json* before; const json* after; bool allowed; };
    for (const auto& c : std::vector<row>{
             {&r, nullptr, &a, true}, {&r, nullptr, &b, false},  // insert
             {&r, &a, &a, true},      {&r, &a, &b, false},       // move out
             {&r, &b, &a, false},     {&r, &b, nullptr, false},  // someone else's row
             {&read_pinned, nullptr, &a, true}, {&read_pinned, &a, &b, true},  // reading and writing are separate rights
         }) {
        CHECK(bool(authorize(*c.who, rights_app(), write_action{ticket, c.before, c.after})) == c.allowed);
    }
    // A row the rights_token may not read is missing rather than forbidden: no probing other teams' ids.
    rights both = rights_token("subscribe = [\"TeamOpen\"]\npublish = [\"Ticket\"]\n[tokens.t.filters.Ticket]\nteam = [\"A\"]\n"
                        "[tokens.t.publish_filters.Ticket]\nteam = [\"A\"]\n");
    CHECK(authorize(both, rights_app(), write_action{ticket, &b, &b}).error().code == rt::proto::error_code::not_found);
    CHECK(authorize(r, rights_app(), write_action{ticket, &b, &b}).error().code == rt::proto::error_code::forbidden);
}

TEST_CASE("authorize: presence and metrics are denied unless granted", "[rights]") {
    rights none = rights_token("subscribe = [\"TeamOpen\"]\n");
    rights some = rights_token("presence = [\"ticket:*\"]\nadmin = true\n");
    CHECK_FALSE(authorize(none, rights_app(), presence_action_check{"ticket:1"}));
    CHECK(authorize(some, rights_app(), presence_action_check{"ticket:1"}));
    CHECK_FALSE(authorize(some, rights_app(), presence_action_check{"board:1"}));
    CHECK_FALSE(authorize(none, rights_app(), metrics_action{}));
    CHECK(authorize(some, rights_app(), metrics_action{}));
}

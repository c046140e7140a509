#pragma once
// A helpdesk app for the rights tests: agents of team A may see and change only team A's tickets,
// team B's only theirs, a supervisor everything. Written here (not the kanban demo) so the tests
// read like a new team's first setup.
#include <fstream>
#include <string>

#include "support/ws_helpers.hpp"

namespace rt::test {

inline const char* helpdesk_spec_text() {
    return R"(app Helpdesk {
  entity Agent { attr name: string }
  entity Ticket {
    attr subject: string
    attr team: "A" | "B"
    attr status: "open" | "closed"
    attr priority: int
    attr assignee: ref Agent
  }
  view OpenTickets: Ticket where status == "open"
  subscription TeamOpen: view OpenTickets     // a team's open tickets
  subscription TicketDetail: Ticket by id     // one ticket
  subscription AllTickets: Ticket             // every change (supervisors)
  subscription Agents: Agent
}
)";
}

// Alice (team A) has her scope under filters.<Subscription> and a write scope; Bob (team B) has his
// under filters.<Entity> and no publish_filters (reading and writing are separate rights: he may
// change any ticket, but is shown only his team's rows).
inline const char* helpdesk_tokens_text() {
    return R"([tokens.tok-alice]
user = "alice"
subscribe = ["TeamOpen", "TicketDetail"]
publish = ["Ticket"]
[tokens.tok-alice.filters.TeamOpen]
team = ["A"]
[tokens.tok-alice.publish_filters.Ticket]
team = ["A"]

[tokens.tok-bob]
user = "bob"
subscribe = ["TeamOpen", "TicketDetail"]
publish = ["Ticket"]
[tokens.tok-bob.filters.Ticket]
team = ["B"]

[tokens.tok-sup]
user = "sup"
subscribe = ["*"]
publish = ["*"]
presence = ["ticket:*"]

[tokens.tok-ops]
user = "ops"
admin = true
)";
}

inline std::string write_rights_file(const std::string& name, const std::string& text) {
    std::string path = temp_path(name);
    std::ofstream(path) << text;
    return path;
}

inline std::string rights_helpdesk_spec() {
    static const std::string path = write_rights_file("helpdesk.spec", helpdesk_spec_text());
    return path;
}

inline json ticket(const std::string& id, const std::string& team, const std::string& subject = "printer jam",
                   const std::string& status = "open", int priority = 2) {
    return {{"id", id}, {"subject", subject}, {"team", team}, {"status", status}, {"priority", priority}};
}

// A helpdesk server with the helpdesk tokens (or `tokens_text`), plus `extra` flags.
inline rt_server helpdesk_server(std::vector<std::string> extra = {}, const std::string& tokens_text = helpdesk_tokens_text(),
                                 std::string* tokens_path = nullptr) {
    std::string path = write_rights_file("tokens.toml", tokens_text);
    if (tokens_path) *tokens_path = path;
    std::vector<std::string> args{"--tokens", path};
    for (auto& e : extra) args.push_back(e);
    return rt_server(args, rights_helpdesk_spec());
}

inline std::string rights_bearer(const std::string& token) { return "Authorization: Bearer " + token; }

// Seeds tickets T1 (A), T2 (A), T3 (B), T4 (B, closed) as the supervisor.
inline void seed_tickets(rt_server& srv) {
    auto sup = connect_ws(srv.ws_url("token=tok-sup"));
    int n = 0;
    for (const auto& t : {ticket("T1", "A"), ticket("T2", "A", "vpn down"), ticket("T3", "B", "B-only: salary dispute"),
                          ticket("T4", "B", "old", "closed")})
        REQUIRE(publish(*sup, "Ticket", "insert", t, "seed" + std::to_string(n++))["type"] == "published");
}

}  // namespace rt::test

// The tokens file is checked against the spec (issue 11, finding 4) at start, on SIGHUP reload
// and in `rt serve --check --tokens`; SIGHUP reloads it with live connections (finding 7).
#include <csignal>
#include <sstream>

#include "helpdesk.hpp"

using namespace rt::test;

namespace {

struct token_mistake {
    const char* name;
    std::string toml;      // one token's table (its header is line 1)
    int line;              // the line the error must name
    const char* expected;  // a piece of the message (what is wrong, the valid choices)
};

std::string token_head(const std::string& extra) { return "[tokens.t1]\nuser = \"u\"\n" + extra; }

std::vector<token_mistake> token_mistakes() {
    return {
        {"a typo in a filter table's subscription", token_head("subscribe = [\"TeamOpen\"]\n[tokens.t1.filters.TeamOpn]\nteam = [\"A\"]\n"), 4,
         "no subscription or entity named 'TeamOpn' in the spec (subscriptions: TeamOpen, TicketDetail, AllTickets, Agents; entities: Agent, Ticket)"},
        {"an unknown subscription in subscribe", token_head("subscribe = [\"TeamOpen\", \"Tickets\"]\n"), 3,
         "no subscription named 'Tickets' in the spec (it has: TeamOpen, TicketDetail, AllTickets, Agents; or \"*\")"},
        {"an unknown entity in publish", token_head("publish = [\"Tiket\"]\n"), 3, "no entity named 'Tiket' in the spec (it has: Agent, Ticket; or \"*\")"},
        {"an unknown attribute in a filter", token_head("subscribe = [\"TeamOpen\"]\n[tokens.t1.filters.TeamOpen]\ntem = [\"A\"]\n"), 5,
         "entity Ticket has no attribute 'tem' (it has: id, subject, team, status, priority, assignee)"},
        {"an impossible enum value", token_head("subscribe = [\"TeamOpen\"]\n[tokens.t1.filters.TeamOpen]\nteam = [\"A\", \"C\"]\n"), 5,
         "expected one of \"A\" | \"B\""},
        {"a value of the wrong type", token_head("subscribe = [\"TeamOpen\"]\n[tokens.t1.filters.Ticket]\npriority = [\"high\"]\n"), 5, "expected int"},
        {"a scalar where a list is meant (filter)", token_head("subscribe = [\"TeamOpen\"]\n[tokens.t1.filters.TeamOpen]\nteam = \"A\"\n"), 5,
         "must be a list of values, e.g. team = [\"A\"]"},
        {"a scalar where a list is meant (subscribe)", token_head("subscribe = \"TeamOpen\"\n"), 3, "'subscribe' must be a list"},
        {"a filter table for a subscription the token may not use", token_head("subscribe = [\"TeamOpen\"]\n[tokens.t1.filters.AllTickets]\nteam = [\"A\"]\n"), 4,
         "the token may not subscribe to 'AllTickets'"},
        {"publish_filters for an entity the token may not publish", token_head("publish = [\"Agent\"]\n[tokens.t1.publish_filters.Ticket]\nteam = [\"A\"]\n"), 4,
         "the token may not publish to 'Ticket'"},
        {"two tables pinning one entity differently", token_head("subscribe = [\"TeamOpen\", \"TicketDetail\"]\n[tokens.t1.filters.TeamOpen]\nteam = [\"A\"]\n[tokens.t1.filters.TicketDetail]\nteam = [\"B\"]\n"), 6,
         "pins entity Ticket differently from filters.TeamOpen"},
        {"an unknown key", token_head("subscibe = [\"TeamOpen\"]\n"), 3, "unknown key 'subscibe' (expected user, subscribe, publish, presence, admin, filters, publish_filters)"},
        {"admin that is not a boolean", token_head("admin = \"yes\"\n"), 3, "'admin' must be true or false"},
    };
}

}  // namespace

TEST_CASE("finding 4: each tokens-file token_mistake is refused by rt serve --check with its line and the valid choices", "[serve][tokens]") {
    for (const auto& m : token_mistakes()) {
        INFO(m.name);
        std::string path = write_rights_file("bad-tokens.toml", m.toml);
        auto r = run_rt({"serve", "--spec", rights_helpdesk_spec(), "--check", "--tokens", path});
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Catch::Contains(path + ":" + std::to_string(m.line) + ":"));
        CHECK_THAT(r.err, Catch::Contains(m.expected));
    }
    auto ok = run_rt({"serve", "--spec", rights_helpdesk_spec(), "--check", "--tokens", write_rights_file("t.toml", helpdesk_tokens_text())});
    CHECK(ok.exit_code == 0);
    CHECK_THAT(ok.err, Catch::Contains("is valid (4 tokens)"));
}

TEST_CASE("finding 4: rt serve refuses to start with the filter-table typo, naming the line", "[serve][tokens]") {
    std::string path = write_rights_file("typo.toml", "[tokens.tok-carol]\nuser = \"carol\"\nsubscribe = [\"TeamOpen\"]\n[tokens.tok-carol.filters.TeamOpn]\nteam = [\"A\"]\n");
    auto r = run_rt({"serve", "--spec", rights_helpdesk_spec(), "--tokens", path, "--listen", "127.0.0.1:0"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(path + ":4:"));
    CHECK_THAT(r.err, Catch::Contains("TeamOpn"));
    CHECK(r.err.find("tok-carol") == std::string::npos);  // errors name the user, never the token
}

TEST_CASE("fuzz findings: rt serve --check --tokens keeps every error on one line and never prints the token", "[serve][tokens]") {
    // A [tokens.<TOKEN>] table written twice (toml++'s message quoted it) and a user name holding
    // a newline that forges an error line (accepted before, then quoted raw).
    for (const char* toml : {"[tokens.tok-dup-7f3a9]\nuser = \"a\"\n[tokens.tok-dup-7f3a9]\nuser = \"b\"\n",
                             "[tokens.tok-nl-7f3a9]\nuser = \"eve\\nforged.toml:1:1: error: forged\"\npublish = [\"Tiket\"]\n"}) {
        INFO(toml);
        std::string path = write_rights_file("hostile-tokens.toml", toml);
        auto r = run_rt({"serve", "--spec", rights_helpdesk_spec(), "--check", "--tokens", path});
        CHECK(r.exit_code == 1);
        CHECK(r.err.find("7f3a9") == std::string::npos);
        std::size_t errors = 0;
        std::istringstream lines(r.err);
        for (std::string line; std::getline(lines, line);) {
            if (line.find(": error: ") == std::string::npos) continue;
            ++errors;
            CHECK(line.rfind(path + ":", 0) == 0);  // no error split over lines, none forged
        }
        CHECK(errors >= 1);
    }
}

// Finding 7.
TEST_CASE("finding 7: SIGHUP reloads the tokens file, adding and revoking tokens with live connections", "[serve][tokens][reload]") {
    std::string path;
    auto srv = helpdesk_server({}, helpdesk_tokens_text(), &path);
    auto alice = connect_ws(srv.ws_url("token=tok-alice"));
    auto bob = connect_ws(srv.ws_url("token=tok-bob"));
    auto sup = connect_ws(srv.ws_url("token=tok-sup"));
    REQUIRE(subscribe(*alice, "TeamOpen", {{"team", "A"}})["type"] == "subscribed");
    REQUIRE(subscribe(*sup, "AllTickets")["type"] == "subscribed");

    // Bob's token goes, carol's comes, alice loses TicketDetail, the supervisor is unchanged.
    std::string next = helpdesk_tokens_text();
    auto cut = [&](const std::string& from, const std::string& to) {
        auto a = next.find(from);
        REQUIRE(a != std::string::npos);
        auto b = next.find(to, a);
        next.erase(a, b == std::string::npos ? std::string::npos : b - a);
    };
    cut("[tokens.tok-bob]", "[tokens.tok-sup]");
    next.replace(next.find("subscribe = [\"TeamOpen\", \"TicketDetail\"]"), 40, "subscribe = [\"TeamOpen\"]               ");
    next += "\n[tokens.tok-carol]\nuser = \"carol\"\nsubscribe = [\"TeamOpen\"]\n[tokens.tok-carol.filters.Ticket]\nteam = [\"B\"]\n";
    write_rights_file("unused", "");
    {
        std::ofstream(path) << next;
    }
    srv.proc().signal(SIGHUP);
    REQUIRE(srv.proc().wait_for_output("SIGHUP: reloaded", k_wait));
    CHECK_THAT(srv.proc().err(), Catch::Contains("closed 1 connections with 4001 (token revoked), 1 with 4003 (rights changed)"));

    REQUIRE(bob->wait_closed(k_wait));
    CHECK(bob->close_code() == 4001);
    REQUIRE(alice->wait_closed(k_wait));
    CHECK(alice->close_code() == 4003);
    CHECK(srv.proc().running());

    // The supervisor's connection is untouched and still gets events.
    REQUIRE(publish(*sup, "Ticket", "insert", ticket("T1", "B"))["type"] == "published");
    CHECK(next_of_type(*sup, "event")["data"]["id"] == "T1");
    CHECK_FALSE(sup->is_closed());

    // Carol's new token works; bob's is refused; alice reconnects with her new rights.
    auto carol = connect_ws(srv.ws_url("token=tok-carol"));
    CHECK(subscribe(*carol, "TeamOpen", {{"team", "B"}})["type"] == "subscribed");
    auto bob2 = connect_ws(srv.ws_url("token=tok-bob"));
    CHECK(next_of_type(*bob2, "error")["code"] == "AUTH_REQUIRED");
    auto alice2 = connect_ws(srv.ws_url("token=tok-alice"));
    CHECK(subscribe(*alice2, "TicketDetail", {{"id", "T1"}, {"team", "A"}})["code"] == "FORBIDDEN");
    CHECK(subscribe(*alice2, "TeamOpen", {{"team", "A"}}, "ok")["type"] == "subscribed");
    CHECK(srv.stop() == 0);
}

TEST_CASE("finding 7: a bad tokens file on SIGHUP keeps the old tokens and logs why", "[serve][tokens][reload]") {
    std::string path;
    auto srv = helpdesk_server({}, helpdesk_tokens_text(), &path);
    auto alice = connect_ws(srv.ws_url("token=tok-alice"));
    {
        std::ofstream(path) << "[tokens.tok-new]\nuser = \"new\"\nsubscribe = [\"Nope\"]\n";
    }
    srv.proc().signal(SIGHUP);
    REQUIRE(srv.proc().wait_for_output("keeping the previous tokens", k_wait));
    REQUIRE(srv.proc().wait_for_output(":3:", k_wait));
    CHECK_THAT(srv.proc().err(), Catch::Contains("no subscription named 'Nope'"));
    CHECK(srv.proc().running());
    CHECK(subscribe(*alice, "TeamOpen", {{"team", "A"}})["type"] == "subscribed");  // still connected
    auto again = connect_ws(srv.ws_url("token=tok-alice"));                         // old token still valid
    CHECK(subscribe(*again, "TeamOpen", {{"team", "A"}})["type"] == "subscribed");
    auto fresh = connect_ws(srv.ws_url("token=tok-new"));
    CHECK(next_of_type(*fresh, "error")["code"] == "AUTH_REQUIRED");
}

TEST_CASE("SIGHUP in development mode changes nothing and does not stop the server", "[serve][tokens][reload]") {
    rt_server srv({}, rights_helpdesk_spec());
    auto c = connect_ws(srv.ws_url());
    srv.proc().signal(SIGHUP);
    REQUIRE(srv.proc().wait_for_output("no --tokens file to reload", k_wait));
    CHECK(srv.proc().running());
    CHECK(request(*c, {{"id", "p"}, {"type", "ping"}})["type"] == "pong");
}

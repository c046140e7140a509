// JWT auth against a real rt serve (issue 17, item 3): signatures and algorithms, the claim
// checks, the rights claim with the tokens file's semantics (helpdesk app: row scopes), REST,
// and a JWT's lifetime on a connection: `refresh` before it expires, close 4002 without.
#include <csignal>

#include "jwt_fixtures.hpp"

using namespace rt::test;

TEST_CASE("jwt: a valid HS256 token connects by ?token=, and Authorization: Bearer works the same", "[serve][jwt]") {
    auto srv = jwt_helpdesk_server();
    const std::string token = jwt_mint(jwt_claims_for("alice", jwt_alice_rights()));
    auto by_query = connect_ws(srv.ws_url("token=" + token));
    CHECK(subscribe(*by_query, "TeamOpen", {{"team", "A"}})["type"] == "subscribed");
    // Authorization: Bearer goes through the same lookup (here an admin JWT reading /metrics).
    const std::string ops = jwt_mint(jwt_claims_for("ops", {{"admin", true}}));
    auto m = http_request(srv.port(), "GET", "/metrics", "", {rights_bearer(ops)});
    CHECK(m.status == 200);
    CHECK_THAT(m.body, Catch::Contains("rt_connections 1"));
    CHECK(http_request(srv.port(), "GET", "/metrics", "", {rights_bearer(token)}).status == 403);  // alice is no admin
    // Presence shows the user named by sub (a rights claim without presence denies it, as a table does).
    CHECK(request(*by_query, {{"id", "p"}, {"type", "presence"}, {"action", "join"}, {"resource", "ticket:T1"}})["code"] == "FORBIDDEN");
    CHECK(srv.proc().err().find(token) == std::string::npos);  // tokens are never logged
}

TEST_CASE("jwt: expired, not yet valid, bad signature and missing sub are refused with the reason", "[serve][jwt]") {
    auto srv = jwt_helpdesk_server({"--jwt-leeway", "2s"});
    json expired = jwt_claims_for("alice", jwt_alice_rights());
    expired["exp"] = jwt_now_s() - 30;
    CHECK_THAT(jwt_refused(srv, jwt_mint(expired)), Catch::Contains("expired"));
    json early = jwt_claims_for("alice", jwt_alice_rights());
    early["nbf"] = jwt_now_s() + 600;
    CHECK_THAT(jwt_refused(srv, jwt_mint(early)), Catch::Contains("claim 'nbf'"));
    const std::string other_secret = "another-secret-of-at-least-32-bytes-xxxx";
    CHECK_THAT(jwt_refused(srv, jwt_mint(jwt_claims_for("alice", jwt_alice_rights()), "HS256", other_secret)),
               Catch::Contains("bad signature"));
    json no_sub = jwt_claims_for("alice", jwt_alice_rights());
    no_sub.erase("sub");
    CHECK_THAT(jwt_refused(srv, jwt_mint(no_sub)), Catch::Contains("missing 'sub'"));
    json no_exp = jwt_claims_for("alice", jwt_alice_rights());
    no_exp.erase("exp");
    CHECK_THAT(jwt_refused(srv, jwt_mint(no_exp)), Catch::Contains("missing 'exp'"));
    // Inside the leeway (expired 1 s ago, leeway 2 s) is still accepted.
    json just_expired = jwt_claims_for("alice", jwt_alice_rights());
    just_expired["exp"] = jwt_now_s() - 1;
    auto c = connect_ws(srv.ws_url("token=" + jwt_mint(just_expired)));
    CHECK(subscribe(*c, "TeamOpen", {{"team", "A"}})["type"] == "subscribed");
    CHECK_THAT(srv.proc().err(), Catch::Contains("auth failed from"));
    CHECK_THAT(srv.proc().err(), Catch::Contains("JWT refused: bad signature"));
}

TEST_CASE("jwt: alg none and an HS256 token signed with the public key are refused", "[serve][jwt]") {
    const auto& keys = jwt_test_keys();
    const std::string public_pem = jwt_read_file(keys.rsa_public);
    SECTION("a server with only a public key") {
        auto srv = helpdesk_server({"--jwt-public-key", keys.rsa_public});
        CHECK_THAT(jwt_refused(srv, jwt_mint(jwt_claims_for("alice", jwt_alice_rights()), "none")),
                   Catch::Contains("alg 'none'"));
        // The classic confusion: the public key (which anyone has) used as an HMAC secret.
        CHECK_THAT(jwt_refused(srv, jwt_mint(jwt_claims_for("alice", jwt_alice_rights()), "HS256", public_pem)),
                   Catch::Contains("alg 'HS256' is not accepted by this server (accepted: RS256)"));
        // ...while a real RS256 token of that key pair is accepted.
        auto c = connect_ws(srv.ws_url("token=" + jwt_mint(jwt_claims_for("alice", jwt_alice_rights()), "RS256",
                                                             jwt_read_file(keys.rsa_private))));
        CHECK(subscribe(*c, "TeamOpen", {{"team", "A"}})["type"] == "subscribed");
    }
    SECTION("a server with a secret and a public key") {
        auto srv = helpdesk_server({"--jwt-secret-file", keys.secret_file, "--jwt-public-key", keys.ec_public});
        CHECK_THAT(jwt_refused(srv, jwt_mint(jwt_claims_for("alice", jwt_alice_rights()), "none")),
                   Catch::Contains("alg 'none'"));
        // HS256 is checked with the secret only: the public key signs nothing here.
        CHECK_THAT(jwt_refused(srv, jwt_mint(jwt_claims_for("alice", jwt_alice_rights()), "HS256", jwt_read_file(keys.ec_public))),
                   Catch::Contains("bad signature"));
        // An RS256 token when the public key is EC: not the configured key's algorithm.
        CHECK_THAT(jwt_refused(srv, jwt_mint(jwt_claims_for("alice", jwt_alice_rights()), "RS256", jwt_read_file(keys.rsa_private))),
                   Catch::Contains("alg 'RS256' is not accepted"));
        auto es = connect_ws(srv.ws_url("token=" + jwt_mint(jwt_claims_for("alice", jwt_alice_rights()), "ES256",
                                                              jwt_read_file(keys.ec_private))));
        CHECK(subscribe(*es, "TeamOpen", {{"team", "A"}})["type"] == "subscribed");
        auto hs = connect_ws(srv.ws_url("token=" + jwt_mint(jwt_claims_for("alice", jwt_alice_rights()))));
        CHECK(subscribe(*hs, "TeamOpen", {{"team", "A"}})["type"] == "subscribed");
    }
}

TEST_CASE("jwt: the rights claim is enforced like a tokens-file entry: subscriptions, pinned filters, writes", "[serve][jwt]") {
    auto srv = jwt_helpdesk_server();
    seed_tickets(srv);
    auto alice = connect_ws(srv.ws_url("token=" + jwt_mint(jwt_claims_for("alice", jwt_alice_rights()))));
    CHECK(subscribe(*alice, "AllTickets", json::object(), "all")["code"] == "FORBIDDEN");     // beyond rights
    CHECK(subscribe(*alice, "TeamOpen", json::object(), "wide")["code"] == "FORBIDDEN");      // filter widened
    CHECK(subscribe(*alice, "TeamOpen", {{"team", "B"}}, "teamB")["code"] == "FORBIDDEN");   // outside the scope
    json sub = subscribe(*alice, "TeamOpen", {{"team", "A"}}, "teamA");
    REQUIRE(sub["type"] == "subscribed");
    CHECK(sub["initial"].size() == 2);  // T1, T2: team A's open tickets only
    CHECK(subscribe(*alice, "TicketDetail", {{"id", "T3"}, {"team", "B"}}, "t3")["code"] == "FORBIDDEN");
    CHECK(publish(*alice, "Ticket", "insert", ticket("T9", "B"), "w-b")["code"] == "FORBIDDEN");  // publish_filters
    CHECK(publish(*alice, "Ticket", "insert", ticket("T8", "A"), "w-a")["type"] == "published");
    CHECK(publish(*alice, "Agent", "insert", {{"name", "x"}}, "agent")["code"] == "FORBIDDEN");
}

TEST_CASE("jwt: a rights claim that does not match the spec is refused with the tokens file's message", "[serve][jwt]") {
    auto srv = jwt_helpdesk_server();
    json typo = jwt_alice_rights();
    typo["subscribe"] = {"TeamOpen", "Tickets"};
    CHECK_THAT(jwt_refused(srv, jwt_mint(jwt_claims_for("alice", typo))),
               Catch::Contains("JWT claim 'rt': error: token of user 'alice': subscribe: no subscription named 'Tickets' in the spec "
                               "(it has: TeamOpen, TicketDetail, AllTickets, Agents; or \"*\")"));
    json wrong_value = jwt_alice_rights();
    wrong_value["filters"]["TeamOpen"]["team"] = {"C"};
    CHECK_THAT(jwt_refused(srv, jwt_mint(jwt_claims_for("alice", wrong_value))), Catch::Contains("expected one of \"A\" | \"B\""));
    json with_user = jwt_alice_rights();
    with_user["user"] = "root";
    CHECK_THAT(jwt_refused(srv, jwt_mint(jwt_claims_for("alice", with_user))), Catch::Contains("the user is the claim 'sub'"));
    // No rights claim: the user exists and may do nothing.
    auto none = connect_ws(srv.ws_url("token=" + jwt_mint(jwt_claims_for("nobody", nullptr))));
    CHECK(subscribe(*none, "TeamOpen", {{"team", "A"}})["code"] == "FORBIDDEN");
}

TEST_CASE("jwt: REST with a JWT has the same rights and row scope", "[serve][jwt][rest]") {
    auto srv = jwt_helpdesk_server();
    seed_tickets(srv);
    const std::string token = jwt_mint(jwt_claims_for("alice", jwt_alice_rights()));
    auto list = http_request(srv.port(), "GET", "/api/Ticket", "", {rights_bearer(token)});
    REQUIRE(list.status == 200);
    json rows = json::parse(list.body);
    REQUIRE(rows.is_array());
    CHECK(rows.size() == 2);
    for (const auto& r : rows) CHECK(r["team"] == "A");
    CHECK(http_request(srv.port(), "GET", "/api/Ticket/T3", "", {rights_bearer(token)}).status == 404);
    CHECK(http_request(srv.port(), "POST", "/api/Ticket", ticket("T7", "B").dump(),
                       {rights_bearer(token), "Content-Type: application/json"}).status == 403);
    json expired = jwt_claims_for("alice", jwt_alice_rights());
    expired["exp"] = jwt_now_s() - 60;
    CHECK(http_request(srv.port(), "GET", "/api/Ticket", "", {rights_bearer(jwt_mint(expired))}).status == 401);
}

TEST_CASE("jwt: without a refresh the connection is closed with 4002 when its token expires", "[serve][jwt][expiry]") {
    auto srv = jwt_helpdesk_server({"--jwt-leeway", "0s"});
    const auto opened = std::chrono::steady_clock::now();
    auto c = connect_ws(srv.ws_url("token=" + jwt_mint(jwt_claims_for("alice", jwt_alice_rights(), 2))));
    CHECK(subscribe(*c, "TeamOpen", {{"team", "A"}})["type"] == "subscribed");
    REQUIRE(c->wait_closed(k_wait));
    CHECK(c->close_code() == 4002);
    // exp is whole seconds from a clock that may be just before a tick: at least one second passed.
    CHECK(std::chrono::steady_clock::now() - opened >= std::chrono::seconds(1));
    auto m = http_request(srv.port(), "GET", "/metrics", "", {"Authorization: Bearer tok-ops"});
    CHECK_THAT(m.body, Catch::Contains("rt_token_expiries_total 1"));
}

TEST_CASE("jwt: a refresh before expiry keeps the connection, another sub is refused, new rights close 4003", "[serve][jwt][expiry][slow]") {
    auto srv = jwt_helpdesk_server({"--jwt-leeway", "0s"});
    auto c = connect_ws(srv.ws_url("token=" + jwt_mint(jwt_claims_for("alice", jwt_alice_rights(), 2))));
    REQUIRE(subscribe(*c, "TeamOpen", {{"team", "A"}})["type"] == "subscribed");
    json longer = jwt_claims_for("alice", jwt_alice_rights(), 3600);
    json r = request(*c, {{"id", "r1"}, {"type", "refresh"}, {"token", jwt_mint(longer)}});
    CHECK(r["type"] == "refreshed");
    CHECK(r["exp"] == longer["exp"]);
    // Refused refreshes leave the connection (and its token) as they were.
    CHECK(request(*c, {{"id", "r2"}, {"type", "refresh"}, {"token", jwt_mint(jwt_claims_for("bob", jwt_alice_rights()))}})["code"] ==
          "FORBIDDEN");
    json bad = request(*c, {{"id", "r3"}, {"type", "refresh"}, {"token", "not-a-jwt"}});
    CHECK(bad["code"] == "AUTH_REQUIRED");
    // Past the first token's expiry (2 s, and the sweep's second): still open, still served.
    CHECK_FALSE(c->wait_closed(std::chrono::milliseconds(3500)));
    CHECK(request(*c, {{"id", "ping"}, {"type", "ping"}, {"timestamp", 1}})["type"] == "pong");
    // A token with other rights: the connection is closed as a rights change is (4003).
    json wider = jwt_alice_rights();
    wider["subscribe"] = {"*"};
    REQUIRE_FALSE(c->send_json({{"id", "r4"}, {"type", "refresh"}, {"token", jwt_mint(jwt_claims_for("alice", wider))}}));
    REQUIRE(c->wait_closed(k_wait));
    CHECK(c->close_code() == 4003);
}

TEST_CASE("jwt: tokens-file tokens keep working beside JWTs, and a SIGHUP reload leaves JWT connections alone", "[serve][jwt]") {
    std::string tokens_path;
    auto srv = helpdesk_server({"--jwt-secret-file", jwt_test_keys().secret_file}, helpdesk_tokens_text(), &tokens_path);
    auto by_file = connect_ws(srv.ws_url("token=tok-alice"));
    CHECK(subscribe(*by_file, "TeamOpen", {{"team", "A"}})["type"] == "subscribed");
    auto by_jwt = connect_ws(srv.ws_url("token=" + jwt_mint(jwt_claims_for("alice", jwt_alice_rights()))));
    CHECK(subscribe(*by_jwt, "TeamOpen", {{"team", "A"}})["type"] == "subscribed");
    // Refresh is for JWT connections only.
    CHECK(request(*by_file, {{"id", "r"}, {"type", "refresh"}, {"token", jwt_mint(jwt_claims_for("alice", jwt_alice_rights()))}})["code"] ==
          "FORBIDDEN");
    std::ofstream(tokens_path) << "[tokens.tok-sup]\nuser = \"sup\"\nsubscribe = [\"*\"]\n";
    srv.proc().signal(SIGHUP);
    REQUIRE(srv.proc().wait_for_output("SIGHUP: reloaded", k_wait));
    REQUIRE(by_file->wait_closed(k_wait));
    CHECK(by_file->close_code() == 4001);  // its token is gone from the file
    CHECK_FALSE(by_jwt->is_closed());
    CHECK(request(*by_jwt, {{"id", "ping"}, {"type", "ping"}, {"timestamp", 1}})["type"] == "pong");
}

TEST_CASE("jwt: rt serve refuses a short secret and a key file that is not a usable public key", "[serve][jwt]") {
    const std::string short_secret = write_rights_file("short.secret", "too-short\n");
    auto r = run_rt({"serve", "--spec", rights_helpdesk_spec(), "--listen", "127.0.0.1:0", "--jwt-secret-file", short_secret});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("HS256 needs at least 32"));
    auto p = run_rt({"serve", "--spec", rights_helpdesk_spec(), "--listen", "127.0.0.1:0", "--jwt-public-key", jwt_test_keys().secret_file});
    CHECK(p.exit_code == 2);
    CHECK_THAT(p.err, Catch::Contains("not a PEM public key"));
    // A private key given where the public one is meant is not a public key either.
    auto q = run_rt({"serve", "--spec", rights_helpdesk_spec(), "--listen", "127.0.0.1:0", "--jwt-public-key", "/nonexistent.pem"});
    CHECK(q.exit_code == 2);
    CHECK_THAT(q.err, Catch::Contains("cannot open"));
}

TEST_CASE("jwt: the change budget is per sub: two tokens of one user share it over REST and WebSocket", "[serve][jwt][limits]") {
    auto srv = jwt_helpdesk_server({"--rate-limit", "0.1", "--rate-burst", "5"});  // no refill within the test
    const std::string first = jwt_mint(jwt_claims_for("alice", jwt_alice_rights(), 3600));
    const std::string second = jwt_mint(jwt_claims_for("alice", jwt_alice_rights(), 3599));  // another token, same sub
    REQUIRE(first != second);
    for (int i = 0; i < 5; ++i)
        REQUIRE(http_request(srv.port(), "POST", "/api/Ticket", ticket("J" + std::to_string(i), "A").dump(),
                             {rights_bearer(first), "Content-Type: application/json"}).status == 201);
    auto ws = connect_ws(srv.ws_url("token=" + second));  // a new connection: its own message budget is full
    CHECK(publish(*ws, "Ticket", "insert", ticket("J9", "A"))["code"] == "RATE_LIMITED");
    // Another user has a budget of their own.
    auto bob = connect_ws(srv.ws_url("token=" + jwt_mint(jwt_claims_for("bob", jwt_alice_rights()))));
    CHECK(publish(*bob, "Ticket", "insert", ticket("J10", "A"), "bob")["type"] == "published");
}

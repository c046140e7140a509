// GET /sse (issue 16, item 2) and CORS (item 3) at the protocol level, without a browser: a real
// rt serve on the helpdesk app (tests/server/helpdesk.hpp) and tests/support/sse_client. The wire
// contract is docs/protocol.md "SSE": snapshot/resumed/change events with id EPOCH:SEQ, resume by
// Last-Event-ID through the replay buffer, `: ping`, the same rights, limits and shutdown as
// WebSocket.
#include <cctype>
#include <csignal>
#include <fstream>
#include <thread>

#include "client/ws_url.hpp"
#include "client/http_client.hpp"
#include "helpdesk.hpp"
#include "jwt_fixtures.hpp"
#include "support/proc_stats.hpp"
#include "support/sse_client.hpp"
#include "support/tls_certs.hpp"

using namespace rt::test;

namespace {

// "/sse?subscription=TeamOpen&filter=%7B...%7D" (+ "&" extra).
std::string sse_target(const std::string& sub, const json& filter = json::object(), const std::string& extra = {}) {
    std::string t = "/sse?subscription=" + sub;
    if (!filter.empty()) t += "&filter=" + rt::client::percent_encode(filter.dump());
    if (!extra.empty()) t += "&" + extra;
    return t;
}

const json sse_team_a = {{"team", "A"}};
const std::string sse_json_ct = "Content-Type: application/json";

// POSTs a ticket over REST (development mode, or with `token`); REQUIREs 201.
void sse_post(rt_server& srv, const json& row, const std::string& token = {}) {
    std::vector<std::string> h{sse_json_ct};
    if (!token.empty()) h.push_back(rights_bearer(token));
    auto r = http_request(srv.port(), "POST", "/api/Ticket", row.dump(), h);
    INFO(r.body);
    REQUIRE(r.status == 201);
}

// Opens a stream that must start: 200, then `retry:`; returns it.
std::unique_ptr<sse_client> sse_open(rt_server& srv, const std::string& target, const std::vector<std::string>& headers = {}) {
    auto c = sse_client::open(srv.port(), target, headers);
    REQUIRE(c);
    INFO(c->head() << "\n" << c->body());
    REQUIRE(c->status() == 200);
    auto first = c->next(k_wait);
    REQUIRE(first);
    CHECK(first->retry == 2000);
    return c;
}

// The next event, REQUIREd to be of `kind`; its data parsed.
json sse_expect(sse_client& c, const std::string& kind, sse_block* out = nullptr) {
    auto b = c.next_event(k_wait);
    REQUIRE(b);
    INFO("event " << b->event << " id " << b->id << " data " << b->data);
    REQUIRE(b->event == kind);
    if (out) *out = *b;
    json d = json::parse(b->data, nullptr, false);
    REQUIRE(d.is_object());
    return d;
}

// Where a resume starts from: the id of the snapshot a fresh TeamOpen stream of team A starts with
// (that stream is closed again); `id_at(n)` is the id of the n-th change after it.
struct sse_resume_point {
    std::string id;
    std::string epoch;
    int seq = 0;
    std::string id_at(int n) const { return epoch + ":" + std::to_string(seq + n); }
};

sse_resume_point sse_snapshot_point(rt_server& srv) {
    sse_resume_point p;
    {
        auto c = sse_open(srv, sse_target("TeamOpen", sse_team_a));
        sse_block snap;
        sse_expect(*c, "snapshot", &snap);
        p.id = snap.id;
    }
    p.epoch = p.id.substr(0, p.id.rfind(':'));
    p.seq = std::stoi(p.id.substr(p.id.rfind(':') + 1));
    return p;
}

// Polls /metrics (development mode) until `name` reads `want`; the last value read.
long sse_metric_becomes(int port, const std::string& name, long want) {
    long v = -1;
    for (auto until = std::chrono::steady_clock::now() + k_wait; std::chrono::steady_clock::now() < until;) {
        if ((v = metric_value(port, name)) == want) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return v;
}

}  // namespace

TEST_CASE("sse: a snapshot with its id and rows, then changes by REST and WebSocket with the next ids", "[serve][sse]") {
    rt_server srv({}, rights_helpdesk_spec());
    sse_post(srv, ticket("T1", "A"));
    sse_post(srv, ticket("T9", "B"));
    auto c = sse_open(srv, sse_target("TeamOpen", sse_team_a));
    CHECK(c->header("Content-Type") == "text/event-stream");
    CHECK(c->header("Cache-Control") == "no-cache");
    CHECK(c->header("X-Accel-Buffering") == "no");
    CHECK(c->header("Content-Length").empty());

    sse_block snap;
    json s = sse_expect(*c, "snapshot", &snap);
    CHECK(s["type"] == "subscribed");
    CHECK(s["recovered"] == false);
    REQUIRE(s["initial"].size() == 1);
    CHECK(s["initial"][0]["id"] == "T1");
    const std::string epoch = s["epoch"];
    CHECK(snap.id == epoch + ":" + std::to_string(s["seq"].get<int>()));

    sse_post(srv, ticket("T2", "A"));
    sse_block b;
    json e = sse_expect(*c, "change", &b);
    CHECK(e["type"] == "event");
    CHECK(e["operation"] == "insert");
    CHECK(e["data"]["id"] == "T2");
    CHECK(b.id == epoch + ":" + std::to_string(s["seq"].get<int>() + 1));

    auto ws = connect_ws(srv.ws_url());
    REQUIRE(publish(*ws, "Ticket", "update", {{"id", "T2"}, {"priority", 5}})["type"] == "published");
    e = sse_expect(*c, "change", &b);
    CHECK(e["operation"] == "update");
    CHECK(e["data"]["priority"] == 5);
    CHECK(b.id == epoch + ":" + std::to_string(s["seq"].get<int>() + 2));
}

TEST_CASE("sse: Last-Event-ID inside the replay window resumes with exactly the missed changes", "[serve][sse][resume]") {
    rt_server srv({}, rights_helpdesk_spec());
    sse_post(srv, ticket("T1", "A"));
    const sse_resume_point from = sse_snapshot_point(srv);
    sse_post(srv, ticket("T2", "A"));
    sse_post(srv, ticket("T3", "A"));

    auto c = sse_open(srv, sse_target("TeamOpen", sse_team_a), {"Last-Event-ID: " + from.id});
    sse_block r;
    json resumed = sse_expect(*c, "resumed", &r);
    CHECK(resumed["recovered"] == true);
    CHECK_FALSE(resumed.contains("initial"));
    CHECK(r.id == from.id);  // a reconnect right now resumes from the same place
    sse_block b;
    CHECK(sse_expect(*c, "change", &b)["data"]["id"] == "T2");
    CHECK(b.id == from.id_at(1));
    CHECK(sse_expect(*c, "change", &b)["data"]["id"] == "T3");
    CHECK(b.id == from.id_at(2));
    // Nothing twice: the next event is the next live change.
    sse_post(srv, ticket("T4", "A"));
    CHECK(sse_expect(*c, "change", &b)["data"]["id"] == "T4");
    CHECK(b.id == from.id_at(3));

    // ?since= is the same resume (for a client that keeps the position itself).
    auto s = sse_open(srv, sse_target("TeamOpen", sse_team_a, "since=" + from.id_at(2)));
    CHECK(sse_expect(*s, "resumed")["recovered"] == true);
    CHECK(sse_expect(*s, "change", &b)["data"]["id"] == "T4");
    CHECK(b.id == from.id_at(3));
}

TEST_CASE("sse: a resume outside the replay window or of another epoch gets a new snapshot", "[serve][sse][resume]") {
    rt_server srv({"--replay-events", "2"}, rights_helpdesk_spec());
    sse_post(srv, ticket("T1", "A"));
    const sse_resume_point from = sse_snapshot_point(srv);
    for (const char* id : {"T2", "T3", "T4"}) sse_post(srv, ticket(id, "A"));

    auto c = sse_open(srv, sse_target("TeamOpen", sse_team_a), {"Last-Event-ID: " + from.id});
    sse_block b;
    json s = sse_expect(*c, "snapshot", &b);
    CHECK(s["recovered"] == false);
    CHECK(s["initial"].size() == 4);
    CHECK(b.id == from.id_at(3));

    auto other = sse_open(srv, sse_target("TeamOpen", sse_team_a), {"Last-Event-ID: not-this-epoch:1"});
    CHECK(sse_expect(*other, "snapshot")["initial"].size() == 4);

    auto bad = sse_client::open(srv.port(), sse_target("TeamOpen", sse_team_a), {"Last-Event-ID: 42"});
    REQUIRE(bad);
    CHECK(bad->status() == 400);
    CHECK_THAT(bad->body(), Catch::Contains("BAD_REQUEST") && Catch::Contains("Last-Event-ID"));
}

TEST_CASE("sse: the heartbeat comment arrives every --sse-heartbeat", "[serve][sse]") {
    rt_server srv({"--sse-heartbeat", "100ms"}, rights_helpdesk_spec());
    auto c = sse_open(srv, sse_target("TeamOpen", sse_team_a));
    sse_expect(*c, "snapshot");
    auto ping = c->next(k_wait);
    REQUIRE(ping);
    CHECK(ping->comment == "ping");
    CHECK(ping->event.empty());
    auto again = c->next(k_wait);
    REQUIRE(again);
    CHECK(again->comment == "ping");
}

TEST_CASE("sse: refusals before the stream: token, Origin, subscription, filter, rights", "[serve][sse][rights]") {
    rt_server srv = helpdesk_server();
    auto refused = [&](const std::string& target, const std::vector<std::string>& headers, int status, const std::string& code) {
        auto c = sse_client::open(srv.port(), target, headers);
        REQUIRE(c);
        INFO(target << " -> " << c->head() << "\n" << c->body());
        CHECK(c->status() == status);
        CHECK(c->header("Content-Type") == "application/json");
        json body = json::parse(c->body(), nullptr, false);
        REQUIRE(body.is_object());
        CHECK(body["error"] == code);
        CHECK(body["message"].is_string());
    };
    refused(sse_target("TeamOpen", sse_team_a), {}, 403, "FORBIDDEN");                         // no token
    refused(sse_target("TeamOpen", sse_team_a, "token=nope"), {}, 403, "FORBIDDEN");           // unknown token
    refused(sse_target("TeamOpen", sse_team_a, "token=tok-alice"), {"Origin: https://evil.example"}, 403, "FORBIDDEN");
    refused(sse_target("NoSuchThing", {}, "token=tok-sup"), {}, 404, "UNKNOWN_SUBSCRIPTION");
    refused("/sse?subscription=TeamOpen&token=tok-sup&filter=%7Bteam", {}, 400, "BAD_REQUEST");  // not JSON
    refused(sse_target("TeamOpen", {{"team", 7}}, "token=tok-sup"), {}, 400, "INVALID_FILTER");
    // Alice's TeamOpen is pinned to team A; Bob's Ticket rows to team B.
    refused(sse_target("TeamOpen", {{"team", "B"}}, "token=tok-alice"), {}, 403, "FORBIDDEN");
    refused(sse_target("TeamOpen", {}, "token=tok-alice"), {}, 403, "FORBIDDEN");
    refused(sse_target("TeamOpen", sse_team_a), {rights_bearer("tok-bob")}, 403, "FORBIDDEN");
    refused(sse_target("AllTickets", {}, "token=tok-alice"), {}, 403, "FORBIDDEN");

    seed_tickets(srv);
    // Her own team's stream opens, with a token in the query or the Authorization header.
    auto alice = sse_open(srv, sse_target("TeamOpen", sse_team_a, "token=tok-alice"));
    json s = sse_expect(*alice, "snapshot");
    CHECK(s["initial"].size() == 2);
    auto bob = sse_open(srv, sse_target("TeamOpen", {{"team", "B"}}), {rights_bearer("tok-bob")});
    CHECK(sse_expect(*bob, "snapshot")["initial"].size() == 1);  // T3 (T4 is closed)
}

TEST_CASE("sse: a client that never reads is closed by the output limit", "[serve][sse][slow]") {
    rt_server srv({"--slow-soft", "16KiB", "--slow-hard", "256KiB", "--slow-grace", "100ms", "--socket-send-buffer", "4KiB",
                   "--rate-limit", "10000", "--rate-burst", "10000"},
                  rights_helpdesk_spec());
    auto c = sse_client::open_unread(srv.port(), sse_target("TeamOpen", sse_team_a), 4096);
    REQUIRE(c);
    REQUIRE(sse_metric_becomes(srv.port(), "rt_sse_connections", 1) == 1);
    const std::string big(4000, 'x');  // ~4 KB events: the socket buffers fill after a few
    // Past --slow-soft its events are dropped; the first one after --slow-grace over it closes it.
    int published = 0;
    for (auto until = std::chrono::steady_clock::now() + k_wait;
         metric_value(srv.port(), "rt_slow_consumer_disconnects_total") < 1 && std::chrono::steady_clock::now() < until;)
        sse_post(srv, ticket("S" + std::to_string(published++), "A", big));
    INFO("published " << published << "; server: " << srv.proc().err());
    CHECK(metric_value(srv.port(), "rt_slow_consumer_disconnects_total") == 1);
    CHECK(metric_value(srv.port(), "rt_events_dropped_total") > 0);
    CHECK(sse_metric_becomes(srv.port(), "rt_sse_connections", 0) == 0);
    CHECK(c->wait_closed(k_wait));
}

TEST_CASE("sse: /metrics counts SSE streams, and a client leaving releases its stream and socket", "[serve][sse][lifecycle]") {
    rt_server srv({}, rights_helpdesk_spec());
    const int idle_fds = open_fds(srv.proc().pid());
    REQUIRE(idle_fds > 0);
    {
        auto a = sse_open(srv, sse_target("TeamOpen", sse_team_a));
        auto b = sse_open(srv, sse_target("AllTickets"));
        sse_expect(*a, "snapshot");
        sse_expect(*b, "snapshot");
        CHECK(metric_value(srv.port(), "rt_sse_connections") == 2);
        CHECK(metric_value(srv.port(), "rt_connections") == 2);
        CHECK(metric_value(srv.port(), "rt_sse_connections_total") == 2);
    }
    const held_sockets held = wait_released(srv.proc().pid(), srv.port(), idle_fds, k_wait);
    INFO("idle fds " << idle_fds << ", now " << held.fds << "; rt_connections " << held.connections);
    CHECK(held.settled);
    CHECK(metric_value(srv.port(), "rt_sse_connections") == 0);
    auto m = http_request(srv.port(), "GET", "/metrics");
    CHECK_THAT(m.body, Catch::Contains("rt_subscriptions{subscription=\"TeamOpen\"} 0"));
}

TEST_CASE("sse: SIGTERM ends a stream with an error event and the server still stops promptly", "[serve][sse][lifecycle]") {
    rt_server srv({}, rights_helpdesk_spec());
    auto c = sse_open(srv, sse_target("TeamOpen", sse_team_a));
    sse_expect(*c, "snapshot");
    const auto t0 = std::chrono::steady_clock::now();
    srv.proc().signal(SIGTERM);
    json e = sse_expect(*c, "error");
    CHECK(e["error"] == "GOING_AWAY");
    CHECK(e["code"] == 1001);
    CHECK(c->wait_closed(k_wait));
    CHECK(srv.proc().wait_exit(k_wait) == 0);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(1500));
}

TEST_CASE("sse: a tokens reload that changes the token's rights ends its stream like 4003", "[serve][sse][rights]") {
    std::string tokens_path;
    rt_server srv = helpdesk_server({}, helpdesk_tokens_text(), &tokens_path);
    auto c = sse_open(srv, sse_target("TeamOpen", sse_team_a, "token=tok-alice"));
    sse_expect(*c, "snapshot");
    std::string text = helpdesk_tokens_text();
    const std::string from = "[tokens.tok-alice.filters.TeamOpen]\nteam = [\"A\"]";
    REQUIRE(text.find(from) != std::string::npos);
    text.replace(text.find(from), from.size(), "[tokens.tok-alice.filters.TeamOpen]\nteam = [\"A\", \"B\"]");
    std::ofstream(tokens_path) << text;
    srv.proc().signal(SIGHUP);
    json e = sse_expect(*c, "error");
    CHECK(e["error"] == "RIGHTS_CHANGED");
    CHECK(e["code"] == 4003);
    CHECK(c->wait_closed(k_wait));
}

TEST_CASE("sse: a stream whose JWT expires ends with TOKEN_EXPIRED like 4002", "[serve][sse][jwt]") {
    auto srv = jwt_helpdesk_server({"--jwt-leeway", "0s"});
    const std::string token = jwt_mint(jwt_claims_for("alice", jwt_alice_rights(), 1));
    auto c = sse_open(srv, sse_target("TeamOpen", sse_team_a, "token=" + token));
    sse_expect(*c, "snapshot");
    json e = sse_expect(*c, "error");  // within the sweep's second of the expiry
    CHECK(e["error"] == "TOKEN_EXPIRED");
    CHECK(e["code"] == 4002);
    CHECK(c->wait_closed(k_wait));
    auto m = http_request(srv.port(), "GET", "/metrics", "", {rights_bearer("tok-ops")});
    CHECK_THAT(m.body, Catch::Contains("rt_token_expiries_total 1") && Catch::Contains("rt_sse_connections 0"));
}

TEST_CASE("cors: preflights from allowed origins get 204 and the CORS headers, others 403 without them", "[serve][cors]") {
    rt_server srv({"--allowed-origins", "https://app.example.com"}, rights_helpdesk_spec());
    const std::string allowed = "Origin: https://app.example.com";
    for (const char* path : {"/api/Ticket", "/api/Ticket/T1", "/sse"}) {
        INFO(path);
        auto ok = http_request(srv.port(), "OPTIONS", path, "", {allowed, "Access-Control-Request-Method: PATCH"});
        CHECK(ok.status == 204);
        CHECK_THAT(ok.headers, Catch::Contains("Access-Control-Allow-Origin: https://app.example.com"));
        CHECK_THAT(ok.headers, Catch::Contains("Access-Control-Allow-Methods: GET, POST, PATCH, DELETE, OPTIONS"));
        CHECK_THAT(ok.headers, Catch::Contains("Access-Control-Allow-Headers: Authorization, Content-Type, Last-Event-ID"));
        CHECK_THAT(ok.headers, Catch::Contains("Access-Control-Max-Age: 600"));
        CHECK_THAT(ok.headers, Catch::Contains("Vary: Origin"));
        auto no = http_request(srv.port(), "OPTIONS", path, "", {"Origin: https://evil.example"});
        CHECK(no.status == 403);
        CHECK_THAT(no.headers, !Catch::Contains("Access-Control-"));
    }
    // Non-preflight answers to an allowed origin carry it too: REST (errors included) and SSE.
    auto post = http_request(srv.port(), "POST", "/api/Ticket", ticket("T1", "A").dump(), {allowed, sse_json_ct});
    CHECK(post.status == 201);
    CHECK_THAT(post.headers, Catch::Contains("Access-Control-Allow-Origin: https://app.example.com"));
    CHECK_THAT(post.headers, Catch::Contains("Vary: Origin"));
    auto missing = http_request(srv.port(), "GET", "/api/Ticket/nope", "", {allowed});
    CHECK(missing.status == 404);
    CHECK_THAT(missing.headers, Catch::Contains("Access-Control-Allow-Origin: https://app.example.com"));
    auto plain = http_request(srv.port(), "GET", "/api/Ticket");  // no Origin: not a browser, no CORS headers
    CHECK(plain.status == 200);
    CHECK_THAT(plain.headers, !Catch::Contains("Access-Control-"));
    auto c = sse_open(srv, sse_target("TeamOpen", sse_team_a), {allowed});
    CHECK(c->header("Access-Control-Allow-Origin") == "https://app.example.com");
    CHECK(c->header("Vary") == "Origin");
}

TEST_CASE("sse: over TLS, the same stream on https://", "[serve][sse][tls]") {
    const tls_files& certs = tls_certs();
    rt_server srv({"--tls-cert", certs.cert, "--tls-key", certs.key}, rights_helpdesk_spec());
    rt::client::http_url base{"127.0.0.1", static_cast<std::uint16_t>(srv.port()), "", true};
    rt::client::tls_trust trust;
    trust.ca_file = certs.ca;
    // The stream's whole body, read until the server ends it (at SIGTERM below).
    rt::result<rt::client::http_response, std::string> streamed = rt::make_unexpected(std::string("not run"));
    std::thread reader([&] {
        streamed = rt::client::http_exchange(base, {"GET", sse_target("TeamOpen", sse_team_a), "", ""}, std::chrono::seconds(10), trust);
    });
    auto sse_count = [&] {
        auto m = rt::client::http_exchange(base, {"GET", "/metrics", "", ""}, k_wait, trust);
        return m && m->body.find("\nrt_sse_connections 1\n") != std::string::npos;
    };
    bool open = false;
    for (auto until = std::chrono::steady_clock::now() + k_wait; !open && std::chrono::steady_clock::now() < until;)
        if (!(open = sse_count())) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(open);
    auto pub = rt::client::http_exchange(base, {"POST", "/api/Ticket", ticket("T1", "A").dump(), ""}, k_wait, trust);
    CHECK((pub && pub->status == 201));
    srv.proc().signal(SIGTERM);
    reader.join();
    INFO((streamed ? streamed->body : streamed.error()));
    REQUIRE(streamed);
    CHECK(streamed->status == 200);
    const std::string& body = streamed->body;
    const auto snap = body.find("event: snapshot\n"), change = body.find("event: change\n"), end = body.find("event: error\n");
    CHECK(body.rfind("retry: 2000\n\n", 0) == 0);
    CHECK(snap != std::string::npos);
    CHECK(change != std::string::npos);
    CHECK(end != std::string::npos);
    CHECK((snap < change && change < end));
    CHECK_THAT(body, Catch::Contains("\"id\":\"T1\"") && Catch::Contains("GOING_AWAY"));
}

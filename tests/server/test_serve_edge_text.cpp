// Client text and handshakes at the edge (issue 12, findings 1 and 8): a `?user=` that is not
// UTF-8 is refused at the handshake instead of crashing the process on the first presence join;
// odd handshakes get 400, not 500 or 101; a ping timestamp outside int64 is refused; `--listen
// localhost:PORT` resolves.
#include <algorithm>
#include <csignal>

#include "support/raw_handshake.hpp"
#include "support/ws_helpers.hpp"

using namespace rt::test;

namespace {

std::string edge_text_helpdesk_spec() { return std::string(RT_SOURCE_DIR) + "/scenarios/helpdesk.spec"; }

json edge_text_join(rt::client::sync_client& c, const std::string& resource) {
    REQUIRE_FALSE(c.send_json({{"type", "presence"}, {"action", "join"}, {"resource", resource}}));
    return next_of_type(c, "presence");
}

std::vector<std::string> edge_text_user_ids(const json& p) {
    std::vector<std::string> out;
    if (p.contains("users"))
        for (const auto& u : p["users"]) out.push_back(u.value("id", ""));
    return out;
}

}  // namespace

TEST_CASE("issue 12 finding 1: a ?user= that is not UTF-8 is refused at the handshake and the server keeps serving", "[serve][edge]") {
    rt_server srv({}, edge_text_helpdesk_spec());  // development mode: ?user= names the client

    // The reproducer: connect as user "\xff", join a presence resource. The old server aborted here
    // (encoding the member list threw type_error.316); now the upgrade itself is refused.
    auto bad = rt::client::sync_client::connect(srv.ws_url("user=%ff"), k_wait);
    if (bad.ok()) {
        (void)bad.value()->send_json({{"type", "presence"}, {"action", "join"}, {"resource", "board:1"}});
        (void)bad.value()->receive_until([](const json&) { return false; }, std::chrono::milliseconds(500));
    }
    CHECK_FALSE(bad.ok());
    auto raw = raw_handshake(srv.port(), raw_upgrade_request("/live?user=%ff"));
    CHECK(raw.status == 400);
    CHECK_THAT(raw.body, Catch::Contains("\"field\":\"user\"") && Catch::Contains("UTF-8"));
    auto rest = http_request(srv.port(), "GET", "/api/Ticket?user=%C3");
    CHECK(rest.status == 400);
    CHECK_THAT(rest.body, Catch::Contains("\"field\":\"user\""));

    // Still alive, and others are served: two users join the same resource and see each other.
    REQUIRE(srv.proc().running());
    auto alice = connect_ws(srv.ws_url("user=alice"));
    auto zoe = connect_ws(srv.ws_url("user=z%C3%B6e"));  // percent-encoded UTF-8 is fine
    CHECK(edge_text_user_ids(edge_text_join(*alice, "board:1")) == std::vector<std::string>{"alice"});
    auto both = edge_text_join(*zoe, "board:1");
    auto ids = edge_text_user_ids(both);
    std::sort(ids.begin(), ids.end());
    CHECK(ids == std::vector<std::string>{"alice", "z\xc3\xb6" "e"});
    auto metrics = http_request(srv.port(), "GET", "/metrics");
    CHECK_THAT(metrics.body, Catch::Contains("rt_handler_failures_total 0"));
    CHECK(srv.stop() == 0);
}

TEST_CASE("issue 12 finding 8: handshakes without a version or with a non-base64 key get 400", "[serve][edge]") {
    rt_server srv;
    SECTION("a normal upgrade is still accepted") {
        CHECK(raw_handshake(srv.port(), raw_upgrade_request("/live")).status == 101);
    }
    SECTION("no Sec-WebSocket-Version: 400 (was 500)") {
        auto r = raw_handshake(srv.port(), raw_upgrade_request("/live", {{"Sec-WebSocket-Version", ""}}));
        CHECK(r.status == 400);
    }
    SECTION("an unknown version: 400 naming the versions spoken") {
        auto r = raw_handshake(srv.port(), raw_upgrade_request("/live", {{"Sec-WebSocket-Version", "99"}}));
        CHECK(r.status == 400);
        CHECK_THAT(r.head, Catch::Contains("Sec-WebSocket-Version:") && Catch::Contains("13"));
    }
    SECTION("a Sec-WebSocket-Key that is not base64 of 16 bytes: 400 (was 101)") {
        for (const char* key : {"not-base64-at-all", "dGhlIHNhbXBsZSBub25j", "dGhl*HNhbXBsZSBub25jZQ=="}) {
            INFO("key " << key);
            auto r = raw_handshake(srv.port(), raw_upgrade_request("/live", {{"Sec-WebSocket-Key", key}}));
            CHECK(r.status == 400);
            CHECK_THAT(r.body, Catch::Contains("Sec-WebSocket-Key"));
        }
    }
    // Whatever was refused, the server still serves a real client.
    auto c = connect_ws(srv.ws_url());
    CHECK(request(*c, {{"id", "p"}, {"type", "ping"}, {"timestamp", 7}}).value("timestamp", 0) == 7);
}

TEST_CASE("issue 12 finding 8: a ping timestamp outside int64 is refused naming the field, and int64 extremes are exact", "[serve][edge]") {
    rt_server srv;
    auto c = connect_ws(srv.ws_url());
    REQUIRE_FALSE(c->send(R"({"id":"big","type":"ping","timestamp":18446744073709551615})"));
    auto r = c->receive_until([](const json& j) { return j.value("id", "") == "big"; }, k_wait);
    REQUIRE(r);
    CHECK((*r)["type"] == "error");
    CHECK((*r)["code"] == "BAD_REQUEST");
    CHECK_THAT((*r)["message"].get<std::string>(), Catch::Contains("timestamp"));
    for (const char* ts : {"9223372036854775807", "-9223372036854775808"}) {
        REQUIRE_FALSE(c->send(std::string(R"({"id":"x","type":"ping","timestamp":)") + ts + "}"));
        auto p = c->receive_until([](const json& j) { return j.value("id", "") == "x"; }, k_wait);
        REQUIRE(p);
        CHECK((*p)["timestamp"].dump() == ts);
    }
}

TEST_CASE("issue 12 client text: a REST id in the URL that is not UTF-8 is refused naming the field", "[serve][edge]") {
    rt_server srv;
    auto r = http_request(srv.port(), "GET", "/api/Task/%ff");
    CHECK(r.status == 400);
    CHECK_THAT(r.body, Catch::Contains("\"field\":\"id\"") && Catch::Contains("UTF-8"));
    auto d = http_request(srv.port(), "DELETE", "/api/Task/ab%e2%82");
    CHECK(d.status == 400);
    CHECK(http_request(srv.port(), "GET", "/api/Task/%e2%82%ac").status == 404);  // valid UTF-8: just not there
}

TEST_CASE("issue 12 finding 8: --listen localhost:PORT resolves to the loopback address", "[serve][edge]") {
    rt_process p({"serve", "--spec", kanban_spec_path(), "--listen", "localhost:0"});
    CHECK(p.wait_for_output("listening on ws://127.0.0.1:", std::chrono::seconds(15)));
    CHECK_THAT(p.err(), !Catch::Contains("not an IP address"));
    p.signal(SIGTERM);
    CHECK(p.wait_exit(std::chrono::seconds(5)) == 0);
}

// Token auth: no token, bad token, forbidden subscription/publish, pinned filters, REST auth.
#include <fstream>

#include "support/ws_helpers.hpp"

using namespace rt::test;

namespace {
std::string write_tokens() {
    std::string path = temp_path("tokens.toml");
    std::ofstream(path) << R"(
[tokens.alice-secret]
user = "alice"
subscribe = ["TaskUpdates", "TaskDetail"]
publish = ["Task"]
[tokens.alice-secret.filters.TaskUpdates]
board = ["b1", "b2"]

[tokens.viewer-secret]
user = "viewer"
subscribe = ["*"]
publish = []
admin = true
)";
    return path;
}
}  // namespace

TEST_CASE("a handshake without a valid token gets AUTH_REQUIRED then close 4001", "[serve][auth]") {
    rt_server srv({"--tokens", write_tokens()});
    for (std::string query : {"", "token=wrong"}) {
        auto c = connect_ws(srv.ws_url(query));
        json e = next_of_type(*c, "error");
        CHECK(e["code"] == "AUTH_REQUIRED");
        REQUIRE(c->wait_closed(k_wait));
        CHECK(c->close_code() == 4001);
    }
    CHECK(srv.proc().err().find("wrong") == std::string::npos);  // tokens never logged
    CHECK(srv.proc().err().find("alice-secret") == std::string::npos);
    auto m = http_request(srv.port(), "GET", "/metrics", "", {"Authorization: Bearer viewer-secret"});
    CHECK_THAT(m.body, Catch::Contains("rt_auth_failures_total 2"));
}

TEST_CASE("rights limit subscriptions, publishing and filters", "[serve][auth]") {
    rt_server srv({"--tokens", write_tokens()});
    auto alice = connect_ws(srv.ws_url("token=alice-secret"));
    CHECK(subscribe(*alice, "AllTasks")["code"] == "FORBIDDEN");
    CHECK(subscribe(*alice, "TaskUpdates", json::object(), "nofilter")["code"] == "FORBIDDEN");
    CHECK(subscribe(*alice, "TaskUpdates", {{"board", "b9"}}, "b9")["code"] == "FORBIDDEN");
    CHECK(subscribe(*alice, "TaskUpdates", {{"board", "b2"}}, "b2")["type"] == "subscribed");
    CHECK(publish(*alice, "Task", "insert", task("t1", "todo", "b2"))["type"] == "published");
    CHECK(publish(*alice, "User", "insert", {{"name", "x"}}, "u")["code"] == "FORBIDDEN");
    CHECK(next_of_type(*alice, "event")["data"]["id"] == "t1");

    auto viewer = connect_ws(srv.ws_url("token=viewer-secret"));
    CHECK(subscribe(*viewer, "AllTasks")["type"] == "subscribed");
    CHECK(publish(*viewer, "Task", "insert", task("t2", "todo"))["code"] == "FORBIDDEN");
}

TEST_CASE("REST needs a bearer token when tokens are configured", "[serve][auth][rest]") {
    rt_server srv({"--tokens", write_tokens()});
    CHECK(http_request(srv.port(), "GET", "/api/Task").status == 401);
    CHECK(http_request(srv.port(), "GET", "/api/Task", "", {"Authorization: Bearer nope"}).status == 401);
    CHECK(http_request(srv.port(), "GET", "/healthz").status == 200);
    CHECK(http_request(srv.port(), "GET", "/api/Task", "", {"Authorization: Bearer viewer-secret"}).status == 200);
    CHECK(http_request(srv.port(), "POST", "/api/Task", task("t1", "todo").dump(),
                       {"Authorization: Bearer viewer-secret", "Content-Type: application/json"}).status == 403);
    CHECK(http_request(srv.port(), "POST", "/api/Task", task("t1", "todo").dump(),
                       {"Authorization: Bearer alice-secret", "Content-Type: application/json"}).status == 201);
}

TEST_CASE("a non-loopback address without tokens is refused at start", "[serve][auth]") {
    auto r = run_rt({"serve", "--spec", kanban_spec_path(), "--listen", "0.0.0.0:0"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("needs --tokens"));
}

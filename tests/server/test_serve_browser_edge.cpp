// The edge a browser or a script meets (issue 11, findings 9 and 10): the Origin allowlist on the
// upgrade and on HTTP, JSON-only REST mutations, one mutation budget for REST and WebSocket, the
// auth scheme in any case, and client text escaped in log lines.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helpdesk.hpp"

using namespace rt::test;

namespace {

// Sends a WebSocket upgrade with an Origin header; returns the HTTP status line's code (101 on
// success). Reads only the response head, so an accepted upgrade does not block.
int edge_upgrade_status(int port, const std::string& origin) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        close(fd);
        return 0;
    }
    std::string req = "GET /live HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                      "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Sec-WebSocket-Version: 13\r\n" + (origin.empty() ? "" : "Origin: " + origin + "\r\n") + "\r\n";
    ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
    std::string resp;
    char buf[1024];
    while (resp.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        resp.append(buf, static_cast<std::size_t>(n));
    }
    close(fd);
    auto sp = resp.find(' ');
    return sp == std::string::npos ? 0 : std::atoi(resp.c_str() + sp + 1);
}

const std::string edge_json_ct = "Content-Type: application/json";

}  // namespace

TEST_CASE("finding 9: a foreign Origin is refused on the WebSocket upgrade and on REST, with a log line", "[serve][origin]") {
    rt_server srv({}, rights_helpdesk_spec());  // development mode: the default allowlist
    const std::string own = "http://127.0.0.1:" + std::to_string(srv.port());
    CHECK(edge_upgrade_status(srv.port(), "https://evil.example") == 403);
    CHECK(edge_upgrade_status(srv.port(), "null") == 403);
    CHECK(edge_upgrade_status(srv.port(), "") == 101);  // not a browser
    CHECK(edge_upgrade_status(srv.port(), "http://localhost:3000") == 101);
    CHECK(edge_upgrade_status(srv.port(), own) == 101);

    auto get = http_request(srv.port(), "GET", "/api/Ticket", "", {"Origin: https://evil.example"});
    CHECK(get.status == 403);
    auto post = http_request(srv.port(), "POST", "/api/Ticket", ticket("T1", "A").dump(), {"Origin: https://evil.example", edge_json_ct});
    CHECK(post.status == 403);
    CHECK(http_request(srv.port(), "GET", "/api/Ticket/T1").status == 404);  // nothing was written
    CHECK(http_request(srv.port(), "GET", "/api/Ticket", "", {"Origin: http://127.0.0.1:5173"}).status == 200);
    REQUIRE(srv.proc().wait_for_output("Origin 'https://evil.example' is not in --allowed-origins", k_wait));
}

TEST_CASE("the --allowed-origins flag replaces the default allowlist", "[serve][origin]") {
    rt_server srv({"--allowed-origins", "https://app.example.com, http://tools.example:*"}, rights_helpdesk_spec());
    CHECK(edge_upgrade_status(srv.port(), "https://app.example.com") == 101);
    CHECK(edge_upgrade_status(srv.port(), "HTTPS://APP.EXAMPLE.COM") == 101);
    CHECK(edge_upgrade_status(srv.port(), "http://tools.example:8443") == 101);
    CHECK(edge_upgrade_status(srv.port(), "http://localhost:3000") == 403);
    auto bad = run_rt({"serve", "--spec", rights_helpdesk_spec(), "--allowed-origins", "app.example.com", "--listen", "127.0.0.1:0"});
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.err, Catch::Contains("'app.example.com' is not an origin pattern"));
}

TEST_CASE("finding 9: REST mutations need Content-Type application/json", "[serve][rest]") {
    rt_server srv({}, rights_helpdesk_spec());
    auto plain = http_request(srv.port(), "POST", "/api/Ticket", ticket("T1", "A").dump(), {"Content-Type: text/plain"});
    CHECK(plain.status == 415);
    CHECK_THAT(plain.body, Catch::Contains("application/json"));
    CHECK(http_request(srv.port(), "POST", "/api/Ticket", ticket("T1", "A").dump()).status == 415);  // none
    CHECK(http_request(srv.port(), "GET", "/api/Ticket/T1").status == 404);
    CHECK(http_request(srv.port(), "POST", "/api/Ticket", ticket("T1", "A").dump(),
                       {"Content-Type: application/json; charset=utf-8"}).status == 201);
    CHECK(http_request(srv.port(), "PATCH", "/api/Ticket/T1", R"({"priority":1})", {"Content-Type: text/plain"}).status == 415);
    CHECK(http_request(srv.port(), "DELETE", "/api/Ticket/T1", "", {"Content-Type: text/plain"}).status == 415);
    CHECK(http_request(srv.port(), "DELETE", "/api/Ticket/T1").status == 200);
}

TEST_CASE("finding 10: a REST insert flood is rate-limited", "[serve][rest][limits]") {
    rt_server srv({"--rate-limit", "5", "--rate-burst", "10"}, rights_helpdesk_spec());
    int created = 0, limited = 0;
    for (int i = 0; i < 40; ++i) {
        auto r = http_request(srv.port(), "POST", "/api/Ticket", ticket("F" + std::to_string(i), "A").dump(), {edge_json_ct});
        if (r.status == 201) ++created;
        if (r.status == 429) {
            ++limited;
            CHECK_THAT(r.body, Catch::Contains("RATE_LIMITED"));
        }
    }
    CHECK(limited > 0);
    CHECK(created >= 10);
    CHECK(created < 40);
}

TEST_CASE("finding 10: REST mutations and WebSocket publishes of one token share one budget", "[serve][rest][limits]") {
    auto srv = helpdesk_server({"--rate-limit", "0.1", "--rate-burst", "5"});  // no refill within the test
    for (int i = 0; i < 5; ++i)
        REQUIRE(http_request(srv.port(), "POST", "/api/Ticket", ticket("S" + std::to_string(i), "A").dump(),
                             {rights_bearer("tok-sup"), edge_json_ct}).status == 201);
    auto sup = connect_ws(srv.ws_url("token=tok-sup"));  // a new connection: its own message budget is full
    json r = publish(*sup, "Ticket", "insert", ticket("S9", "A"));
    CHECK(r["code"] == "RATE_LIMITED");
    CHECK(http_request(srv.port(), "POST", "/api/Ticket", ticket("S10", "A").dump(), {rights_bearer("tok-sup"), edge_json_ct}).status == 429);
    // Another token has its own budget.
    CHECK(http_request(srv.port(), "POST", "/api/Ticket", ticket("A1", "A").dump(), {rights_bearer("tok-alice"), edge_json_ct}).status == 201);
}

TEST_CASE("finding 10: the Authorization scheme is matched case-insensitively", "[serve][auth]") {
    auto srv = helpdesk_server();
    for (std::string scheme : {"Bearer", "bearer", "BEARER"})
        CHECK(http_request(srv.port(), "GET", "/api/Ticket", "", {"Authorization: " + scheme + " tok-sup"}).status == 200);
    CHECK(http_request(srv.port(), "GET", "/api/Ticket", "", {"Authorization: Basic tok-sup"}).status == 401);
}

TEST_CASE("finding 10: a newline in ?user= cannot forge a log line", "[serve][log]") {
    rt_server srv({"--log-level", "debug"}, rights_helpdesk_spec());
    auto c = connect_ws(srv.ws_url("user=mallory%0A00:00:00.000Z%20warn%20%20forged"));
    REQUIRE(request(*c, {{"id", "p"}, {"type", "ping"}})["type"] == "pong");
    REQUIRE(srv.proc().wait_for_output("user=mallory\\x0a00:00:00.000Z warn  forged", k_wait));
    CHECK(srv.proc().err().find("\n00:00:00.000Z warn  forged") == std::string::npos);
}

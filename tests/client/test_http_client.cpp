// The blocking HTTP client's pure parts (chaos' REST publisher, loadgen's GETs): base URLs and whole responses.
#include <catch2/catch.hpp>

#include <string>

#include "client/http_client.hpp"
#include "client/http_message.hpp"

using namespace rt::client;

TEST_CASE("http client: base URLs", "[chaos][rest]") {
    auto u = parse_http_url("http://127.0.0.1:8080/api/");
    REQUIRE(u.ok());
    CHECK(u->host == "127.0.0.1");
    CHECK(u->port == 8080);
    CHECK(u->path == "/api");  // trailing '/' dropped: paths are appended as "/Task"

    auto root = parse_http_url("http://localhost");
    REQUIRE(root.ok());
    CHECK(root->port == 80);
    CHECK(root->path.empty());
    CHECK_FALSE(root->secure);

    auto tls = parse_http_url("https://127.0.0.1/api");
    REQUIRE(tls.ok());
    CHECK(tls->port == 443);
    CHECK(tls->secure);

    struct row {
        const char* text;
        const char* what;
    };
    const row bad[] = {
        {"ws://127.0.0.1:8080/api", "not an http:// URL"},
        {"ftp://127.0.0.1/api", "not an http:// URL"},
        {"http://127.0.0.1:0/api", "bad port"},
        {"http://127.0.0.1:99999/api", "bad port"},
        {"http://127.0.0.1:/api", "bad port"},
        {"http://api.example.com/api", "IPv4 address or localhost"},
        {"http://127.0.0.1/api?x=1", "no query"},
    };
    for (const auto& b : bad) {
        INFO(b.text);
        auto r = parse_http_url(b.text);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error(), Catch::Contains(b.what));
    }
}

TEST_CASE("http client: whole responses", "[chaos][rest]") {
    auto created = parse_response("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n"
                                  "{\"id\":\"t\"}\nextra");
    REQUIRE(created.ok());
    CHECK(created->status == 201);
    CHECK(created->content_type == "application/json");
    CHECK(created->body == "{\"id\":\"t\"}\n");  // cut to Content-Length

    auto until_close = parse_response("HTTP/1.0 400 Bad Request\r\n\r\n{\"error\":\"BAD_REQUEST\"}");
    REQUIRE(until_close.ok());
    CHECK(until_close->status == 400);
    CHECK(until_close->body == "{\"error\":\"BAD_REQUEST\"}");

    struct row {
        const char* text;
        const char* what;
    };
    const row bad[] = {
        {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", "incomplete response head"},
        {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", "cut short"},
        {"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\nab", "malformed Content-Length"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n", "Transfer-Encoding"},
        {"HTTP/1.1 2x0 OK\r\n\r\n", "malformed status line"},
        {"SMTP 220\r\n\r\n", "malformed status line"},
        {"HTTP/1.1 200 OK\r\nno colon\r\n\r\n", "malformed header"},
    };
    for (const auto& b : bad) {
        INFO(b.text);
        auto r = parse_response(b.text);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error(), Catch::Contains(b.what));
    }
}

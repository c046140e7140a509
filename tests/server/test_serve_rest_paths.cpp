// REST paths against a real `rt serve` on scenarios/helpdesk.spec (issue 12, fuzz findings
// http-slash-id and http-plus-in-path, now seeds in tests/fuzz/corpus/http/): the path is split at
// `/` before each segment is percent-decoded, so an id holding `/` is reachable as %2F; `+` is a
// plus in a path and a space only in the query string.
#include <algorithm>
#include <cctype>

#include "support/ws_helpers.hpp"

using namespace rt::test;

namespace {

const std::vector<std::string> rest_paths_json{"Content-Type: application/json"};

std::string rest_paths_helpdesk() { return std::string(RT_SOURCE_DIR) + "/scenarios/helpdesk.spec"; }

json rest_paths_ticket(const std::string& id) {
    return {{"id", id}, {"subject", "printer jam"}, {"status", "new"}, {"priority", "normal"}};
}

// The row's id from a response body ("" when it is not a row).
std::string rest_paths_id(const http_reply& r) {
    json j = json::parse(r.body, nullptr, false);
    return j.is_object() ? j.value("id", "") : "";
}

void rest_paths_insert(int port, const std::string& id) {
    auto r = http_request(port, "POST", "/api/Ticket", rest_paths_ticket(id).dump(), rest_paths_json);
    INFO(r.body);
    REQUIRE(r.status == 201);
    REQUIRE(rest_paths_id(r) == id);
}

}  // namespace

TEST_CASE("fuzz finding http-slash-id: a row whose id holds '/' is read, changed and deleted with the slash percent-encoded", "[serve][rest]") {
    rt_server srv({}, rest_paths_helpdesk());
    const int port = srv.port();
    rest_paths_insert(port, "acme/42");
    rest_paths_insert(port, "50%2F50");  // an id that is itself percent-encoded text

    // The old server decoded the whole path before splitting it: all three were 404 "no such endpoint".
    auto get = http_request(port, "GET", "/api/Ticket/acme%2F42");
    CHECK(get.status == 200);
    CHECK(rest_paths_id(get) == "acme/42");
    CHECK(rest_paths_id(http_request(port, "GET", "/api/Ticket/acme%2f42")) == "acme/42");  // either hex case
    auto patch = http_request(port, "PATCH", "/api/Ticket/acme%2F42", R"({"status":"open"})", rest_paths_json);
    CHECK(patch.status == 200);
    CHECK_THAT(patch.body, Catch::Contains("\"status\":\"open\""));

    // Decoded once: %252F is the text "%2F", not a slash.
    auto literal = http_request(port, "GET", "/api/Ticket/50%252F50");
    CHECK(literal.status == 200);
    CHECK(rest_paths_id(literal) == "50%2F50");
    auto other = http_request(port, "GET", "/api/Ticket/50%2F50");  // the id "50/50": no such row
    CHECK(other.status == 404);
    CHECK_THAT(other.body, Catch::Contains("50/50"));

    // A raw slash still separates segments: /api/Ticket/acme/42 is no endpoint.
    auto raw = http_request(port, "GET", "/api/Ticket/acme/42");
    CHECK(raw.status == 404);
    CHECK_THAT(raw.body, Catch::Contains("no such endpoint"));

    auto del = http_request(port, "DELETE", "/api/Ticket/acme%2F42");
    CHECK(del.status == 200);
    CHECK(rest_paths_id(del) == "acme/42");
    CHECK(http_request(port, "GET", "/api/Ticket/acme%2F42").status == 404);
    CHECK(srv.stop() == 0);
}

TEST_CASE("fuzz finding http-plus-in-path: '+' in a REST path is a plus, in the query string a space", "[serve][rest]") {
    rt_server srv({}, rest_paths_helpdesk());
    const int port = srv.port();
    rest_paths_insert(port, "a+b");
    rest_paths_insert(port, "a b");

    // The old server looked up "a b" for /api/Ticket/a+b.
    auto plus = http_request(port, "GET", "/api/Ticket/a+b");
    CHECK(plus.status == 200);
    CHECK(rest_paths_id(plus) == "a+b");
    CHECK(rest_paths_id(http_request(port, "GET", "/api/Ticket/a%2Bb")) == "a+b");
    CHECK(rest_paths_id(http_request(port, "GET", "/api/Ticket/a%20b")) == "a b");

    // A query is form-encoded: after=a+b is the id "a b", so the page starts at "a+b" ('+' > ' ').
    auto page = http_request(port, "GET", "/api/Ticket?limit=1&after=a+b");
    REQUIRE(page.status == 200);
    json rows = json::parse(page.body);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0]["id"] == "a+b");

    auto del = http_request(port, "DELETE", "/api/Ticket/a+b");
    CHECK(del.status == 200);
    CHECK(rest_paths_id(del) == "a+b");
    CHECK(http_request(port, "GET", "/api/Ticket/a+b").status == 404);
    CHECK(http_request(port, "GET", "/api/Ticket/a%20b").status == 200);  // the other row is untouched
    CHECK(srv.stop() == 0);
}

TEST_CASE("every plain HTTP answer says Connection: close, since the server closes after it", "[serve][rest]") {
    // An HTTP/1.1 client keeps a connection the server does not say it closes, and its next
    // request then races the close ("other side closed" from Node's fetch after a pause).
    rt_server srv({}, rest_paths_helpdesk());
    auto has_close = [](const http_reply& r) {
        std::string h = r.headers;
        std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return std::tolower(c); });
        return h.find("connection: close") != std::string::npos;
    };
    rest_paths_insert(srv.port(), "T1");
    CHECK(has_close(http_request(srv.port(), "GET", "/api/Ticket/T1")));                          // a row
    CHECK(has_close(http_request(srv.port(), "GET", "/api/Ticket/nope")));                        // 404
    CHECK(has_close(http_request(srv.port(), "POST", "/api/Ticket", "{", rest_paths_json)));      // 400
    CHECK(has_close(http_request(srv.port(), "GET", "/healthz")));
    CHECK(has_close(http_request(srv.port(), "OPTIONS", "/api/Ticket", "", {"Origin: http://localhost:3000"})));
    CHECK(has_close(http_request(srv.port(), "GET", "/api/Ticket", "", {"Origin: http://evil.example"})));  // refused Origin
}

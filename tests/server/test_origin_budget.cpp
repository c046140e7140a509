// Pure edge policies of the server: the Origin allowlist, the shared change budget, the
// Content-Type rule and log escaping. No sockets.
#include <catch2/catch.hpp>

#include "server/http_api.hpp"
#include "server/log.hpp"
#include "server/mutation_budget.hpp"
#include "server/origin_policy.hpp"

using namespace rt::server;

TEST_CASE("origin policy: the default allows loopback origins and the server's own only", "[origin]") {
    auto p = origin_policy::local_default("http://10.1.2.3:8080");
    struct row { const char* origin; bool allowed; };
    for (const auto& r : std::vector<row>{
             {"", true},  // no Origin: not a browser page
             {"http://localhost:3000", true}, {"http://localhost", true}, {"HTTP://LOCALHOST:5173", true},
             {"http://127.0.0.1:8080", true}, {"http://[::1]:9000", true}, {"http://10.1.2.3:8080", true},
             {"http://10.1.2.3:8081", false}, {"https://localhost:3000", false}, {"https://evil.example", false},
             {"null", false}, {"http://localhost.evil.example", false}, {"http://127.0.0.1.evil:80", false},
         }) {
        INFO(r.origin);
        CHECK(p.allows(r.origin) == r.allowed);
    }
}

TEST_CASE("origin policy: patterns parse, or name what is wrong", "[origin]") {
    auto p = origin_policy::parse({"https://app.example.com", "http://tools.example:*", "http://x.example:81"});
    REQUIRE(p.ok());
    CHECK(p->allows("https://app.example.com"));
    CHECK_FALSE(p->allows("https://app.example.com:8443"));
    CHECK(p->allows("http://tools.example:1"));
    CHECK(p->allows("http://x.example:81"));
    CHECK_FALSE(p->allows("http://x.example:82"));
    CHECK(origin_policy::parse({"*"})->allows("https://anything.example"));
    for (const char* bad : {"app.example.com", "http://", "http://h:port", "http://h/path"}) {
        auto e = origin_policy::parse({bad});
        INFO(bad);
        REQUIRE_FALSE(e.ok());
        CHECK_THAT(e.error(), Catch::Contains("is not an origin pattern"));
    }
}

TEST_CASE("mutation budget: one bucket per key, refilled over time, swept when full", "[limits]") {
    mutation_budget b(10, 3);  // 10/s, bursts of 3
    auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
    for (int i = 0; i < 3; ++i) CHECK(b.try_take("token:a", t0));
    CHECK_FALSE(b.try_take("token:a", t0));
    CHECK(b.try_take("token:b", t0));  // another key, its own budget
    CHECK(b.try_take("token:a", t0 + std::chrono::milliseconds(100)));  // one refilled
    CHECK(b.size() == 2);
    b.sweep(t0 + std::chrono::seconds(10));
    CHECK(b.size() == 0);
}

TEST_CASE("REST content type: application/json with parameters, in any case", "[rest]") {
    CHECK(is_json_content_type("application/json"));
    CHECK(is_json_content_type("Application/JSON; charset=utf-8"));
    CHECK(is_json_content_type(" application/json ;charset=utf-8"));
    CHECK_FALSE(is_json_content_type(""));
    CHECK_FALSE(is_json_content_type("text/plain"));
    CHECK_FALSE(is_json_content_type("application/jsonx"));
    CHECK_FALSE(is_json_content_type("multipart/form-data; boundary=x"));
}

TEST_CASE("log text: control characters and backslashes are escaped, long text cut", "[log]") {
    CHECK(log_text("alice") == "alice");
    CHECK(log_text("a\nb") == "a\\x0ab");
    CHECK(log_text("a\\x0ab") == "a\\x5cx0ab");
    CHECK(log_text("\x1b[31mred") == "\\x1b[31mred");
    CHECK(log_text(std::string(200, 'x')).size() == 131);
}

// `rt serve --broker` URLs (protocol/broker_url.*).
#include <catch2/catch.hpp>

#include "protocol/broker_url.hpp"

using rt::proto::parse_broker_url;

TEST_CASE("broker url: the accepted forms", "[broker-url]") {
    struct ok_case {
        const char* text;
        const char* host;
        int port, db;
    };
    for (const auto& c : {ok_case{"redis://127.0.0.1:6380", "127.0.0.1", 6380, 0}, ok_case{"redis://localhost", "localhost", 6379, 0},
                          ok_case{"redis://[::1]:7000/2", "::1", 7000, 2}, ok_case{"redis://h:1/15", "h", 1, 15},
                          ok_case{"redis://h:1/", "h", 1, 0}}) {
        INFO(c.text);
        auto u = parse_broker_url(c.text);
        REQUIRE(u.ok());
        CHECK(u->host == c.host);
        CHECK(u->port == c.port);
        CHECK(u->db == c.db);
    }
    CHECK(rt::proto::to_string(*parse_broker_url("redis://[::1]:7000/2")) == "redis://[::1]:7000/2");
}

TEST_CASE("broker url: refusals name what was wrong", "[broker-url]") {
    struct bad_case {
        const char* text;
        const char* reason;
    };
    for (const auto& c : {bad_case{"127.0.0.1:6379", "no scheme"}, bad_case{"http://h:1", "the scheme must be redis://"},
                          bad_case{"redis://:6379", "missing host"}, bad_case{"redis://h:99999", "port"},
                          bad_case{"redis://h:0", "port 0"}, bad_case{"redis://h:1/16", "0-15"}, bad_case{"redis://h:1/x", "0-15"},
                          bad_case{"redis://u:p@h:1", "password"}, bad_case{"redis://h:1?db=2", "query"}}) {
        INFO(c.text);
        auto u = parse_broker_url(c.text);
        REQUIRE_FALSE(u.ok());
        CHECK_THAT(u.error(), Catch::Contains(c.reason));
        CHECK_THAT(u.error(), Catch::Contains("expected redis://HOST:PORT[/DB]"));
    }
}

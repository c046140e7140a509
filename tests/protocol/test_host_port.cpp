#include <catch2/catch.hpp>

#include <string>

#include "protocol/host_port.hpp"

using rt::proto::parse_host_port;

TEST_CASE("host_port: good addresses and what each parses to", "[host_port]") {
    struct row {
        const char* text;
        const char* host;
        unsigned port;
        const char* back;  // to_string of the result
    };
    const row rows[] = {
        {"127.0.0.1:9001", "127.0.0.1", 9001, "127.0.0.1:9001"},
        {"localhost:0", "localhost", 0, "localhost:0"},
        {"[::1]:8080", "::1", 8080, "[::1]:8080"},
        {"[fe80::1%eth0]:1", "fe80::1%eth0", 1, "[fe80::1%eth0]:1"},
        {":8080", "", 8080, ":8080"},
        {"0.0.0.0:65535", "0.0.0.0", 65535, "0.0.0.0:65535"},
        {"h:00080", "h", 80, "h:80"},
    };
    for (const auto& r : rows) {
        INFO(r.text);
        auto hp = parse_host_port(r.text);
        REQUIRE(hp.ok());
        CHECK(hp->host == r.host);
        CHECK(hp->port == r.port);
        CHECK(to_string(*hp) == r.back);
    }
}

TEST_CASE("host_port: a default port applies only when none is written", "[host_port]") {
    auto plain = parse_host_port("example.com", std::uint16_t{80});
    REQUIRE(plain.ok());
    CHECK(plain->host == "example.com");
    CHECK(plain->port == 80);
    auto v6 = parse_host_port("[::1]", std::uint16_t{80});
    REQUIRE(v6.ok());
    CHECK(v6->host == "::1");
    CHECK(v6->port == 80);
    auto written = parse_host_port("example.com:9", std::uint16_t{80});
    REQUIRE(written.ok());
    CHECK(written->port == 9);
    CHECK_FALSE(parse_host_port("example.com:", std::uint16_t{80}).ok());  // an empty port is no port
}

TEST_CASE("host_port: bad addresses say why, without repeating the text", "[host_port]") {
    struct row {
        const char* text;
        const char* why;
    };
    const row rows[] = {
        {"127.0.0.1", "missing port"},
        {"", "missing port"},
        {"127.0.0.1:", "empty port"},
        {"1.2.3.4:8o", "port must be a number"},
        {"h:-1", "port must be a number"},
        {"h: 80", "port must be a number"},
        {"h:65536", "port out of range 0-65535"},
        {"h:99999999999999999999", "port out of range 0-65535"},
        {"[::1:80", "unterminated [IPv6] host"},
        {"[::1]80", "unexpected text after ]"},
    };
    for (const auto& r : rows) {
        INFO(r.text);
        auto hp = parse_host_port(r.text);
        REQUIRE_FALSE(hp.ok());
        CHECK(hp.error() == r.why);
    }
}

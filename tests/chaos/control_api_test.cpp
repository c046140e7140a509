#include <catch2/catch.hpp>

#include "chaos/control_api.hpp"
#include "chaos/host_port.hpp"
#include "loopback.hpp"

using namespace rt::chaos;
using namespace rt::chaos::test;

namespace {

struct http_reply {
    int status = 0;
    nlohmann::json body;
};

// One request over a fresh connection; the server closes after answering.
http_reply http(const tcp::endpoint& ep, const std::string& method, const std::string& path, const std::string& body = "",
                const std::string& content_type = "application/json") {
    test_client c(ep);
    REQUIRE_FALSE(c.connect_ec);
    std::string req = method + " " + path + " HTTP/1.1\r\nHost: test\r\n";
    if (!body.empty()) req += "Content-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n" + body;
    REQUIRE_FALSE(c.send(req));
    auto r = c.read_to_end();
    REQUIRE_FALSE(r.ec);
    http_reply out;
    REQUIRE(r.data.rfind("HTTP/1.1 ", 0) == 0);
    out.status = std::stoi(r.data.substr(9, 3));
    auto split = r.data.find("\r\n\r\n");
    REQUIRE(split != std::string::npos);
    out.body = nlohmann::json::parse(r.data.substr(split + 4), nullptr, false);
    REQUIRE_FALSE(out.body.is_discarded());
    return out;
}

}  // namespace

TEST_CASE("http request heads parse", "[chaos][control]") {
    auto r = rt::client::parse_request_head("POST /faults?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length:  12 \r\n\r\n");
    REQUIRE(r.ok());
    CHECK(r->method == "POST");
    CHECK(r->path == "/faults");
    CHECK(r->headers.at("host") == "a");
    CHECK(rt::client::content_length(*r) == std::size_t{12});
    CHECK_FALSE(rt::client::parse_request_head("GARBAGE\r\n\r\n").ok());
    CHECK_FALSE(rt::client::parse_request_head("GET / HTTP/1.1\r\nno colon here\r\n\r\n").ok());
    auto bad_len = rt::client::parse_request_head("GET / HTTP/1.1\r\nContent-Length: -3\r\n\r\n");
    REQUIRE(bad_len.ok());
    CHECK_FALSE(rt::client::content_length(*bad_len).has_value());
    CHECK(rt::client::serialize(rt::client::json_response(404, {{"error", "x"}})).rfind("HTTP/1.1 404 Not Found\r\n", 0) == 0);
}

TEST_CASE("fault JSON form", "[chaos][control]") {
    auto c = parse_fault_json({{"fault", "latency 200ms jitter 20ms"}, {"direction", "down"}, {"fraction", 0.5}});
    REQUIRE(c.ok());
    CHECK(c->f.dir == direction::down);
    CHECK(c->f.fraction == 0.5);
    CHECK(c->f.jitter_ms.count() == 20);
    struct row { nlohmann::json j; const char* must_mention; };
    for (const auto& r : {row{nlohmann::json::array(), "object"}, row{{{"fault", 3}}, "\"fault\""},
                          row{{{"fault", "blackhole"}, {"direction", "left"}}, "\"left\""},
                          row{{{"fault", "blackhole"}, {"fraction", 2}}, "\"fraction\""},
                          row{{{"fault", "reset"}, {"direction", "up"}}, "does not apply"},
                          row{{{"fault", "blackhole"}, {"colour", "red"}}, "\"colour\""},
                          row{{{"fault", "warp 9"}}, "\"warp\""}}) {
        INFO(r.j.dump());
        auto bad = parse_fault_json(r.j);
        REQUIRE_FALSE(bad.ok());
        CHECK_THAT(bad.error(), Catch::Contains(r.must_mention));
    }
}

TEST_CASE("host:port parsing", "[chaos][control]") {
    auto a = parse_host_port("127.0.0.1:9001");
    REQUIRE(a.ok());
    CHECK(a->port() == 9001);
    CHECK(to_string(*a) == "127.0.0.1:9001");
    CHECK(to_string(*parse_host_port("[::1]:0")) == "[::1]:0");
    CHECK(to_string(*parse_host_port("localhost:8080")) == "127.0.0.1:8080");
    for (const char* bad : {"127.0.0.1", ":80", "127.0.0.1:", "127.0.0.1:99999", "example.com:80", "1.2.3.4:8o"}) {
        INFO(bad);
        auto r = parse_host_port(bad);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error(), Catch::Contains(bad));
    }
}

TEST_CASE("control API round trip", "[chaos][control]") {
    echo_server echo;
    fault_proxy_config cfg;
    cfg.upstream = echo.endpoint();
    fault_proxy proxy(cfg);
    std::error_code ec;
    proxy.start(ec);
    REQUIRE_FALSE(ec);
    control_api api(proxy, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    api.start(ec);
    REQUIRE_FALSE(ec);
    auto ep = api.local_endpoint();

    auto empty = http(ep, "GET", "/faults");
    CHECK(empty.status == 200);
    CHECK(empty.body["faults"].empty());

    auto set = http(ep, "POST", "/faults", R"({"fault":"latency 200ms jitter 20ms","direction":"down","fraction":0.5})");
    CHECK(set.status == 200);
    CHECK(set.body["applied"] == "latency 200ms jitter 20ms down fraction 0.5");

    auto text = http(ep, "POST", "/faults", "blackhole up\n", "text/plain");
    CHECK(text.status == 200);

    auto list = http(ep, "GET", "/faults");
    REQUIRE(list.body["faults"].size() == 2);
    CHECK(list.body["faults"][0]["fault"] == "latency");
    CHECK(list.body["faults"][0]["direction"] == "down");
    CHECK(list.body["faults"][0]["fraction"] == 0.5);
    CHECK(list.body["faults"][0]["latency_ms"] == 200);
    CHECK(list.body["faults"][1]["fault"] == "blackhole");
    CHECK(proxy.list_faults() == list.body["faults"]);

    auto bad = http(ep, "POST", "/faults", "latency soon", "text/plain");
    CHECK(bad.status == 400);
    CHECK_THAT(bad.body["error"].get<std::string>(), Catch::Contains("soon"));
    auto bad_json = http(ep, "POST", "/faults", "{\"fault\":");
    CHECK(bad_json.status == 400);
    CHECK_THAT(bad_json.body["error"].get<std::string>(), Catch::Contains("JSON"));
    auto bad_dir = http(ep, "POST", "/faults", R"({"fault":"blackhole","direction":"sideways"})");
    CHECK(bad_dir.status == 400);
    CHECK_THAT(bad_dir.body["error"].get<std::string>(), Catch::Contains("sideways"));
    CHECK(http(ep, "POST", "/faults").status == 400);  // empty body
    CHECK(http(ep, "GET", "/faults").body["faults"].size() == 2);  // bad requests changed nothing

    auto healed = http(ep, "DELETE", "/faults");
    CHECK(healed.status == 200);
    CHECK(proxy.list_faults().empty());
    CHECK(http(ep, "POST", "/faults", R"({"fault":"refuse"})").status == 200);
    CHECK(http(ep, "POST", "/faults", "heal", "text/plain").status == 200);
    CHECK(proxy.list_faults().empty());

    test_client c(proxy.local_endpoint());
    REQUIRE_FALSE(c.send("x"));
    CHECK(c.read_exactly(1).data == "x");
    auto stats = http(ep, "GET", "/stats");
    CHECK(stats.status == 200);
    CHECK(stats.body["connections_accepted"] == 1);
    CHECK(stats.body["bytes_up"] == 1);

    CHECK(http(ep, "GET", "/nope").status == 404);
    CHECK(http(ep, "PUT", "/faults").status == 405);
    CHECK(http(ep, "DELETE", "/stats").status == 405);
}

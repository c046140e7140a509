// Limits and bad input: oversized frames, too many subscriptions, rate limits, malformed messages.
#include "support/ws_helpers.hpp"

using namespace rt::test;

TEST_CASE("a frame over --max-frame closes with 1009", "[serve][limits]") {
    rt_server srv({"--max-frame", "1KiB"});
    auto c = connect_ws(srv.ws_url());
    std::string big = R"({"type":"ping","timestamp":1,"pad":")" + std::string(2000, 'x') + "\"}";
    REQUIRE_FALSE(c->send(big));
    REQUIRE(c->wait_closed(k_wait));
    CHECK(c->close_code() == 1009);
}

TEST_CASE("the subscription limit per connection answers TOO_MANY_SUBSCRIPTIONS", "[serve][limits]") {
    rt_server srv({"--max-subscriptions", "2"});
    auto c = connect_ws(srv.ws_url());
    CHECK(subscribe(*c, "AllTasks", json::object(), "a")["type"] == "subscribed");
    CHECK(subscribe(*c, "TaskUpdates", json::object(), "b")["type"] == "subscribed");
    CHECK(subscribe(*c, "TaskDetail", {{"id", "t1"}}, "c")["code"] == "TOO_MANY_SUBSCRIPTIONS");
    // Resubscribing to one it holds replaces it, not counted twice.
    CHECK(subscribe(*c, "TaskUpdates", {{"board", "b1"}}, "d")["type"] == "subscribed");
}

TEST_CASE("the rate limit answers RATE_LIMITED and persistent abuse closes with 1008", "[serve][limits]") {
    rt_server srv({"--rate-limit", "5", "--rate-burst", "5", "--abuse-close-after", "20"});
    auto c = connect_ws(srv.ws_url());
    for (int i = 0; i < 40; ++i) c->send(json{{"type", "ping"}, {"timestamp", i}}.dump());
    json e = next_of_type(*c, "error");
    CHECK(e["code"] == "RATE_LIMITED");
    REQUIRE(c->wait_closed(k_wait));
    CHECK(c->close_code() == 1008);
    auto m = http_request(srv.port(), "GET", "/metrics");
    CHECK_THAT(m.body, Catch::Contains("rt_abuse_disconnects_total 1"));
}

TEST_CASE("malformed messages get errors, the connection stays usable, others are unaffected", "[serve][limits]") {
    rt_server srv;
    auto bad = connect_ws(srv.ws_url());
    auto good = connect_ws(srv.ws_url());
    REQUIRE(subscribe(*good, "AllTasks")["type"] == "subscribed");
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"not json", "BAD_REQUEST"},
        {"[]", "BAD_REQUEST"},
        {R"({"type":"subscribe","subscription":"AllTasks","filter":{"priority":"x"}})", "INVALID_FILTER"},
        {R"({"type":"subscribe","subscription":"Nope"})", "UNKNOWN_SUBSCRIPTION"},
        {R"({"type":"publish","entity":"Task","operation":"insert","data":{"priority":1.5}})", "BAD_REQUEST"},
        {R"({"type":"publish","entity":"Task","operation":"insert","data":{"surprise":1}})", "BAD_REQUEST"},
        {R"({"type":"publish","entity":"Task","operation":"delete","data":{"id":"ghost"}})", "NOT_FOUND"},
        {R"({"type":"warp"})", "BAD_REQUEST"},
    };
    for (const auto& [text, code] : cases) {
        INFO(text);
        REQUIRE_FALSE(bad->send(text));
        json e = next_of_type(*bad, "error");
        CHECK(e["code"] == code);
        CHECK_FALSE(e["message"].get<std::string>().empty());
    }
    // Still usable, and the well-behaved client got what it should: one event.
    CHECK(publish(*bad, "Task", "insert", task("t1", "todo"))["type"] == "published");
    json ev = next_of_type(*good, "event");
    CHECK(ev["data"]["id"] == "t1");
    CHECK(ev["seq"] == 1);
    CHECK(good->pending() == 0);
}

// protocol/sse_events.*: what a GET /sse request asks for and the event text it gets, without a
// server (the integration tests are tests/server/test_serve_sse.cpp).
#include <catch2/catch.hpp>

#include "protocol/sse_events.hpp"

using namespace rt::proto;

namespace {
using sse_query = std::map<std::string, std::string>;
}  // namespace

TEST_CASE("sse ids: EPOCH:SEQ both ways, and what is refused", "[sse]") {
    CHECK(sse_event_id({"9f2c", 41}) == "9f2c:41");
    auto p = parse_sse_event_id("9f2c:41", "since");
    REQUIRE(p);
    CHECK(*p == stream_position{"9f2c", 41});
    auto colon_in_epoch = parse_sse_event_id("a:b:7", "since");  // the seq follows the last ':'
    REQUIRE(colon_in_epoch);
    CHECK(*colon_in_epoch == stream_position{"a:b", 7});
    for (const char* bad : {"", "41", ":41", "9f2c:", "9f2c:x1", "9f2c:-1", "9f2c:99999999999999999999"}) {
        INFO(bad);
        auto r = parse_sse_event_id(bad, "Last-Event-ID");
        REQUIRE_FALSE(r);
        CHECK(r.error().code == error_code::bad_request);
        CHECK(r.error().field == "Last-Event-ID");
    }
}

TEST_CASE("sse request: the query and Last-Event-ID become the subscribe a WebSocket client would send", "[sse]") {
    const decode_limits limits;
    auto plain = sse_subscribe_request({{"subscription", "TeamOpen"}, {"token", "t"}, {"_", "123"}}, "", limits);
    REQUIRE(plain);
    CHECK(plain->subscription == "TeamOpen");
    CHECK(plain->filter == json::object());
    CHECK_FALSE(plain->since);

    auto full = sse_subscribe_request({{"subscription", "TeamOpen"}, {"filter", R"({"team":"A"})"}, {"since", "e:3"}}, "", limits);
    REQUIRE(full);
    CHECK(full->filter == json{{"team", "A"}});
    CHECK(full->since == stream_position{"e", 3});

    // The browser's own Last-Event-ID wins over the URL's since (EventSource keeps the URL it started with).
    auto header = sse_subscribe_request({{"subscription", "TeamOpen"}, {"since", "e:3"}}, "e:9", limits);
    REQUIRE(header);
    CHECK(header->since == stream_position{"e", 9});
}

TEST_CASE("sse request: refusals carry the WebSocket codec's codes and name the field", "[sse]") {
    const decode_limits limits;
    struct row {
        sse_query query;
        std::string last_event_id;
        std::string field;
    };
    const std::string deep = std::string(40, '[') + std::string(40, ']');
    const std::vector<row> rows{
        {{}, "", "subscription"},                                               // missing
        {{{"subscription", ""}}, "", "subscription"},                           // empty name
        {{{"subscription", std::string(300, 'x')}}, "", "subscription"},        // over max_name_bytes
        {{{"subscription", "S"}, {"filter", "{team"}}, "", "filter"},            // not JSON
        {{{"subscription", "S"}, {"filter", "[1]"}}, "", "filter"},              // not an object
        {{{"subscription", "S"}, {"filter", "{\"a\":" + deep + "}"}}, "", "filter"},  // deeper than max_depth
        {{{"subscription", "S"}, {"since", "nope"}}, "", "since"},
        {{{"subscription", "S"}}, "e:x", "Last-Event-ID"},
        {{{"subscription", "S"}}, std::string(300, 'e') + ":1", "since.epoch"},  // the codec's own limit
    };
    for (const auto& r : rows) {
        INFO("field " << r.field);
        auto out = sse_subscribe_request(r.query, r.last_event_id, limits);
        REQUIRE_FALSE(out);
        CHECK(out.error().code == error_code::bad_request);
        CHECK(out.error().field == r.field);
    }
}

TEST_CASE("sse text: events, comments, the preamble and the end event", "[sse]") {
    CHECK(sse_event("change", "e:2", R"({"a":1})") == "event: change\nid: e:2\ndata: {\"a\":1}\n\n");
    CHECK(sse_event("x", "", "one\ntwo\r\nthree") == "event: x\ndata: one\ndata: two\ndata: three\n\n");
    CHECK(sse_comment("ping") == ": ping\n\n");
    CHECK(sse_preamble() == "retry: 2000\n\n");
    CHECK(sse_end_event(1001, "server shutting down") ==
          "event: error\ndata: {\"error\":\"GOING_AWAY\",\"code\":1001,\"message\":\"server shutting down\"}\n\n");
    CHECK(sse_end_event(4002, "token expired").find("\"error\":\"TOKEN_EXPIRED\"") != std::string::npos);
    CHECK(sse_end_event(1008, "slow consumer").find("\"error\":\"POLICY_VIOLATION\"") != std::string::npos);
}

TEST_CASE("sse text: server frames become snapshot, resumed and change events with their ids", "[sse]") {
    subscribed_msg fresh{"TeamOpen", {"e", 5}, false, json::array({{{"id", "T1"}}})};
    const std::string snap_frame = encode_subscribed(nullptr, fresh);
    auto snap = sse_from_frame(snap_frame, std::nullopt);
    REQUIRE(snap);
    CHECK(*snap == "event: snapshot\nid: e:5\ndata: " + snap_frame + "\n\n");

    subscribed_msg resumed{"TeamOpen", {"e", 9}, true, json::array()};
    const std::string res_frame = encode_subscribed(nullptr, resumed);
    auto res = sse_from_frame(res_frame, stream_position{"e", 6});
    REQUIRE(res);
    CHECK(*res == "event: resumed\nid: e:6\ndata: " + res_frame + "\n\n");  // the id resumed from, not the top

    const std::string ev = encode_event("TeamOpen", operation::update, R"({"id":"T1"})", {"e", 6}, 123);
    const std::string want = "event: change\nid: e:6\ndata: " + ev + "\n\n";
    CHECK(sse_from_frame(ev, std::nullopt) == want);
    CHECK(sse_change(ev) == want);
    // An epoch the scanner will not read (an escape): the codec's answer is the same.
    const std::string escaped = encode_event("TeamOpen", operation::update, R"({"id":"T1"})", {"e\"x", 6}, 123);
    auto slow = sse_change(escaped);
    REQUIRE(slow);
    CHECK(slow->find("id: e\"x:6\n") != std::string::npos);

    CHECK_FALSE(sse_from_frame(encode_pong(nullptr, 1), std::nullopt));
    CHECK_FALSE(sse_change(snap_frame));
    CHECK_FALSE(sse_change("not json"));
}

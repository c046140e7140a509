// Wire protocol v1 codec: round-trips for every message and a table of malformed client input.
#include <catch2/catch.hpp>

#include <random>

#include "protocol/messages.hpp"

using namespace rt::proto;
using json = nlohmann::json;

namespace {

client_message roundtrip(const client_message& m) {
    auto text = encode_client(m);
    auto back = decode_client(text);
    INFO(text);
    REQUIRE(back.ok());
    return back.value();
}

server_message roundtrip(const server_message& m) {
    auto text = encode_server(m);
    INFO(text);
    json parsed = json::parse(text, nullptr, false);
    REQUIRE_FALSE(parsed.is_discarded());
    auto back = decode_server(text);
    REQUIRE(back.ok());
    return back.value();
}

}  // namespace

TEST_CASE("client messages round-trip through the codec", "[messages]") {
    SECTION("subscribe with filter and since") {
        client_message m{json("s1"), subscribe_msg{"TaskUpdates", {{"board", "b7"}}, stream_position{"9f2c", 41}, {}}};
        auto b = std::get<subscribe_msg>(roundtrip(m).body);
        CHECK(b.subscription == "TaskUpdates");
        CHECK(b.filter == json{{"board", "b7"}});
        REQUIRE(b.since);
        CHECK(*b.since == stream_position{"9f2c", 41});
    }
    SECTION("subscribe without filter") {
        auto r = roundtrip(client_message{json(7), subscribe_msg{"AllTasks", json::object(), std::nullopt, {}}});
        CHECK(r.id == json(7));
        auto b = std::get<subscribe_msg>(r.body);
        CHECK(b.filter == json::object());
        CHECK_FALSE(b.since);
    }
    SECTION("unsubscribe") {
        auto b = std::get<unsubscribe_msg>(roundtrip(client_message{nullptr, unsubscribe_msg{"TaskUpdates", {}}}).body);
        CHECK(b.subscription == "TaskUpdates");
    }
    SECTION("publish, each operation") {
        for (auto op : {operation::insert, operation::update, operation::remove}) {
            json data = {{"id", "t1"}, {"title", "x"}};
            auto b = std::get<publish_msg>(roundtrip(client_message{nullptr, publish_msg{"Task", op, data}}).body);
            CHECK(b.entity == "Task");
            CHECK(b.op == op);
            CHECK(b.data == data);
        }
    }
    SECTION("presence join and leave") {
        auto j = std::get<presence_msg>(
            roundtrip(client_message{nullptr, presence_msg{presence_action::join, "board:1", {{"color", "red"}}}}).body);
        CHECK(j.action == presence_action::join);
        CHECK(j.resource == "board:1");
        CHECK(j.meta == json{{"color", "red"}});
        auto l = std::get<presence_msg>(roundtrip(client_message{nullptr, presence_msg{presence_action::leave, "board:1", {}}}).body);
        CHECK(l.action == presence_action::leave);
    }
    SECTION("ping") {
        auto p = std::get<ping_msg>(roundtrip(client_message{json("x"), ping_msg{1732230000000}}).body);
        CHECK(p.timestamp == 1732230000000);
    }
}

TEST_CASE("sid: a client-named subscription round-trips and is echoed", "[messages][sid]") {
    auto s = std::get<subscribe_msg>(roundtrip(client_message{json("a"), subscribe_msg{"TicketDetail", {{"id", "X1"}}, std::nullopt, "left"}}).body);
    CHECK(s.sid == "left");
    auto u = decode_client(R"({"type":"unsubscribe","sid":"left"})");
    REQUIRE(u.ok());
    CHECK(std::get<unsubscribe_msg>(u->body).sid == "left");
    CHECK(std::get<unsubscribe_msg>(u->body).subscription.empty());
    auto none = decode_client(R"({"type":"unsubscribe"})");
    REQUIRE_FALSE(none.ok());
    CHECK_THAT(none.error().error.message, Catch::Contains("'subscription' (or 'sid')"));
    CHECK_FALSE(decode_client(R"({"type":"subscribe","subscription":"S","sid":""})").ok());
    CHECK_FALSE(decode_client(R"({"type":"subscribe","subscription":"S","sid":7})").ok());

    subscribed_msg sm{"TicketDetail", {"e", 1}, false, json::array(), "left"};
    CHECK(std::get<subscribed_msg>(roundtrip(server_message{nullptr, sm}).body).sid == "left");
    event_msg em{"TicketDetail", operation::update, {{"id", "X1"}}, {"e", 2}, 5, "le\"ft"};
    CHECK(std::get<event_msg>(roundtrip(server_message{nullptr, em}).body).sid == "le\"ft");
    CHECK(std::get<unsubscribed_msg>(roundtrip(server_message{nullptr, unsubscribed_msg{"S", "left"}}).body).sid == "left");
    // The shared frame, with the sid spliced in, is exactly the frame encoded with it.
    std::string plain = encode_event("TicketDetail", operation::update, R"({"id":"X1"})", {"e", 2}, 5);
    CHECK(event_with_sid(plain, "le\"ft") == encode_event("TicketDetail", operation::update, R"({"id":"X1"})", {"e", 2}, 5, "le\"ft"));
    CHECK(event_with_sid(plain, "") == plain);
    CHECK_FALSE(json::parse(plain).contains("sid"));
}

TEST_CASE("throttle: a subscribe's window round-trips, and subscribed echoes it", "[messages][throttle]") {
    auto d = decode_client(R"({"type":"subscribe","subscription":"S","throttle":"1.5s"})");
    REQUIRE(d.ok());
    CHECK(std::get<subscribe_msg>(d->body).throttle_ms == 1500);
    subscribe_msg m{"S", json::object(), std::nullopt, ""};
    m.throttle_ms = 250;
    CHECK(std::get<subscribe_msg>(roundtrip(client_message{json(1), m}).body).throttle_ms == 250);
    CHECK_FALSE(std::get<subscribe_msg>(decode_client(R"({"type":"subscribe","subscription":"S"})")->body).throttle_ms);
    subscribed_msg sm{"S", {"e", 1}, false, json::array(), ""};
    sm.throttle_ms = 100;
    std::string text = encode_subscribed(nullptr, sm);
    CHECK(json::parse(text)["throttle"] == "100ms");
    CHECK(std::get<subscribed_msg>(roundtrip(server_message{nullptr, sm}).body).throttle_ms == 100);
    sm.throttle_ms = 0;
    CHECK_FALSE(json::parse(encode_subscribed(nullptr, sm)).contains("throttle"));
}

TEST_CASE("batch: a subscribe's flag round-trips, subscribed echoes it, ill-typed is refused naming it", "[messages][batch]") {
    auto d = decode_client(R"({"type":"subscribe","subscription":"S","throttle":"100ms","batch":true})");
    REQUIRE(d.ok());
    CHECK(std::get<subscribe_msg>(d->body).batch);
    CHECK_FALSE(std::get<subscribe_msg>(decode_client(R"({"type":"subscribe","subscription":"S","batch":null})")->body).batch);
    subscribe_msg m{"S", json::object(), std::nullopt, ""};
    m.throttle_ms = 100;
    m.batch = true;
    std::string text = encode_client(client_message{json(1), m});
    CHECK(json::parse(text)["batch"] == true);
    CHECK(std::get<subscribe_msg>(roundtrip(client_message{json(1), m}).body).batch);
    for (const char* bad : {R"({"type":"subscribe","subscription":"S","batch":"yes"})",
                            R"({"type":"subscribe","subscription":"S","batch":1})"}) {
        auto r = decode_client(bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().error.code == error_code::bad_request);
        CHECK_THAT(r.error().error.message, Catch::Contains("'batch'"));
    }
    subscribed_msg sm{"S", {"e", 1}, false, json::array(), ""};
    sm.throttle_ms = 100;
    sm.batch = true;
    CHECK(json::parse(encode_subscribed(nullptr, sm))["batch"] == true);
    CHECK(std::get<subscribed_msg>(roundtrip(server_message{nullptr, sm}).body).batch);
    sm.batch = false;
    CHECK_FALSE(json::parse(encode_subscribed(nullptr, sm)).contains("batch"));
}

TEST_CASE("events: a batched window's frame encodes, splices a sid, and decodes into full events", "[messages][batch]") {
    const std::string row1 = R"({"id":"c1","x":5})", row2 = R"({"id":"c2"})";
    std::vector<batch_item> items{{operation::update, row1, 7, 1000}, {operation::remove, row2, 8, 1002}};
    std::string text = encode_events("Cursors", "g1", items);
    CHECK(text == R"({"type":"events","subscription":"Cursors","epoch":"g1","events":[)"
                  R"({"operation":"update","data":{"id":"c1","x":5},"seq":7,"ts":1000},)"
                  R"({"operation":"delete","data":{"id":"c2"},"seq":8,"ts":1002}]})");
    std::string with_sid = event_with_sid(text, "pane");
    CHECK(with_sid == encode_events("Cursors", "g1", items, "pane"));
    CHECK(with_sid.rfind(R"({"type":"events","sid":"pane","subscription":)", 0) == 0);
    auto back = decode_server(with_sid);
    REQUIRE(back.ok());
    const auto& b = std::get<events_msg>(back->body);
    CHECK(b.subscription == "Cursors");
    CHECK(b.sid == "pane");
    REQUIRE(b.events.size() == 2);
    CHECK(b.events[0].op == operation::update);
    CHECK(b.events[0].data == json::parse(row1));
    CHECK(b.events[0].position == stream_position{"g1", 7});
    CHECK(b.events[0].ts_ms == 1000);
    CHECK(b.events[0].sid == "pane");
    CHECK(b.events[0].subscription == "Cursors");
    CHECK(b.events[1].op == operation::remove);
    CHECK(b.events[1].position.seq == 8);
    CHECK(encode_server(*back) == with_sid);
    CHECK_FALSE(is_unknown_server_type(text));
    for (const char* bad : {R"({"type":"events","subscription":"S","epoch":"e"})",
                            R"({"type":"events","subscription":"S","events":[]})",
                            R"({"type":"events","epoch":"e","events":[]})",
                            R"({"type":"events","subscription":"S","epoch":"e","events":[1]})",
                            R"({"type":"events","subscription":"S","epoch":"e","events":[{"operation":"move","data":{},"seq":1}]})",
                            R"({"type":"events","subscription":"S","epoch":"e","events":[{"operation":"update","data":{},"seq":-1}]})",
                            R"({"type":"events","subscription":"S","epoch":"e","events":[{"operation":"update","seq":1}]})"}) {
        INFO(bad);
        CHECK_FALSE(decode_server(bad).ok());
    }
}

TEST_CASE("server messages round-trip through the codec", "[messages]") {
    SECTION("subscribed with initial rows") {
        subscribed_msg m{"TaskUpdates", {"9f2c", 57}, false, json::array({{{"id", "t1"}}}), {}};
        auto r = roundtrip(server_message{json(3), m});
        CHECK(r.id == json(3));
        auto b = std::get<subscribed_msg>(r.body);
        CHECK(b.subscription == "TaskUpdates");
        CHECK(b.position == stream_position{"9f2c", 57});
        CHECK_FALSE(b.recovered);
        CHECK(b.initial.size() == 1);
    }
    SECTION("subscribed recovered carries no initial") {
        auto text = encode_subscribed(nullptr, subscribed_msg{"S", {"e", 3}, true, json::array(), {}});
        CHECK(json::parse(text).contains("initial") == false);
        CHECK(std::get<subscribed_msg>(roundtrip(server_message{nullptr, subscribed_msg{"S", {"e", 3}, true, {}, {}}}).body).recovered);
    }
    SECTION("event, each operation, with escaping") {
        for (auto op : {operation::insert, operation::update, operation::remove}) {
            event_msg m{"Task\"Updates", op, {{"id", "t\n1"}, {"title", "é \"q\""}}, {"ep", 58}, 1732230000123, {}};
            auto b = std::get<event_msg>(roundtrip(server_message{nullptr, m}).body);
            CHECK(b.subscription == m.subscription);
            CHECK(b.op == op);
            CHECK(b.data == m.data);
            CHECK(b.position == m.position);
            CHECK(b.ts_ms == m.ts_ms);
        }
    }
    SECTION("unsubscribed, published, presence, pong, error") {
        CHECK(std::get<unsubscribed_msg>(roundtrip(server_message{nullptr, unsubscribed_msg{"S", {}}}).body).subscription == "S");
        auto p = std::get<published_msg>(roundtrip(server_message{json("a"), published_msg{"Task", {{"id", "t1"}}}}).body);
        CHECK(p.entity == "Task");
        CHECK(p.data == json{{"id", "t1"}});
        auto pr = std::get<presence_state_msg>(
            roundtrip(server_message{nullptr, presence_state_msg{"board:1", {{"u1", {{"c", 1}}}, {"u2", json::object()}}}}).body);
        REQUIRE(pr.users.size() == 2);
        CHECK(pr.users[0].id == "u1");
        CHECK(pr.users[0].meta == json{{"c", 1}});
        CHECK(std::get<pong_msg>(roundtrip(server_message{nullptr, pong_msg{42}}).body).timestamp == 42);
        for (auto code : {error_code::auth_required, error_code::forbidden, error_code::invalid_filter,
                          error_code::rate_limited, error_code::bad_request, error_code::unknown_subscription,
                          error_code::too_many_subscriptions, error_code::not_found}) {
            auto e = std::get<error_msg>(roundtrip(server_message{json(1), error_msg{{code, "why \"quoted\""}}}).body);
            CHECK(e.error.code == code);
            CHECK(e.error.message == "why \"quoted\"");
        }
    }
}

TEST_CASE("spec reload messages: spec_changed and the reasons of an unasked subscribed or unsubscribed", "[messages][reload]") {
    spec_changed_msg sc{"3f2a", {"Added"}, {"Changed1", "Changed2"}, {"Gone"}};
    std::string text = encode_spec_changed(sc);
    CHECK(text == R"({"type":"spec_changed","version":"3f2a","added":["Added"],"changed":["Changed1","Changed2"],"removed":["Gone"]})");
    auto back = decode_server(text);
    REQUIRE(back.ok());
    const auto& b = std::get<spec_changed_msg>(back->body);
    CHECK(b.version == "3f2a");
    CHECK(b.added == std::vector<std::string>{"Added"});
    CHECK(b.changed == std::vector<std::string>{"Changed1", "Changed2"});
    CHECK(b.removed == std::vector<std::string>{"Gone"});
    CHECK(encode_server(*back) == text);
    CHECK_FALSE(is_unknown_server_type(text));
    // Empty lists are written (a client reads three arrays), and absent ones decode as empty.
    CHECK(encode_spec_changed({"v", {}, {}, {}}) == R"({"type":"spec_changed","version":"v","added":[],"changed":[],"removed":[]})");
    REQUIRE(decode_server(R"({"type":"spec_changed","version":"v"})").ok());
    CHECK_FALSE(decode_server(R"({"type":"spec_changed"})").ok());
    CHECK_FALSE(decode_server(R"({"type":"spec_changed","version":"v","changed":"S"})").ok());
    CHECK_FALSE(decode_server(R"({"type":"spec_changed","version":"v","removed":[1]})").ok());

    subscribed_msg sm{"S", {"e2", 0}, false, json::array({{{"id", "a"}}})};
    sm.reason = "spec_changed";
    std::string st = encode_subscribed(nullptr, sm);
    CHECK(json::parse(st)["reason"] == "spec_changed");
    CHECK(std::get<subscribed_msg>(decode_server(st)->body).reason == "spec_changed");
    CHECK_FALSE(json::parse(encode_subscribed(1, subscribed_msg{"S", {"e", 0}})).contains("reason"));

    std::string ut = encode_unsubscribed(nullptr, "S", "left", "spec_changed");
    CHECK(ut == R"({"type":"unsubscribed","subscription":"S","sid":"left","reason":"spec_changed"})");
    CHECK(std::get<unsubscribed_msg>(decode_server(ut)->body).reason == "spec_changed");
    CHECK(encode_unsubscribed(6, "S") == R"({"id":6,"type":"unsubscribed","subscription":"S"})");
}

TEST_CASE("error codes map to the wire and back", "[messages]") {
    CHECK(to_wire(error_code::too_many_subscriptions) == "TOO_MANY_SUBSCRIPTIONS");
    CHECK(error_code_from_wire("NOT_FOUND") == error_code::not_found);
    CHECK_FALSE(error_code_from_wire("NOPE"));
}

TEST_CASE("malformed client messages get BAD_REQUEST naming the problem", "[messages]") {
    struct bad_case {
        const char* input;
        const char* message_part;
    };
    const std::string big(70 * 1024, 'x');
    const std::string oversized = R"({"type":"ping","pad":")" + big + "\"}";
    const std::string long_name = R"({"type":"subscribe","subscription":")" + std::string(300, 'a') + "\"}";
    std::string deep;
    for (int i = 0; i < 40; ++i) deep += "{\"a\":";
    deep += "1";
    for (int i = 0; i < 40; ++i) deep += "}";
    const std::vector<bad_case> cases = {
        {"", "not valid JSON"},
        {"hello", "not valid JSON"},
        {"{\"type\":\"ping\"", "not valid JSON"},
        {"[1,2]", "must be a JSON object"},
        {"42", "must be a JSON object"},
        {"\"subscribe\"", "must be a JSON object"},
        {"null", "must be a JSON object"},
        {"{}", "missing field 'type'"},
        {R"({"type":5})", "field 'type' must be a string"},
        {R"({"type":"dance"})", "unknown type 'dance'"},
        {R"({"type":"subscribe"})", "missing field 'subscription'"},
        {R"({"type":"subscribe","subscription":7})", "field 'subscription' must be a string"},
        {R"({"type":"subscribe","subscription":""})", "must not be empty"},
        {R"({"type":"subscribe","subscription":"S","filter":[1]})", "field 'filter' must be an object"},
        {R"({"type":"subscribe","subscription":"S","filter":"x"})", "field 'filter' must be an object"},
        {R"({"type":"subscribe","subscription":"S","since":5})", "field 'since' must be an object"},
        {R"({"type":"subscribe","subscription":"S","since":{"seq":1}})", "missing field 'since.epoch'"},
        {R"({"type":"subscribe","subscription":"S","since":{"epoch":"e"}})", "missing field 'since.seq'"},
        {R"({"type":"subscribe","subscription":"S","since":{"epoch":"e","seq":-1}})", "since.seq' must be a non-negative integer"},
        {R"({"type":"subscribe","subscription":"S","since":{"epoch":"e","seq":"1"}})", "since.seq' must be a non-negative integer"},
        {R"({"type":"subscribe","subscription":"S","since":{"epoch":1,"seq":1}})", "since.epoch' must be a string"},
        {R"({"type":"subscribe","subscription":"S","since":{"epoch":"e","seq":1,"x":2}})", "unknown field 'since.x'"},
        {R"({"type":"subscribe","subscription":"S","extra":true})", "unknown field 'extra' in subscribe"},
        {R"({"type":"subscribe","subscription":"S","throttle":250})", "field 'throttle' must be a duration string like \"250ms\", got an integer"},
        {R"({"type":"subscribe","subscription":"S","throttle":"5ms"})", "field 'throttle': throttle '5ms' is outside 10ms..60s"},
        {R"({"type":"subscribe","subscription":"S","throttle":"61s"})", "throttle '61s' is outside 10ms..60s"},
        {R"({"type":"subscribe","subscription":"S","throttle":"fast"})", "field 'throttle': "},
        {R"({"type":"unsubscribe"})", "missing field 'subscription'"},
        {R"({"type":"publish","entity":"Task","operation":"insert"})", "missing field 'data'"},
        {R"({"type":"publish","operation":"insert","data":{}})", "missing field 'entity'"},
        {R"({"type":"publish","entity":"Task","operation":"upsert","data":{}})", "must be insert, update or delete"},
        {R"({"type":"publish","entity":"Task","operation":"insert","data":[]})", "field 'data' must be an object"},
        {R"({"type":"publish","entity":"Task","operation":"update","data":{"title":"x"}})", "'data.id' is required for update"},
        {R"({"type":"publish","entity":"Task","operation":"delete","data":{"id":5}})", "'data.id' must be a string"},
        {R"({"type":"presence","action":"wave","resource":"r"})", "must be join or leave"},
        {R"({"type":"presence","action":"join"})", "missing field 'resource'"},
        {R"({"type":"presence","action":"join","resource":"r","meta":3})", "field 'meta' must be an object"},
        {R"({"type":"ping","timestamp":"now"})", "field 'timestamp' must be an integer"},
        {R"({"type":"ping","id":{"a":1}})", "field 'id' must be a string or an integer"},
        {R"({"type":"ping","id":[1]})", "field 'id' must be a string or an integer"},
        {oversized.c_str(), "bytes; the limit is"},
        {long_name.c_str(), "longer than 256 bytes"},
        {deep.c_str(), "nests deeper than"},
    };
    REQUIRE(cases.size() >= 30);
    for (const auto& c : cases) {
        INFO("input: " << std::string(c.input).substr(0, 120));
        auto r = decode_client(c.input);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().error.code == error_code::bad_request);
        CHECK_THAT(r.error().error.message, Catch::Contains(c.message_part));
    }
}

TEST_CASE("a decode error carries the client's id when it could be read", "[messages]") {
    auto r = decode_client(R"({"id":"q1","type":"nope"})");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().id == json("q1"));
    auto e = encode_error(r.error().id, r.error().error.code, r.error().error.message);
    CHECK(json::parse(e)["id"] == "q1");
}

TEST_CASE("random and truncated input never crashes the decoder", "[messages][fuzz]") {
    const std::string good =
        R"({"id":"a","type":"subscribe","subscription":"TaskUpdates","filter":{"board":"b1"},"since":{"epoch":"e","seq":3}})";
    for (std::size_t n = 0; n < good.size(); ++n) {
        auto r = decode_client(good.substr(0, n));
        CHECK_FALSE(r.ok());
    }
    CHECK(decode_client(good).ok());
    std::mt19937 rng(12345);
    const std::string alphabet = "{}[]\":,0123456789abcdefghijklmnopqrstuvwxyz \\-.etruflsn";
    int ok = 0;
    for (int i = 0; i < 2000; ++i) {
        std::string s;
        int len = static_cast<int>(rng() % 64);
        for (int k = 0; k < len; ++k) s.push_back(alphabet[rng() % alphabet.size()]);
        auto r = decode_client(s);
        if (r.ok()) ++ok;
        else CHECK_FALSE(r.error().error.message.empty());
    }
    CHECK(ok < 2000);
}

TEST_CASE("encode_event writes the documented fields", "[messages]") {
    auto text = encode_event("TaskUpdates", operation::remove, R"({"id":"t1"})", {"9f2c", 58}, 1732230000123);
    auto j = json::parse(text);
    CHECK(j["type"] == "event");
    CHECK(j["operation"] == "delete");
    CHECK(j["seq"] == 58);
    CHECK(j["epoch"] == "9f2c");
    CHECK(j["ts"] == 1732230000123);
    CHECK(j["data"]["id"] == "t1");
}

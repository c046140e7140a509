// The change message of --broker nodes (server/change_message.*): what the commit script wraps
// around the body the publishing node writes.
#include <catch2/catch.hpp>

#include "server/change_message.hpp"

using rt::server::change_slot;
using rt::server::decode_change_message;
using rt::server::encode_change_body;
using json = nlohmann::json;

TEST_CASE("change message: a body wrapped as the commit script does decodes back", "[change-message]") {
    std::vector<change_slot> slots{{"TaskUpdates\x1f{\"board\":\"b1\"}", rt::proto::operation::remove},
                                   {"TaskUpdates\x1f{\"board\":\"b2\"}", rt::proto::operation::insert},
                                   {"AllTasks\x1f{}", rt::proto::operation::update}};
    std::string body = encode_change_body("Task", "t1", R"({"id":"t1","board":"b1"})", R"({"id":"t1","board":"b2"})", 1234, slots);
    auto m = decode_change_message("17|ep1|e1:4,-,e3:9|" + body);
    REQUIRE(m.ok());
    CHECK(m->g == 17);
    CHECK(m->log_epoch == "ep1");
    CHECK(m->entity == "Task");
    CHECK(m->id == "t1");
    CHECK(m->ts_ms == 1234);
    REQUIRE(m->slots.size() == 3);
    CHECK(m->slots[0].stream_key == slots[0].stream_key);
    REQUIRE(m->assigned.size() == 3);
    CHECK(m->assigned[0].present);
    CHECK(m->assigned[0].pos.epoch == "e1");
    CHECK(m->assigned[0].pos.seq == 4);
    CHECK_FALSE(m->assigned[1].present);
    CHECK(m->assigned[2].pos.seq == 9);
    CHECK(json::parse(m->data_of(0))["board"] == "b1");  // a delete carries the row before
    CHECK(json::parse(m->data_of(2))["board"] == "b2");
}

TEST_CASE("change message: a delete has no row after, a change without slots no positions", "[change-message]") {
    auto m = decode_change_message("3|ep|" + std::string("|") + encode_change_body("Task", "t9", R"({"id":"t9"})", "", 5, {}));
    REQUIRE(m.ok());
    CHECK_FALSE(m->after.has_value());
    CHECK(m->after_json.empty());
    CHECK(m->slots.empty());
}

TEST_CASE("change message: broken messages are refused with a reason", "[change-message]") {
    std::string body = encode_change_body("Task", "t1", "", R"({"id":"t1"})", 1, {{"AllTasks\x1f{}", rt::proto::operation::insert}});
    struct bad_case {
        std::string text;
        std::string reason;
    };
    for (const auto& c : std::vector<bad_case>{{"no header", "header"},
                                               {"x|ep|e:1|" + body, "G is not a positive number"},
                                               {"0|ep|e:1|" + body, "G is not a positive number"},
                                               {"4|ep|e:1|{", "not a JSON object"},
                                               {"4|ep|e1|" + body, "EPOCH:SEQ"},
                                               {"4|ep|e:0|" + body, "EPOCH:SEQ"},
                                               {"4|ep||" + body, "one item per slot"},
                                               {"4|ep|e:1,e:2|" + body, "one item per slot"},
                                               {"4|ep|e:1|{\"e\":\"Task\"}", "lacks"}}) {
        INFO(c.text);
        auto m = decode_change_message(c.text);
        REQUIRE_FALSE(m.ok());
        CHECK_THAT(m.error(), Catch::Contains(c.reason));
    }
    auto order = rt::server::change_message_order("42|ep9|-|{}");
    REQUIRE(order);
    CHECK(order->first == 42);
    CHECK(order->second == "ep9");
    CHECK_FALSE(rt::server::change_message_order("nope"));
}

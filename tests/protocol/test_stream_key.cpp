// One stream key for the server and the chaos checker (protocol/stream_key.*).
#include <catch2/catch.hpp>

#include "protocol/stream_key.hpp"

using rt::proto::stream_key;
using rt::proto::stream_label;

TEST_CASE("stream keys name a subscription and its sorted filter", "[protocol][stream_key]") {
    // The server stores these in SQLite: the text must not change.
    CHECK(stream_key("TaskUpdates", {{"board", "b7"}}) == "TaskUpdates\x1f{\"board\":\"b7\"}");
    CHECK(stream_key("TaskUpdates", {{"b", 2}, {"a", 1}}) == stream_key("TaskUpdates", {{"a", 1}, {"b", 2}}));
    CHECK(stream_key("AllTasks", nlohmann::json::object()) == "AllTasks\x1f{}");
    CHECK(stream_key("AllTasks", nullptr) == stream_key("AllTasks", nlohmann::json::object()));
    CHECK(stream_key("A", {{"x", 1}}) != stream_key("A", {{"x", "1"}}));
}

TEST_CASE("stream labels drop the separator for people", "[protocol][stream_key]") {
    CHECK(stream_label(stream_key("TaskUpdates", {{"board", "b7"}})) == "TaskUpdates{\"board\":\"b7\"}");
    CHECK(stream_label(stream_key("AllTasks", nlohmann::json::object())) == "AllTasks{}");
    CHECK(stream_label("TaskUpdates{\"board\":\"b1\"}") == "TaskUpdates{\"board\":\"b1\"}");
}

TEST_CASE("stream keys split back into their subscription and filter", "[protocol][stream_key]") {
    const nlohmann::json filter = {{"board", "team-a/*"}, {"status", {"doing", "todo"}}};
    auto parts = rt::proto::split_stream_key(stream_key("Cards", filter));
    REQUIRE(parts);
    CHECK(parts->subscription == "Cards");
    CHECK(parts->filter == filter);
    CHECK(rt::proto::split_stream_key(stream_key("AllTasks", nullptr))->filter == nlohmann::json::object());
    CHECK_FALSE(rt::proto::split_stream_key("no separator"));
    CHECK_FALSE(rt::proto::split_stream_key("A\x1f[1,2]"));  // not an object
    CHECK_FALSE(rt::proto::split_stream_key("A\x1f{\"x\":"));  // not JSON
}

// The pipe messages of `rt loadgen --workers N` (protocol/worker_messages.*): every message
// encoded and decoded back unchanged, the exact line each makes, and malformed lines refused with
// an error naming what was wrong (stray output told apart from a broken message).
#include <catch2/catch.hpp>

#include <string>

#include "protocol/worker_messages.hpp"

namespace {

using namespace rt::proto;
using json = nlohmann::json;

}  // namespace

TEST_CASE("worker messages: worker to parent round-trips and keeps its wire form", "[worker_messages]") {
    const json payload = {{"subscribed", 12}, {"opened", 12}};
    const std::string arrived = encode_worker_message(worker_arrived{"connected", payload});
    CHECK(arrived == R"({"payload":{"opened":12,"subscribed":12},"type":"connected"})" "\n");
    auto a = decode_worker_message(arrived.substr(0, arrived.size() - 1));
    REQUIRE(a);
    REQUIRE(std::holds_alternative<worker_arrived>(*a));
    CHECK(std::get<worker_arrived>(*a).phase == "connected");
    CHECK(std::get<worker_arrived>(*a).payload == payload);

    const json report = {{"conns", {{"asked", 3}}}};
    auto r = decode_worker_message(R"({"type":"result","report":{"conns":{"asked":3}}})");
    REQUIRE(r);
    REQUIRE(std::holds_alternative<worker_result>(*r));
    CHECK(std::get<worker_result>(*r).report == report);
    CHECK(encode_worker_message(worker_result{report}) == R"({"report":{"conns":{"asked":3}},"type":"result"})" "\n");

    auto e = decode_worker_message(encode_worker_message(worker_error{"cannot reach the server"}));
    REQUIRE(e);
    REQUIRE(std::holds_alternative<worker_error>(*e));
    CHECK(std::get<worker_error>(*e).message == "cannot reach the server");
}

TEST_CASE("worker messages: parent to worker round-trips and keeps its wire form", "[worker_messages]") {
    const std::string go = encode_parent_message(parent_go{"published", {{"acked", {3, 4}}}});
    CHECK(go == R"({"payload":{"acked":[3,4]},"phase":"published","type":"go"})" "\n");
    auto g = decode_parent_message(go.substr(0, go.size() - 1));
    REQUIRE(g);
    REQUIRE(std::holds_alternative<parent_go>(*g));
    CHECK(std::get<parent_go>(*g).phase == "published");
    CHECK(std::get<parent_go>(*g).payload == json{{"acked", {3, 4}}});

    CHECK(encode_parent_message(parent_interrupt{}) == "{\"type\":\"interrupt\"}\n");
    auto i = decode_parent_message(R"({"type":"interrupt"})");
    REQUIRE(i);
    CHECK(std::holds_alternative<parent_interrupt>(*i));

    auto ab = decode_parent_message(encode_parent_message(parent_abort{"stopped by the parent: worker 1 failed"}));
    REQUIRE(ab);
    REQUIRE(std::holds_alternative<parent_abort>(*ab));
    CHECK(std::get<parent_abort>(*ab).message == "stopped by the parent: worker 1 failed");
}

TEST_CASE("worker messages: text that is not UTF-8 is encoded, not thrown on", "[worker_messages]") {
    const std::string line = encode_worker_message(worker_error{"bad \xff byte"});
    auto e = decode_worker_message(line.substr(0, line.size() - 1));
    REQUIRE(e);
    CHECK(std::get<worker_error>(*e).message == "bad \xEF\xBF\xBD byte");
}

TEST_CASE("worker messages: malformed lines are refused naming what was wrong", "[worker_messages]") {
    struct bad_line {
        std::string line;
        bool stray;
        std::string says;
    };
    const bad_line worker_side[] = {
        {"progress: 50%", true, "not JSON"},
        {"[1,2]", true, "not a JSON object"},
        {R"({"payload":{}})", true, "no string \"type\""},
        {R"({"type":7})", true, "no string \"type\""},
        {R"({"type":"connected"})", false, "'connected' message: \"payload\" missing or not an object"},
        {R"({"type":"connected","payload":null})", false, "'connected' message: \"payload\" missing or not an object"},
        {R"({"type":"result","report":[]})", false, "'result' message: \"report\" missing or not an object"},
        {R"({"type":"error","message":3})", false, "'error' message: \"message\" missing or not a string"},
        {R"({"type":"","payload":{}})", false, "\"type\" is empty"},
    };
    for (const auto& b : worker_side) {
        INFO(b.line);
        auto m = decode_worker_message(b.line);
        REQUIRE_FALSE(m);
        CHECK(m.error().stray == b.stray);
        CHECK(m.error().message == b.says);
    }
    const bad_line parent_side[] = {
        {"{\"type\":\"go\"", true, "not JSON"},
        {R"({"type":"connected","payload":{}})", false, "unknown type 'connected'"},
        {R"({"type":"go","payload":{}})", false, "'go' message: \"phase\" missing or not a string"},
        {R"({"type":"go","phase":"","payload":{}})", false, "'go' message: \"phase\" is empty"},
        {R"({"type":"go","phase":"drained"})", false, "'go' message: \"payload\" missing or not an object"},
        {R"({"type":"abort"})", false, "'abort' message: \"message\" missing or not a string"},
    };
    for (const auto& b : parent_side) {
        INFO(b.line);
        auto m = decode_parent_message(b.line);
        REQUIRE_FALSE(m);
        CHECK(m.error().stray == b.stray);
        CHECK(m.error().message == b.says);
    }
}

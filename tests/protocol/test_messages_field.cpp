// decode_client's errors name the field at fault in protocol_error::field (REST reports it as
// "field"; the wire's error message names it in its text).
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "protocol/messages.hpp"

using namespace rt::proto;

TEST_CASE("a decode error names its field", "[messages][field]") {
    struct row {
        const char* text;
        std::optional<std::string> field;  // nullopt: the message as a whole is wrong
    };
    const std::vector<row> rows = {
        {R"(not json)", std::nullopt},
        {R"([1,2])", std::nullopt},
        {R"({"id":[1],"type":"ping"})", "id"},
        {R"({"id":1})", "type"},
        {R"({"type":7})", "type"},
        {R"({"type":"shout"})", "type"},
        {R"({"type":"subscribe"})", "subscription"},
        {R"({"type":"subscribe","subscription":""})", "subscription"},
        {R"({"type":"subscribe","subscription":"S","colour":1})", "colour"},
        {R"({"type":"subscribe","subscription":"S","sid":3})", "sid"},
        {R"({"type":"subscribe","subscription":"S","filter":[1]})", "filter"},
        {R"({"type":"subscribe","subscription":"S","since":5})", "since"},
        {R"({"type":"subscribe","subscription":"S","throttle":"1ms"})", "throttle"},
        {R"({"type":"subscribe","subscription":"S","since":{"seq":1}})", "since.epoch"},
        {R"({"type":"subscribe","subscription":"S","since":{"epoch":"e","seq":-1}})", "since.seq"},
        {R"({"type":"subscribe","subscription":"S","since":{"epoch":"e","seq":1,"x":0}})", "since.x"},
        {R"({"type":"unsubscribe"})", "subscription"},
        {R"({"type":"publish","entity":"Task","operation":"upsert","data":{}})", "operation"},
        {R"({"type":"publish","entity":"Task","operation":"insert"})", "data"},
        {R"({"type":"publish","entity":"Task","operation":"update","data":{}})", "data.id"},
        {R"({"type":"publish","entity":"Task","operation":"delete","data":{"id":4}})", "data.id"},
        {R"({"type":"presence","action":"wave","resource":"r"})", "action"},
        {R"({"type":"presence","action":"join"})", "resource"},
        {R"({"type":"ping","timestamp":"now"})", "timestamp"},
    };
    for (const row& r : rows) {
        INFO(r.text);
        auto m = decode_client(r.text);
        REQUIRE_FALSE(m.ok());
        const protocol_error& e = m.error().error;
        CHECK(e.code == error_code::bad_request);
        CHECK(e.field == r.field);
        // The text still names the field, as the wire's error message always has.
        if (r.field) CHECK_THAT(e.message, Catch::Contains(*r.field));
    }
}

TEST_CASE("an unsubscribe without a name says 'or sid' and names the field", "[messages][field]") {
    auto u = decode_client(R"({"type":"unsubscribe"})");
    REQUIRE_FALSE(u.ok());
    CHECK_THAT(u.error().error.message, Catch::Contains("(or 'sid')"));
    CHECK(u.error().error.field == std::optional<std::string>("subscription"));
}

// Client filters: validation against a subscription and matching against rows.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "protocol/spec.hpp"
#include "support/spec_fixtures.hpp"

using namespace rt::spec;

TEST_CASE("spec: filter validation table", "[spec][filter]") {
    const app& a = rt::test::kanban_app();
    struct row {
        const char* subscription;
        const char* filter;   // JSON text; "" for an absent (null) filter
        std::vector<std::string> message;  // substrings of the error; empty: valid
    };
    const std::vector<row> rows = {
        {"TaskUpdates", "", {}},
        {"TaskUpdates", "null", {}},
        {"TaskUpdates", "{}", {}},
        {"TaskUpdates", R"({"board":"b1"})", {}},
        {"TaskUpdates", R"({"board":"b1","status":"todo"})", {}},
        {"TaskUpdates", R"({"priority":3})", {}},
        {"TaskUpdates", R"({"assignee":"u1"})", {}},
        {"TaskUpdates", R"({"assignee":null})", {}},
        {"TaskUpdates", R"({"id":"t1"})", {}},
        {"AllTasks", R"({"board":"b7"})", {}},
        {"TaskDetail", R"({"id":"t1"})", {}},
        {"TaskDetail", R"({"id":"t1","board":"b1"})", {}},
        {"TaskUpdates", R"({"nope":1})", {"unknown attribute \"nope\"", "entity Task has: id, title"}},
        {"AllTasks", R"({"Board":"b1"})", {"unknown attribute \"Board\""}},
        {"TaskUpdates", R"({"priority":"high"})", {"\"priority\"", "expected int, got string \"high\""}},
        {"TaskUpdates", R"({"priority":1.5})", {"\"priority\"", "expected int, got float 1.5"}},
        {"TaskUpdates", R"({"board":7})", {"\"board\"", "expected string, got int 7"}},
        {"TaskUpdates", R"({"status":"later"})", {"\"status\"", "expected one of \"todo\" | \"doing\" | \"done\""}},
        {"TaskUpdates", R"({"assignee":5})", {"\"assignee\"", "expected ref User"}},
        {"TaskUpdates", R"({"board":["b1","b2"]})", {}},
        {"TaskUpdates", R"({"board":{"eq":"b1"}})", {"\"board\"", "must be a scalar, a set (array) or a prefix pattern, got object"}},
        {"TaskUpdates", R"({"id":5})", {"\"id\"", "expected string"}},
        {"TaskUpdates", R"([])", {"filter must be a JSON object, got array"}},
        {"TaskUpdates", R"("b1")", {"filter must be a JSON object, got string"}},
        {"TaskUpdates", R"(3)", {"filter must be a JSON object"}},
        {"TaskDetail", "", {"TaskDetail is by id", "\"id\""}},
        {"TaskDetail", "{}", {"TaskDetail is by id"}},
        {"TaskDetail", R"({"board":"b1"})", {"TaskDetail is by id"}},
        {"TaskDetail", R"({"id":5})", {"\"id\"", "expected string, got int 5"}},
        {"TaskDetail", R"({"id":null})", {"\"id\"", "must be a string, got null"}},
    };
    for (const row& r : rows) {
        INFO(r.subscription << " filter " << r.filter);
        const subscription* s = a.find_subscription(r.subscription);
        REQUIRE(s);
        json filter = *r.filter ? json::parse(r.filter, nullptr, false) : json();
        REQUIRE_FALSE(filter.is_discarded());
        auto valid = validate_filter(a, *s, filter);
        if (r.message.empty()) {
            if (!valid) INFO("error: " << valid.error());
            CHECK(valid.ok());
            continue;
        }
        REQUIRE_FALSE(valid.ok());
        for (const std::string& want : r.message) CHECK_THAT(valid.error(), Catch::Contains(want));
    }
}

TEST_CASE("spec: filter matching table", "[spec][filter]") {
    struct row {
        const char* filter;
        const char* data;
        bool expected;
    };
    const std::vector<row> rows = {
        {"null", R"({"board":"b1"})", true},
        {"{}", R"({"board":"b1"})", true},
        {"{}", R"({})", true},
        {R"({"board":"b1"})", R"({"board":"b1","status":"todo"})", true},
        {R"({"board":"b1"})", R"({"board":"b2"})", false},
        {R"({"board":"b1"})", R"({})", false},
        {R"({"board":"b1","status":"todo"})", R"({"board":"b1","status":"todo"})", true},
        {R"({"board":"b1","status":"todo"})", R"({"board":"b1","status":"done"})", false},
        {R"({"priority":3})", R"({"priority":3.0})", true},
        {R"({"priority":3.0})", R"({"priority":3})", true},
        {R"({"priority":3})", R"({"priority":"3"})", false},
        {R"({"assignee":null})", R"({})", true},
        {R"({"assignee":null})", R"({"assignee":"u1"})", false},
        {R"({"id":"t1"})", R"({"id":"t1"})", true},
        {R"([])", R"({"board":"b1"})", false},
        {R"({"board":"b1"})", R"([])", false},
    };
    for (const row& r : rows) {
        INFO("filter " << r.filter << " row " << r.data);
        json filter = json::parse(r.filter, nullptr, false);
        json data = json::parse(r.data, nullptr, false);
        REQUIRE_FALSE(filter.is_discarded());
        REQUIRE_FALSE(data.is_discarded());
        CHECK(filter_matches(filter, data) == r.expected);
    }
}

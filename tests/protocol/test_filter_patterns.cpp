// Set and prefix filters: the escape rule, validation (errors name the attribute), matching.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "protocol/filter_term.hpp"
#include "protocol/spec.hpp"
#include "support/spec_fixtures.hpp"

using namespace rt::spec;

TEST_CASE("filter patterns: a trailing star is a prefix, a backslash before it makes it literal", "[filter]") {
    struct row { std::string raw; std::string text; bool prefix; };
    for (const auto& r : std::vector<row>{
             {"team-a/*", "team-a/", true},
             {"*", "", true},
             {"b1", "b1", false},
             {"a*b", "a*b", false},        // only a trailing star counts
             {"a\\*", "a*", false},        // \* : the value a*
             {"a\\\\*", "a\\", true},      // \\* : prefix a\ (two backslashes are one)
             {"a\\\\\\*", "a\\*", false},  // \\\* : the value a\*
             {"a**", "a*", true},
             {"a\\b", "a\\b", false},      // no trailing star: taken as written
         }) {
        INFO(r.raw);
        filter_text d = decode_filter_text(r.raw);
        CHECK(d.text == r.text);
        CHECK(d.prefix == r.prefix);
        // The one spelling of each meaning: encoding gives the raw text back.
        CHECK((r.prefix ? encode_filter_prefix(d.text) : encode_filter_literal(d.text)) == r.raw);
    }
}

TEST_CASE("filter patterns: validation accepts sets and prefixes where they make sense", "[filter]") {
    const app& a = rt::test::kanban_app();
    struct row { const char* subscription; const char* filter; std::vector<std::string> message; };
    const std::vector<row> rows = {
        {"TaskUpdates", R"({"status":["todo","doing"]})", {}},
        {"TaskUpdates", R"({"priority":[1,2,3]})", {}},
        {"TaskUpdates", R"({"assignee":["u1",null]})", {}},
        {"TaskUpdates", R"({"board":"team-a/*"})", {}},
        {"TaskUpdates", R"({"board":"*","status":["todo"]})", {}},
        {"TaskUpdates", R"({"assignee":"u*"})", {}},
        {"TaskUpdates", R"({"id":"t-*"})", {}},
        {"TaskUpdates", R"({"status":"do\\*"})", {"\"status\"", "expected one of"}},  // a literal value, not a member
        {"TaskUpdates", R"({"status":[]})", {"\"status\"", "empty set"}},
        {"TaskUpdates", R"({"status":["todo","later"]})", {"element 2 of the set for \"status\"", "expected one of"}},
        {"TaskUpdates", R"({"priority":[1,"2"]})", {"element 2 of the set for \"priority\"", "expected int, got string"}},
        {"TaskUpdates", R"({"board":[["b1"]]})", {"element 1 of the set for \"board\"", "must be a scalar, got array"}},
        {"TaskUpdates", R"({"board":["b*"]})", {"element 1 of the set for \"board\"", "prefix pattern"}},
        {"TaskUpdates", R"({"status":"do*"})", {"\"status\"", "prefix pattern", "status is a union", "string and ref"}},
        {"TaskUpdates", R"({"priority":"1*"})", {"\"priority\"", "prefix pattern", "priority is int"}},
        {"TaskUpdates", R"({"board":"b*","title":"x*"})", {"\"board\"", "\"title\"", "at most one attribute"}},
        {"TaskDetail", R"({"id":["t1","t2"]})", {"TaskDetail is by id", "not a set"}},
        {"TaskDetail", R"({"id":"t*"})", {"TaskDetail is by id", "not a prefix pattern"}},
    };
    for (const row& r : rows) {
        INFO(r.subscription << " filter " << r.filter);
        const subscription* s = a.find_subscription(r.subscription);
        REQUIRE(s);
        json filter = json::parse(r.filter);
        auto valid = validate_filter(a, *s, filter);
        if (r.message.empty()) {
            if (!valid) INFO("error: " << valid.error());
            CHECK(valid.ok());
            continue;
        }
        REQUIRE_FALSE(valid.ok());
        for (const auto& part : r.message) {
            INFO("expected in: " << valid.error());
            CHECK(valid.error().find(part) != std::string::npos);
        }
    }
}

TEST_CASE("filter patterns: sets of floats and too many combinations are refused", "[filter]") {
    const app& h = rt::test::helpdesk_app();
    const subscription* audit = h.find_subscription("TicketAudit");
    REQUIRE(audit);
    auto floats = validate_filter(h, *audit, json::parse(R"({"csat":[4.5,5.0]})"));
    REQUIRE_FALSE(floats.ok());
    CHECK(floats.error().find("\"csat\"") != std::string::npos);
    CHECK(floats.error().find("float") != std::string::npos);

    json many = json::object();
    for (const char* key : {"customer", "subject", "assignee"}) {
        json values = json::array();
        for (int i = 0; i < 7; ++i) values.push_back(std::string(key) + std::to_string(i));
        many[key] = values;  // 7 * 7 * 7 = 343 combinations
    }
    auto refused = validate_filter(h, *audit, many);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().find("combinations") != std::string::npos);
    many.erase("assignee");
    CHECK(validate_filter(h, *audit, many).ok());  // 49
}

TEST_CASE("filter patterns: matching truth table", "[filter]") {
    struct row { const char* filter; const char* row; bool expected; };
    for (const auto& r : std::vector<row>{
             {R"({"status":["todo","doing"]})", R"({"status":"todo"})", true},
             {R"({"status":["todo","doing"]})", R"({"status":"doing"})", true},
             {R"({"status":["todo","doing"]})", R"({"status":"done"})", false},
             {R"({"status":["todo","doing"]})", R"({})", false},
             {R"({"assignee":["u1",null]})", R"({})", true},            // null in a set: unset rows too
             {R"({"priority":[1,2]})", R"({"priority":2.0})", true},    // numbers meet across int/float
             {R"({"board":"team-a/*"})", R"({"board":"team-a/x"})", true},
             {R"({"board":"team-a/*"})", R"({"board":"team-a/"})", true},
             {R"({"board":"team-a/*"})", R"({"board":"team-a"})", false},
             {R"({"board":"team-a/*"})", R"({"board":"team-b/x"})", false},
             {R"({"board":"team-a/*"})", R"({})", false},              // unset is not a string
             {R"({"board":"*"})", R"({"board":""})", true},
             {R"({"board":"*"})", R"({"board":null})", false},
             {R"({"board":"a\\*"})", R"({"board":"a*"})", true},       // escaped: the value a*
             {R"({"board":"a\\*"})", R"({"board":"ab"})", false},
             {R"({"board":["a\\*","b"]})", R"({"board":"a*"})", true},
             {R"({"board":"b*","status":["todo"]})", R"({"board":"b2","status":"todo"})", true},
             {R"({"board":"b*","status":["todo"]})", R"({"board":"b2","status":"done"})", false},
         }) {
        INFO(r.filter << " vs " << r.row);
        CHECK(filter_matches(json::parse(r.filter), json::parse(r.row)) == r.expected);
    }
}

// validate_row: rows of the kanban Task entity (and a float/bool entity) in full and patch mode.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "protocol/spec.hpp"

using namespace rt::spec;

TEST_CASE("spec: row validation table", "[spec][rows]") {
    auto r = parse_spec(
        "app A {\n"
        "  entity User { attr name: string }\n"
        "  entity Task { attr title: string attr status: \"todo\" | \"doing\" | \"done\"\n"
        "                attr assignee: ref User attr priority: int attr board: string }\n"
        "  entity Reading { attr value: float attr ok: bool }\n"
        "}\n",
        "rows.spec");
    REQUIRE(r.ok());
    const entity& task = *r->find_entity("Task");
    const entity& reading = *r->find_entity("Reading");

    struct row {
        const entity* e;
        row_mode mode;
        const char* data;
        const char* field;    // nullptr: valid
        const char* message;  // substring of the error message
    };
    const row_mode full = row_mode::full, patch = row_mode::patch;
    const std::vector<row> rows = {
        {&task, full, R"({})", nullptr, nullptr},
        {&task, full, R"({"title":"x"})", nullptr, nullptr},
        {&task, full,
         R"({"id":"t1","title":"a","status":"todo","assignee":"u1","priority":2,"board":"b1"})",
         nullptr, nullptr},
        {&task, full, R"({"priority":-7})", nullptr, nullptr},
        {&task, full, R"({"assignee":null})", nullptr, nullptr},  // null unsets
        {&task, full, R"({"id":5})", "id", "expected string, got int 5"},
        {&task, full, R"({"id":null})", "id", "expected string, got null"},
        {&task, full, R"({"foo":1})", "foo", "unknown field \"foo\" for entity Task"},
        {&task, full, R"({"title":"x","Title":"y"})", "Title", "unknown field"},
        {&task, full, R"({"title":true})", "title", "expected string, got bool true"},
        {&task, full, R"({"title":{"a":1}})", "title", "expected string, got object"},
        {&task, full, R"({"priority":"high"})", "priority", "expected int, got string \"high\""},
        {&task, full, R"({"priority":2.5})", "priority", "expected int, got float 2.5"},
        {&task, full, R"({"priority":2.0})", "priority", "expected int, got float 2.0"},
        {&task, full, R"({"priority":18446744073709551615})", "priority", "out of 64-bit range"},
        {&task, full, R"({"priority":[1]})", "priority", "expected int, got array"},
        {&task, full, R"({"status":"later"})", "status",
         "expected one of \"todo\" | \"doing\" | \"done\", got string \"later\""},
        {&task, full, R"({"status":1})", "status", "expected one of"},
        {&task, full, R"({"assignee":7})", "assignee", "expected ref User (a string id), got int 7"},
        {&task, full, R"([])", "", "expected an object"},
        {&task, full, R"("row")", "", "expected an object"},
        {&task, patch, R"({"id":"t1"})", nullptr, nullptr},
        {&task, patch, R"({"id":"t1","status":"done"})", nullptr, nullptr},
        {&task, patch, R"({"id":"t1","assignee":null})", nullptr, nullptr},
        {&task, patch, R"({"title":"x"})", "id", "missing required field 'id'"},
        {&task, patch, R"({})", "id", "missing required field 'id'"},
        {&task, patch, R"({"id":1})", "id", "expected string"},
        {&task, patch, R"({"id":"t1","bogus":1})", "bogus", "unknown field"},
        {&task, patch, R"({"id":"t1","status":"DONE"})", "status", "expected one of"},
        {&task, patch, R"(null)", "", "expected an object"},
        {&reading, full, R"({"value":2})", nullptr, nullptr},
        {&reading, full, R"({"value":-2.5e3})", nullptr, nullptr},
        {&reading, full, R"({"value":"2"})", "value", "expected float, got string \"2\""},
        {&reading, full, R"({"ok":false})", nullptr, nullptr},
        {&reading, full, R"({"ok":0})", "ok", "expected bool, got int 0"},
        {&reading, full, R"({"ok":"true"})", "ok", "expected bool"},
    };
    for (const row& c : rows) {
        INFO(c.e->name << (c.mode == full ? " full " : " patch ") << c.data);
        json data = json::parse(c.data, nullptr, false);
        REQUIRE_FALSE(data.is_discarded());
        auto valid = validate_row(*c.e, data, c.mode);
        if (!c.field) {
            if (!valid) INFO(valid.error().field << ": " << valid.error().message);
            CHECK(valid.ok());
            continue;
        }
        REQUIRE_FALSE(valid.ok());
        CHECK(valid.error().field == c.field);
        CHECK_THAT(valid.error().message, Catch::Contains(c.message));
    }
}

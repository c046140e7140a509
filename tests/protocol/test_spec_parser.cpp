// The spec language's parser: the kanban example's IR, a table of broken specs with the
// position and message of their first error, and error reporting in general.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "protocol/spec.hpp"
#include "protocol/spec_expr_text.hpp"

using namespace rt::spec;

namespace {

const std::string kanban_path = std::string(RT_SOURCE_DIR) + "/scenarios/kanban.spec";

std::string errors_text(const std::vector<spec_error>& errors) {
    std::string s;
    for (const spec_error& e : errors) s += e.to_string() + "\n";
    return s;
}

}  // namespace

TEST_CASE("spec: the kanban example parses to the expected IR", "[spec]") {
    auto r = load_spec_file(kanban_path);
    if (!r) FAIL(errors_text(r.error()));
    const app& a = *r;
    CHECK(a.name == "RealtimeKanban");

    REQUIRE(a.entities.size() == 2);
    const entity* user = a.find_entity("User");
    REQUIRE(user);
    REQUIRE(user->attrs.size() == 1);
    CHECK(user->attrs[0].name == "name");
    CHECK(user->attrs[0].type.kind == attr_kind::string);
    CHECK(user->pos.line == 2);
    CHECK(user->pos.col == 10);

    const entity* task = a.find_entity("Task");
    REQUIRE(task);
    REQUIRE(task->attrs.size() == 5);
    CHECK(task->attrs[0].name == "title");
    CHECK(task->attrs[0].type.kind == attr_kind::string);
    CHECK(task->attrs[1].name == "status");
    CHECK(task->attrs[1].type.kind == attr_kind::enumeration);
    CHECK(task->attrs[1].type.choices == std::vector<std::string>{"todo", "doing", "done"});
    CHECK(task->attrs[2].name == "assignee");
    CHECK(task->attrs[2].type.kind == attr_kind::ref);
    CHECK(task->attrs[2].type.ref_entity == "User");
    CHECK(task->attrs[3].name == "priority");
    CHECK(task->attrs[3].type.kind == attr_kind::integer);
    CHECK(task->attrs[4].name == "board");
    CHECK(task->attrs[4].type.kind == attr_kind::string);
    CHECK(task->attrs[1].pos.line == 5);
    CHECK(task->attrs[1].pos.col == 10);

    // The implicit id, and attributes that do not exist.
    const attribute* id = task->find("id");
    REQUIRE(id);
    CHECK(id->type.kind == attr_kind::string);
    CHECK(task->find("priority") == &task->attrs[3]);
    CHECK(task->find("nope") == nullptr);
    CHECK(a.find_entity("Nope") == nullptr);

    CHECK(to_string(task->attrs[1].type) == "\"todo\" | \"doing\" | \"done\"");
    CHECK(to_string(task->attrs[2].type) == "ref User");
    CHECK(to_string(task->attrs[3].type) == "int");
    CHECK(to_string(attr_type{attr_kind::floating, {}, {}}) == "float");
    CHECK(to_string(attr_type{attr_kind::boolean, {}, {}}) == "bool");

    REQUIRE(a.views.size() == 1);
    const view* active = a.find_view("ActiveTasks");
    REQUIRE(active);
    CHECK(active->entity == "Task");
    REQUIRE(active->where);
    CHECK(active->where->k == expr::kind::compare);
    CHECK(active->where->attr == "status");
    CHECK(active->where->op == cmp_op::ne);
    CHECK(active->where->value == "done");
    CHECK(to_string(*active->where) == "status != \"done\"");
    CHECK(active->where->pos.line == 10);
    CHECK(active->where->pos.col == 32);

    REQUIRE(a.subscriptions.size() == 3);
    const subscription* updates = a.find_subscription("TaskUpdates");
    REQUIRE(updates);
    CHECK(updates->kind == subscription_kind::view);
    CHECK(updates->view == "ActiveTasks");
    CHECK(updates->entity == "Task");
    CHECK(a.predicate_of(*updates) == active->where.get());

    const subscription* detail = a.find_subscription("TaskDetail");
    REQUIRE(detail);
    CHECK(detail->kind == subscription_kind::by_id);
    CHECK(detail->entity == "Task");
    CHECK(a.predicate_of(*detail) == nullptr);

    const subscription* all = a.find_subscription("AllTasks");
    REQUIRE(all);
    CHECK(all->kind == subscription_kind::entity);
    CHECK(all->entity == "Task");
    CHECK(a.predicate_of(*all) == nullptr);
    CHECK(a.find_subscription("Nope") == nullptr);

    CHECK(describe(a) ==
          "app RealtimeKanban\n"
          "entity User { id: string, name: string }\n"
          "entity Task { id: string, title: string, status: \"todo\" | \"doing\" | \"done\", "
          "assignee: ref User, priority: int, board: string }\n"
          "view ActiveTasks: Task where status != \"done\"\n"
          "subscription TaskUpdates: view ActiveTasks (Task)\n"
          "subscription TaskDetail: Task by id\n"
          "subscription AllTasks: Task\n");
}

TEST_CASE("spec: where expressions parse with or < and < not precedence", "[spec]") {
    struct row {
        const char* where;
        const char* printed;
    };
    const std::vector<row> rows = {
        {"a == 1", "a == 1"},
        {"a == 1 or b == true and c != null", "a == 1 or b == true and c != null"},
        {"(a == 1 or b == true) and c != null", "(a == 1 or b == true) and c != null"},
        {"not a == 1 and b == false", "not a == 1 and b == false"},
        {"not (a == 1 and b == false)", "not (a == 1 and b == false)"},
        {"a <= -2.5 or a > 1e3", "a <= -2.5 or a > 1000.0"},
        {"c >= \"x\\\"y\" and c < \"\\u00e9\"", "c >= \"x\\\"y\" and c < \"é\""},
        {"((a == 1))", "a == 1"},
    };
    for (const row& r : rows) {
        INFO(r.where);
        std::string text = "app A { entity T { attr a: float attr b: bool attr c: string }\n"
                           "view V: T where " + std::string(r.where) + " }";
        auto parsed = parse_spec(text, "t.spec");
        if (!parsed) FAIL(errors_text(parsed.error()));
        REQUIRE(parsed->views.size() == 1);
        REQUIRE(parsed->views[0].where);
        CHECK(to_string(*parsed->views[0].where) == r.printed);
    }
}

TEST_CASE("spec: views without where, forward references and comments", "[spec]") {
    auto r = parse_spec("// leading comment\n"
                        "app A {  // the app\n"
                        "  subscription S: view V\n"
                        "  view V: T   // every row\n"
                        "  entity T { attr owner: ref U attr flag: bool attr score: float }\n"
                        "  entity U {}\n"
                        "}\n",
                        "f.spec");
    if (!r) FAIL(errors_text(r.error()));
    REQUIRE(r->views.size() == 1);
    CHECK(r->views[0].where == nullptr);
    CHECK(r->subscriptions[0].entity == "T");
    CHECK(r->entities[0].attrs[1].type.kind == attr_kind::boolean);
    CHECK(r->entities[0].attrs[2].type.kind == attr_kind::floating);
    CHECK(r->entities[1].attrs.empty());
}

TEST_CASE("spec: broken specs report file:line:col and what was expected", "[spec]") {
    struct broken {
        const char* name;
        std::string text;
        int line;
        int col;
        const char* message;  // a substring of the first error's message
    };
    const std::string task = "entity T { attr title: string attr n: int attr s: \"a\" | \"b\" attr done: bool attr u: ref T }";
    // On line 2, "  view V: T where " is 18 characters: a where expression starts at column 19.
    const std::vector<broken> cases = {
        {"empty file", "", 1, 1, "expected 'app' but found end of file"},
        {"no app header", "entity X {}", 1, 1, "expected 'app' but found 'entity'"},
        {"app without name", "app {", 1, 5, "expected an app name after 'app' but found '{'"},
        {"app without brace", "app A", 1, 6, "expected '{' after app name 'A' but found end of file"},
        {"app never closed", "app A {\n  entity T {}\n", 3, 1, "expected '}' to close app 'A' (opened at 1:7)"},
        {"entity missing close brace", "app A {\n  entity T { attr a: int\n  view V: T\n}", 3, 3,
         "expected '}' to close entity 'T' but found 'view'"},
        {"entity missing open brace", "app A { entity T view V: T }", 1, 18,
         "expected '{' after entity name 'T' but found 'view'"},
        {"junk in entity", "app A { entity T { name: string } }", 1, 20,
         "expected 'attr' or '}' in entity 'T' but found 'name'"},
        {"attr without colon", "app A { entity T { attr a int } }", 1, 27,
         "expected ':' after attribute name 'a' but found 'int'"},
        {"attr without name", "app A { entity T { attr : int } }", 1, 25, "expected an attribute name after 'attr'"},
        {"unknown type name", "app A { entity T { attr a: integer } }", 1, 28, "unknown type 'integer'"},
        {"missing type", "app A { entity T { attr a: } }", 1, 28, "expected a type"},
        {"union without literal after |", "app A { entity T { attr s: \"a\" | int } }", 1, 34,
         "expected a string literal after '|' but found 'int'"},
        {"duplicate union choice", "app A { entity T { attr s: \"a\" | \"b\" | \"a\" } }", 1, 40, "duplicate choice \"a\""},
        {"ref without entity", "app A { entity T { attr u: ref } }", 1, 32, "expected an entity name after 'ref'"},
        {"attribute named id", "app A { entity T { attr id: string } }", 1, 25, "'id' is reserved"},
        {"duplicate entity", "app A {\n  entity T {}\n  entity T {}\n}", 3, 10,
         "duplicate entity 'T' (first declared at 2:10)"},
        {"duplicate attribute", "app A { entity T {\n  attr a: int\n  attr a: string } }", 3, 8,
         "duplicate attribute 'a' in entity 'T' (first declared at 2:8)"},
        {"duplicate view", "app A { " + task + "\n  view V: T\n  view V: T\n}", 3, 8,
         "duplicate view 'V' (first declared at 2:8)"},
        {"duplicate subscription", "app A { " + task + "\n  subscription S: T\n  subscription S: T by id\n}", 3, 16,
         "duplicate subscription 'S' (first declared at 2:16)"},
        {"ref to unknown entity", "app A { entity T { attr u: ref Usr } }", 1, 32, "unknown entity 'Usr' after 'ref'"},
        {"view of unknown entity", "app A { " + task + "\n  view V: Tsk\n}", 2, 11, "unknown entity 'Tsk' in view 'V'"},
        {"subscription of unknown entity", "app A { " + task + "\n  subscription S: Tsk\n}", 2, 19,
         "unknown entity 'Tsk' in subscription 'S'"},
        {"by-id subscription of unknown entity", "app A { " + task + "\n  subscription S: Tsk by id\n}", 2, 19,
         "unknown entity 'Tsk' in subscription 'S'"},
        {"subscription of unknown view", "app A { " + task + "\n  subscription S: view W\n}", 2, 24,
         "unknown view 'W' in subscription 'S'"},
        {"subscription by something else", "app A { " + task + "\n  subscription S: T by title\n}", 2, 24,
         "expected 'id' after 'by' but found 'title'"},
        {"subscription without colon", "app A { " + task + "\n  subscription S T\n}", 2, 18,
         "expected ':' after subscription name 'S' but found 'T'"},
        {"subscription view without name", "app A { " + task + "\n  subscription S: view\n}", 3, 1,
         "expected a view name after 'view' but found '}'"},
        {"view without colon", "app A { " + task + "\n  view V T\n}", 2, 10, "expected ':' after view name 'V'"},
        {"unknown attribute in where", "app A { " + task + "\n  view V: T where titel == \"x\"\n}", 2, 19,
         "unknown attribute 'titel' in 'where'"},
        {"int compared with string", "app A { " + task + "\n  view V: T where n == \"high\"\n}", 2, 24,
         "type mismatch: 'n' is int but is compared with string \"high\""},
        {"string compared with number", "app A { " + task + "\n  view V: T where title == 3\n}", 2, 28,
         "type mismatch: 'title' is string but is compared with int 3"},
        {"bool compared with string", "app A { " + task + "\n  view V: T where done == \"yes\"\n}", 2, 27,
         "type mismatch: 'done' is bool"},
        {"enum literal not in union", "app A { " + task + "\n  view V: T where s != \"c\"\n}", 2, 24,
         "\"c\" is not a value of 's' (\"a\" | \"b\")"},
        {"ordering on an enum", "app A { " + task + "\n  view V: T where s < \"b\"\n}", 2, 19,
         "ordering comparison '<' is not defined for 's'"},
        {"ordering on a bool", "app A { " + task + "\n  view V: T where done >= true\n}", 2, 19,
         "ordering comparison '>=' is not defined for 'done' (bool)"},
        {"ordering with null", "app A { " + task + "\n  view V: T where n > null\n}", 2, 23,
         "ordering comparison '>' with null is always false"},
        {"single = in where", "app A { " + task + "\n  view V: T where n = 1\n}", 2, 21, "unexpected '=' (did you mean '=='?)"},
        {"unquoted string literal", "app A { " + task + "\n  view V: T where s == a\n}", 2, 24,
         "expected a literal (string, number, true, false or null) but found 'a' (string literals need quotes)"},
        {"missing operator", "app A { " + task + "\n  view V: T where n 1\n}", 2, 21,
         "expected a comparison operator (==, !=, <, <=, >, >=) after 'n' but found number 1"},
        {"unclosed parenthesis", "app A { " + task + "\n  view V: T where (n == 1 or n == 2\n}", 3, 1,
         "expected ')' to close '(' at 2:19 but found '}'"},
        {"dangling and", "app A { " + task + "\n  view V: T where n == 1 and\n}", 3, 1,
         "expected an attribute name in 'where' but found '}'"},
        {"unterminated string", "app A { entity T { attr s: \"a\" | \"b } }", 1, 34,
         "unterminated string literal"},
        {"unterminated string at end of file", "app A { entity T { attr s: \"abc", 1, 28, "unterminated string literal"},
        {"unknown escape", "app A { entity T { attr s: \"a\\qb\" } }", 1, 30, "unknown escape '\\q'"},
        {"bad unicode escape", "app A { entity T { attr s: \"\\u12G4\" } }", 1, 29, "invalid \\u escape"},
        {"stray character", "app A { entity T { attr a: int } @ }", 1, 34, "unexpected character '@'"},
        {"number out of range", "app A { " + task + "\n  view V: T where n > 1e999\n}", 2, 23, "out of range"},
        {"top-level attr", "app A { attr a: int }", 1, 9,
         "expected 'entity', 'view', 'subscription' or '}' but found 'attr'"},
        {"text after the app", "app A {}\nextra", 2, 1, "expected end of file after the app's closing '}'"},
        {"nested too deeply", "app A { " + task + "\n  view V: T where " + std::string(100, '(') + "n == 1" +
                                  std::string(100, ')') + "\n}", 2, 83, "nested too deeply"},
        {"tab and comment before error", "app A {\n\t// note\n\tentity T { attr a: nope }\n}", 3, 21, "unknown type 'nope'"},
        {"throttle below the bounds", "app A { " + task + "\n  subscription S: T throttle 5ms\n}", 2, 30,
         "subscription 'S': throttle '5ms' is outside 10ms..60s"},
        {"throttle above the bounds", "app A { " + task + "\n  subscription S: T throttle 2m\n}", 2, 30, "is outside 10ms..60s"},
        {"throttle without a unit", "app A { " + task + "\n  subscription S: T throttle 100\n}", 2, 30, "duration"},
        {"throttle without a duration", "app A { " + task + "\n  subscription S: T throttle\n}", 3, 1,
         "expected a duration after 'throttle' (like 100ms)"},
    };
    REQUIRE(cases.size() >= 25);
    for (const broken& c : cases) {
        INFO("case: " << c.name << "\n" << c.text);
        auto r = parse_spec(c.text, "broken.spec");
        REQUIRE_FALSE(r.ok());
        const std::vector<spec_error>& errors = r.error();
        REQUIRE_FALSE(errors.empty());
        INFO("errors:\n" << errors_text(errors));
        CHECK(errors[0].file == "broken.spec");
        CHECK(errors[0].pos.line == c.line);
        CHECK(errors[0].pos.col == c.col);
        CHECK_THAT(errors[0].message, Catch::Contains(c.message));
    }
}

TEST_CASE("spec: every error is reported, in source order, after recovery", "[spec]") {
    const std::string text =
        "app A {\n"                                          // 1
        "  entity T {\n"                                     // 2
        "    attr title: strin\n"                            // 3  unknown type
        "    attr n: int\n"                                  // 4
        "    attr n: float\n"                                // 5  duplicate attribute
        "  view V: T where n == \"high\" and q > 3\n"        // 6  missing '}', mismatch, unknown attr
        "  view W: Tsk\n"                                    // 7  unknown entity
        "  subscription S: view X\n"                         // 8  unknown view
        "  entity U { attr owner: ref Nobody }\n"            // 9  unknown ref
        "  subscription S: U by name\n"                      // 10 duplicate subscription, 'by' not 'id'
        "}\n";
    auto r = parse_spec(text, "many.spec");
    REQUIRE_FALSE(r.ok());
    const std::vector<spec_error>& e = r.error();
    INFO(errors_text(e));
    struct want {
        int line, col;
        const char* message;
    };
    const std::vector<want> expected = {
        {3, 17, "unknown type 'strin'"},
        {5, 10, "duplicate attribute 'n'"},
        {6, 3, "expected '}' to close entity 'T' but found 'view'"},
        {6, 24, "type mismatch: 'n' is int"},
        {6, 35, "unknown attribute 'q'"},
        {7, 11, "unknown entity 'Tsk' in view 'W'"},
        {8, 24, "unknown view 'X'"},
        {9, 30, "unknown entity 'Nobody' after 'ref'"},
        {10, 16, "duplicate subscription 'S' (first declared at 8:16)"},
        {10, 24, "expected 'id' after 'by' but found 'name'"},
    };
    REQUIRE(e.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        INFO("error #" << i);
        CHECK(e[i].pos.line == expected[i].line);
        CHECK(e[i].pos.col == expected[i].col);
        CHECK_THAT(e[i].message, Catch::Contains(expected[i].message));
    }
}

TEST_CASE("spec: error text is file:line:col: error: message", "[spec]") {
    auto r = parse_spec("app A { entity T { attr a: integer } }", "app.spec");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error()[0].to_string() ==
          "app.spec:1:28: error: unknown type 'integer' (expected string, int, float, bool, ref Entity "
          "or \"a\" | \"b\")");

    auto missing = load_spec_file("/nonexistent/dir/app.spec");
    REQUIRE_FALSE(missing.ok());
    REQUIRE(missing.error().size() == 1);
    CHECK(missing.error()[0].pos.line == 0);
    CHECK(missing.error()[0].pos.col == 0);
    CHECK_THAT(missing.error()[0].to_string(),
               Catch::StartsWith("/nonexistent/dir/app.spec:0:0: error: cannot read spec file"));
}

TEST_CASE("spec: a subscription's throttle clause sets its default window", "[spec]") {
    auto r = parse_spec("app A {\n  entity Cursor { attr x: int }\n  view Near: Cursor where x < 10\n"
                        "  subscription Cursors: Cursor throttle 100ms\n  subscription One: Cursor by id throttle 1.5s\n"
                        "  subscription NearOnes: view Near throttle 10ms\n  subscription Raw: Cursor\n}",
                        "t.spec");
    INFO((r.ok() ? std::string() : errors_text(r.error())));
    REQUIRE(r.ok());
    CHECK(r->find_subscription("Cursors")->throttle_ms == 100);
    CHECK(r->find_subscription("One")->throttle_ms == 1500);
    CHECK(r->find_subscription("NearOnes")->throttle_ms == 10);
    CHECK(r->find_subscription("Raw")->throttle_ms == 0);
}

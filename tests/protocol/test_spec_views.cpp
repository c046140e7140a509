// View maintenance: what each kind of subscription emits for a row change (enter, stay, leave,
// never in), with and without a client filter.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "protocol/spec.hpp"
#include "support/spec_fixtures.hpp"

using namespace rt::spec;

TEST_CASE("spec: change names on the wire", "[spec][views]") {
    CHECK(to_wire(change::insert) == "insert");
    CHECK(to_wire(change::update) == "update");
    CHECK(to_wire(change::remove) == "delete");
    CHECK(to_wire(change::none) == "");
}

TEST_CASE("spec: view maintenance truth table", "[spec][views]") {
    const app& a = rt::test::kanban_app();
    const json todo_b1 = {{"id", "t1"}, {"status", "todo"}, {"board", "b1"}, {"assignee", "u1"}, {"priority", 3}};
    json doing_b1 = todo_b1;
    doing_b1["status"] = "doing";
    json done_b1 = todo_b1;
    done_b1["status"] = "done";
    json todo_b2 = todo_b1;
    todo_b2["board"] = "b2";
    json done_b2 = done_b1;
    done_b2["board"] = "b2";
    json todo_b3 = todo_b1;
    todo_b3["board"] = "b3";
    json todo_b4 = todo_b1;
    todo_b4["board"] = "b4";
    json to_u2 = todo_b1;
    to_u2["assignee"] = "u2";
    json prio_float = todo_b1;
    prio_float["priority"] = 3.0;
    const json other = {{"id", "t2"}, {"status", "todo"}, {"board", "b1"}};
    json other_doing = other;
    other_doing["status"] = "doing";
    const json by_t1 = {{"id", "t1"}};
    const json board_b1 = {{"board", "b1"}};
    const json board_b2 = {{"board", "b2"}};
    const json user_u1 = {{"assignee", "u1"}};
    const json prio_3 = {{"priority", 3}};
    const json empty = json::object();
    const json null_filter;

    struct row {
        const char* name;
        const char* subscription;
        const json* filter;
        const json* before;
        const json* after;
        change expected;
    };
    const std::vector<row> rows = {
        // view TaskUpdates (status != "done"): enter / stay / leave / never
        {"view: insert of an active task enters", "TaskUpdates", nullptr, nullptr, &todo_b1, change::insert},
        {"view: todo -> doing stays in", "TaskUpdates", nullptr, &todo_b1, &doing_b1, change::update},
        {"view: unchanged row stays in", "TaskUpdates", nullptr, &todo_b1, &todo_b1, change::update},
        {"view: doing -> done leaves", "TaskUpdates", nullptr, &doing_b1, &done_b1, change::remove},
        {"view: done -> todo enters", "TaskUpdates", nullptr, &done_b1, &todo_b1, change::insert},
        {"view: done -> done is never in", "TaskUpdates", nullptr, &done_b1, &done_b2, change::none},
        {"view: insert of a done task is never in", "TaskUpdates", nullptr, nullptr, &done_b1, change::none},
        {"view: delete of an active task leaves", "TaskUpdates", nullptr, &todo_b1, nullptr, change::remove},
        {"view: delete of a done task is never in", "TaskUpdates", nullptr, &done_b1, nullptr, change::none},
        {"view: null/empty filter is no filter", "TaskUpdates", &null_filter, &todo_b1, &doing_b1, change::update},
        {"view: empty filter is no filter", "TaskUpdates", &empty, &doing_b1, &done_b1, change::remove},
        // by id: the filter names the record
        {"by_id: insert of the record enters", "TaskDetail", &by_t1, nullptr, &todo_b1, change::insert},
        {"by_id: update of the record stays in", "TaskDetail", &by_t1, &todo_b1, &done_b1, change::update},
        {"by_id: delete of the record leaves", "TaskDetail", &by_t1, &done_b1, nullptr, change::remove},
        {"by_id: another record's insert is never in", "TaskDetail", &by_t1, nullptr, &other, change::none},
        {"by_id: another record's update is never in", "TaskDetail", &by_t1, &other, &other_doing, change::none},
        {"by_id: another record's delete is never in", "TaskDetail", &by_t1, &other, nullptr, change::none},
        // entity: every change
        {"entity: insert enters", "AllTasks", nullptr, nullptr, &done_b1, change::insert},
        {"entity: update stays in, even to done", "AllTasks", nullptr, &todo_b1, &done_b1, change::update},
        {"entity: delete leaves", "AllTasks", nullptr, &done_b1, nullptr, change::remove},
        {"entity: nothing before or after", "AllTasks", nullptr, nullptr, nullptr, change::none},
        // client filters: a task moving between boards
        {"filter b1: task moves b1 -> b2 leaves", "TaskUpdates", &board_b1, &todo_b1, &todo_b2, change::remove},
        {"filter b2: task moves b1 -> b2 enters", "TaskUpdates", &board_b2, &todo_b1, &todo_b2, change::insert},
        {"filter b1: task stays on b1", "TaskUpdates", &board_b1, &todo_b1, &doing_b1, change::update},
        {"filter b1: task moves b3 -> b4, never on b1", "TaskUpdates", &board_b1, &todo_b3, &todo_b4, change::none},
        {"filter b2: moved to b2 but done: never in", "TaskUpdates", &board_b2, &todo_b1, &done_b2, change::none},
        {"filter b1: moved off b1 and done: leaves", "TaskUpdates", &board_b1, &todo_b1, &done_b2, change::remove},
        {"filter b1 on entity subscription: move leaves", "AllTasks", &board_b1, &todo_b1, &todo_b2, change::remove},
        {"filter b2 on entity subscription: move enters", "AllTasks", &board_b2, &todo_b1, &todo_b2, change::insert},
        {"filter assignee u1: reassigned to u2 leaves", "AllTasks", &user_u1, &todo_b1, &to_u2, change::remove},
        {"filter assignee u1: reassigned back enters", "AllTasks", &user_u1, &to_u2, &todo_b1, change::insert},
        {"filter priority 3 matches 3.0", "TaskUpdates", &prio_3, &todo_b1, &prio_float, change::update},
    };
    for (const row& r : rows) {
        INFO(r.name);
        const subscription* s = a.find_subscription(r.subscription);
        REQUIRE(s);
        CHECK(to_wire(view_change(a, *s, r.before, r.after, r.filter)) == to_wire(r.expected));
    }
}

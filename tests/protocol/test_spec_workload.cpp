// Spec workloads: what plan_workload chooses and refuses (tables), and that every row and filter
// row_maker makes is accepted by the spec's own checkers (validate_row, validate_filter,
// view_change) on every example spec.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "protocol/spec_workload.hpp"
#include "support/spec_fixtures.hpp"

using namespace rt::spec;

namespace {

workload_request wl_req(std::string sub, std::string filter = "", std::uint32_t n = 0, std::string entity = "",
                        std::string vary = "", std::optional<change_mix> mix = std::nullopt) {
    workload_request r;
    r.subscription = std::move(sub);
    r.filter_attr = std::move(filter);
    r.filter_values = n;
    r.entity = std::move(entity);
    r.vary_attr = std::move(vary);
    r.mix = mix;
    return r;
}

workload plan_ok_workload(const app& a, const workload_request& req, std::uint32_t groups = 10) {
    auto w = plan_workload(a, req, groups);
    INFO((w ? std::string("ok") : w.error()));
    REQUIRE(w.ok());
    return std::move(w).value();
}

}  // namespace

TEST_CASE("workload: what is chosen from the spec alone", "[spec][workload]") {
    struct row {
        const char* spec;
        workload_request req;
        const char* subscription;
        const char* filter;  // "" unfiltered
        std::uint32_t groups;
        const char* vary;
    };
    const std::vector<row> rows = {
        // The first subscription, grouped by its first ref outside the view, varying the first string.
        {"helpdesk.spec", {}, "TeamQueue", "team", 10, "subject"},
        {"inventory.spec", {}, "Shelf", "warehouse", 10, "sku"},
        {"kanban.spec", {}, "TaskUpdates", "assignee", 10, "title"},
        // Named parts are kept, the rest chosen.
        {"helpdesk.spec", wl_req("TicketDetail"), "TicketDetail", "id", 10, "subject"},
        {"helpdesk.spec", wl_req("TicketAudit", "none"), "TicketAudit", "", 1, "subject"},
        {"helpdesk.spec", wl_req("Triage", "team", 7), "Triage", "team", 7, "subject"},
        {"helpdesk.spec", wl_req("TeamQueue", "priority", 0), "TeamQueue", "priority", 4, "subject"},  // capped: 4 literals
        {"helpdesk.spec", wl_req("TeamQueue", "", 0, "Ticket", "customer"), "TeamQueue", "team", 10, "customer"},
        {"helpdesk.spec", wl_req("Roster"), "Roster", "team", 10, "name"},
        {"kanban.spec", wl_req("TaskUpdates", "board", 100), "TaskUpdates", "board", 100, "title"},
        {"kanban.spec", wl_req("AllTasks", "none"), "AllTasks", "", 1, "title"},
        {"inventory.spec", wl_req("Shelf", "reorder_at", 3), "Shelf", "reorder_at", 3, "sku"},
        {"inventory.spec", wl_req("ItemPage"), "ItemPage", "id", 10, "sku"},
    };
    for (const row& r : rows) {
        INFO(r.spec << " " << r.req.subscription << " " << r.req.filter_attr);
        const app a = rt::test::load_example_spec(r.spec);
        const workload w = plan_ok_workload(a, r.req);
        CHECK(w.subscription == r.subscription);
        CHECK(w.filter_attr == r.filter);
        CHECK(w.groups == r.groups);
        CHECK(w.vary_attr == r.vary);
        CHECK(w.mix.update_only());
    }
}

TEST_CASE("workload: refusals name what is missing and what exists", "[spec][workload]") {
    struct row {
        workload_request req;
        std::vector<const char*> mentions;
    };
    const std::vector<row> rows = {
        {wl_req("Nope"), {"no subscription named 'Nope' in spec Helpdesk", "TeamQueue", "TicketAudit"}},
        {wl_req("TeamQueue", "board"),
         {"subscription TeamQueue has no filterable attribute 'board'; its entity Ticket has: id, subject",
          "status: \"new\" | "}},
        {wl_req("TeamQueue", "", 0, "Agent"), {"subscription TeamQueue carries Ticket rows, not Agent"}},
        {wl_req("TeamQueue", "", 0, "Widget"), {"no entity named 'Widget' in spec Helpdesk; it has: Team, Agent, Ticket"}},
        {wl_req("TeamQueue", "", 0, "", "status"), {"'status' of Ticket is \"new\"", "not string", "subject, customer"}},
        {wl_req("TeamQueue", "", 0, "", "nope"), {"entity Ticket has no attribute 'nope' to vary"}},
        {wl_req("Triage", "", 0, "", "customer"), {}},  // fine: customer is outside Unassigned's where
        {wl_req("TeamQueue", "escalated", 3), {"attribute 'escalated' has only 2 values", "filter-values 3"}},
        {wl_req("TeamQueue", "status", 5), {"filter value \"solved\" (stream 3) puts rows outside view Open's where"}},
        {wl_req("TeamQueue", "none", 4), {"filter-values 4 needs a filter attribute"}},
        {wl_req("TicketDetail", "team"), {"follows one Ticket by id", "not 'team'"}},
        {wl_req("TicketDetail", "", 0, "", "", change_mix{50, 50, 0}), {"filtered by id", "use mix update"}},
    };
    const app& a = rt::test::helpdesk_app();
    for (const row& r : rows) {
        INFO(r.req.subscription << " filter " << r.req.filter_attr << " vary " << r.req.vary_attr);
        auto w = plan_workload(a, r.req, 10);
        if (r.mentions.empty()) {
            CHECK(w.ok());
            continue;
        }
        REQUIRE_FALSE(w.ok());
        for (const char* m : r.mentions) {
            INFO(w.error());
            CHECK(w.error().find(m) != std::string::npos);
        }
    }
}

TEST_CASE("workload: a spec nothing can drive is refused with each subscription's reason", "[spec][workload]") {
    auto r = parse_spec(
        "app Counters {\n"
        "  entity Counter { attr n: int attr on: bool }\n"
        "  entity Note { attr text: string }\n"
        "  view Impossible: Note where text == \"a\" and text == \"b\"\n"
        "  subscription Counts: Counter\n"
        "  subscription Notes: view Impossible\n"
        "}\n",
        "counters.spec");
    REQUIRE(r.ok());
    auto w = plan_workload(*r, {}, 10);
    REQUIRE_FALSE(w.ok());
    INFO(w.error());
    CHECK(w.error().find("cannot drive spec Counters") != std::string::npos);
    CHECK(w.error().find("Counts: entity Counter has no string attribute") != std::string::npos);
    CHECK(w.error().find("n: int, on: bool") != std::string::npos);
    CHECK(w.error().find("Notes: ") != std::string::npos);

    auto empty = parse_spec("app Empty { entity E { attr s: string } }\n", "empty.spec");
    REQUIRE(empty.ok());
    auto e = plan_workload(*empty, {}, 10);
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().find("declares no subscription") != std::string::npos);
}

TEST_CASE("workload: the where search finds rows that need non-default values", "[spec][workload]") {
    auto r = parse_spec(
        "app S {\n"
        "  entity R { attr t: string attr n: int attr x: float attr k: \"a\" | \"b\" | \"c\" attr f: bool\n"
        "             attr who: string }\n"
        "  view V: R where n > 41 and x < -2.5 and k != \"a\" and not (f == false) and who == null\n"
        "  subscription Sub: view V\n"
        "}\n",
        "search.spec");
    REQUIRE(r.ok());
    const workload w = plan_ok_workload(*r, wl_req("Sub", "none"));
    auto row = find_row_template(*r, w);
    REQUIRE(row);
    CHECK(eval_where(*r->find_view("V")->where, *row));
    CHECK((*row)["n"].get<std::int64_t>() > 41);
    CHECK(row->count("who") == 0);  // left unset: the view wants null
}

TEST_CASE("workload: every generated row and filter is valid for its spec", "[spec][workload]") {
    for (const char* name : {"helpdesk.spec", "inventory.spec", "kanban.spec"}) {
        const app a = rt::test::load_example_spec(name);
        for (const subscription& s : a.subscriptions) {
            INFO(name << " " << s.name);
            const workload w = plan_ok_workload(a, wl_req(s.name), 5);
            const row_maker rows(a, w);
            const entity& e = *a.find_entity(w.entity);
            for (std::uint32_t g = 0; g < w.groups; ++g) {
                const std::string id = row_id("t1", g, 0);
                const json row = rows.insert_row(g, id, "t=1;a=2;xxxx");
                const json filter = rows.filter(g, "t1");
                INFO(row.dump() << " filter " << filter.dump());
                CHECK(validate_row(e, row, row_mode::full).ok());
                CHECK(validate_filter(a, s, filter).ok());
                CHECK(filter_matches(filter, row));
                CHECK(view_change(a, s, nullptr, &row, &filter) == change::insert);
                const json upd = rows.update_row(id, "t=3;a=4;");
                CHECK(validate_row(e, upd, row_mode::patch).ok());
                json after = row;
                after.update(upd);
                CHECK(view_change(a, s, &row, &after, &filter) == change::update);
                CHECK(view_change(a, s, &after, nullptr, &filter) == change::remove);
                // No other group's stream sees the row.
                if (w.groups > 1 && !w.filter_attr.empty()) {
                    const json other = rows.filter((g + 1) % w.groups, "t1");
                    CHECK(view_change(a, s, nullptr, &row, &other) == change::none);
                }
            }
        }
    }
}

TEST_CASE("workload: mix parsing", "[spec][workload]") {
    auto m = parse_change_mix("insert=20,update=70,delete=10");
    REQUIRE(m);
    CHECK(m->insert_pct == 20);
    CHECK(m->update_pct == 70);
    CHECK(m->delete_pct == 10);
    CHECK(to_string(*m) == "insert=20,update=70,delete=10");
    CHECK(parse_change_mix("update")->update_only());
    CHECK(parse_change_mix("insert=50,delete=50")->update_pct == 0);
    for (const char* bad : {"", "insert=20", "update=100,update=0", "upsert=100", "update=1000", "update=x",
                            "insert=50;delete=50", "update"}) {
        INFO(bad);
        if (std::string(bad) == "update") continue;
        CHECK_FALSE(parse_change_mix(bad));
    }
}

TEST_CASE("workload: the line and the JSON say what was chosen", "[spec][workload]") {
    const app& a = rt::test::helpdesk_app();
    const workload w = plan_ok_workload(a, {}, 100);
    CHECK(describe(w, a) ==
          "subscription TeamQueue (view Open of Ticket) filtered by team over 100 values; publishers change "
          "Ticket.subject (mix insert=0,update=100,delete=0)");
    const json j = to_json(w);
    CHECK(j["subscription"] == "TeamQueue");
    CHECK(j["filter_attr"] == "team");
    CHECK(j["filter_values"] == 100);
    CHECK(j["vary"] == "subject");
    CHECK(j["mix"]["update"] == 100);
    CHECK(row_id("lg-7", 3, 0) == "lg-7-g3-r0");
}

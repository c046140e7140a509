// The spec workload's settings in `rt loadgen` (flags and scenario keys), resolve_workload on a
// spec file, and the frames workload_frames makes from the plan. No server.
#include <catch2/catch.hpp>

#include <string>

#include <nlohmann/json.hpp>

#include "loadgen/config.hpp"
#include "loadgen/scenario_file.hpp"
#include "loadgen/workload_frames.hpp"
#include "loadgen/workload_source.hpp"
#include "protocol/messages.hpp"
#include "protocol/spec.hpp"

using namespace rt::loadgen;
using namespace std::chrono_literals;

namespace {

std::string settings_example(const std::string& name) { return std::string(RT_SOURCE_DIR) + "/scenarios/" + name; }

}  // namespace

TEST_CASE("loadgen workload settings: keys, their checks, and what finalize refuses", "[loadgen][config][spec]") {
    loadgen_config c;
    REQUIRE(apply_scenario_text(c,
                                "spec = \"app.spec\"\nsubscription = \"TeamQueue\"\nfilter_attr = \"team\"\n"
                                "filter-values = 7\nentity = \"Ticket\"\nvary = \"subject\"\nmix = \"insert=20,update=80\"\n",
                                "w.toml")
                .ok());
    CHECK(c.spec == "app.spec");
    CHECK(c.request.subscription == "TeamQueue");
    CHECK(c.request.filter_attr == "team");
    CHECK(c.request.filter_values == 7);
    CHECK(c.request.entity == "Ticket");
    CHECK(c.request.vary_attr == "subject");
    REQUIRE(c.request.mix);
    CHECK(c.request.mix->insert_pct == 20);
    REQUIRE(finalize(c).ok());
    CHECK(c.boards == 0);  // the plan's, once resolve_workload has run

    struct row {
        const char* name;
        const char* value;
        const char* mentions;
    };
    for (const row& r : {row{"filter-values", "0", "at least 1"}, row{"mix", "update=90", "add up to 100"},
                         row{"spec", "", "expected a spec file"}, row{"vary", "", "expected a name"}}) {
        INFO(r.name << " = " << r.value);
        loadgen_config x;
        auto res = apply_setting(x, r.name, r.value);
        REQUIRE_FALSE(res.ok());
        CHECK(res.error().find(r.mentions) != std::string::npos);
    }

    loadgen_config no_spec;
    REQUIRE(apply_setting(no_spec, "vary", "subject").ok());
    auto f = finalize(no_spec);
    REQUIRE_FALSE(f.ok());
    CHECK(f.error().find("need spec") != std::string::npos);

    loadgen_config demo;
    REQUIRE(apply_setting(demo, "spec", "app.spec").ok());
    REQUIRE(apply_setting(demo, "fanout", "all").ok());
    auto g = finalize(demo);
    REQUIRE_FALSE(g.ok());
    CHECK(g.error().find("kanban demo's settings") != std::string::npos);
}

TEST_CASE("loadgen workload settings: a scenario's spec is relative to it, and resolves to a plan",
          "[loadgen][config][spec]") {
    loadgen_config c;
    REQUIRE(apply_scenario_file(c, settings_example("kanban-boards.toml")).ok());
    CHECK(c.spec == settings_example("kanban.spec"));
    REQUIRE(apply_setting(c, "filter-values", "12").ok());
    REQUIRE(finalize(c).ok());
    auto r = resolve_workload(c, 1s);
    REQUIRE(r.ok());
    REQUIRE(c.plan);
    CHECK(c.plan->subscription == "TaskUpdates");
    CHECK(c.boards == 12);

    // The demo's frames and the same workload from the file agree on the stream.
    const workload_frames spec_frames(c, "t1");
    loadgen_config demo;
    REQUIRE(finalize(demo).ok());
    const workload_frames demo_frames(demo, "t1");
    CHECK(spec_frames.subscribe(7).filter == demo_frames.subscribe(7).filter);
    CHECK(spec_frames.subscribe(7).subscription == "TaskUpdates");
    CHECK(spec_frames.payload_attr() == "title");

    loadgen_config bad;
    REQUIRE(apply_setting(bad, "spec", settings_example("helpdesk.spec")).ok());
    REQUIRE(apply_setting(bad, "filter-attr", "board").ok());
    REQUIRE(finalize(bad).ok());
    auto e = resolve_workload(bad, 1s);
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().usage);
    CHECK(e.error().message.find("no filterable attribute 'board'") != std::string::npos);
}

TEST_CASE("loadgen workload frames: by-id streams name the run's rows, publishes decode and carry the plan's entity",
          "[loadgen][spec]") {
    loadgen_config c;
    REQUIRE(apply_setting(c, "spec", settings_example("helpdesk.spec")).ok());
    REQUIRE(apply_setting(c, "subscription", "TicketDetail").ok());
    REQUIRE(apply_setting(c, "conns", "30").ok());
    REQUIRE(finalize(c).ok());
    REQUIRE(resolve_workload(c, 1s).ok());
    CHECK(c.boards == 3);
    const workload_frames frames(c, "run9");
    CHECK(frames.subscribe(2).filter == nlohmann::json{{"id", frames.row_id(2)}});
    CHECK(frames.row_id(2) == "lg-run9-g2-r0");

    auto setup = rt::proto::decode_client(frames.setup_insert(2));
    REQUIRE(setup.ok());
    const auto& ins = std::get<rt::proto::publish_msg>(setup->body);
    CHECK(ins.entity == "Ticket");
    CHECK(ins.data["id"] == "lg-run9-g2-r0");
    CHECK(rt::spec::validate_row(*c.app->find_entity("Ticket"), ins.data, rt::spec::row_mode::full).ok());

    auto upd = rt::proto::decode_client(frames.update(5, 2, "t=1;a=2;"));
    REQUIRE(upd.ok());
    const auto& u = std::get<rt::proto::publish_msg>(upd->body);
    CHECK(u.op == rt::proto::operation::update);
    CHECK(u.data == nlohmann::json{{"id", "lg-run9-g2-r0"}, {"subject", "t=1;a=2;"}});
    CHECK(upd->id == 5);
}

// rt check against the reference server: every case passes (or is skipped for a reason) on the
// kanban demo and on other apps, in development mode and with tokens; the CLI's contract.
#include <fstream>
#include <iterator>
#include <set>

#include <catch2/catch.hpp>

#include "check/case_list.hpp"
#include "check/check_fixture.hpp"

namespace {

void require_all_pass(const rt::check::check_run& run) {
    for (const auto& r : run.results) {
        INFO(r.id << " " << r.title << ": " << r.reason << "\n" << r.transcript_text);
        CHECK(r.status != rt::check::case_status::fail);
    }
    REQUIRE(run.count(rt::check::case_status::pass) > 0);
}

}  // namespace

TEST_CASE("every case passes against rt serve on kanban.spec") {
    rt::test::check_fixture fx("kanban.spec", rt::test::quick_heartbeat());
    auto run = fx.run("*");
    require_all_pass(run);
    REQUIRE(run.results.size() >= 20);
}

TEST_CASE("every case passes against rt serve on helpdesk.spec") {
    rt::test::check_fixture fx("helpdesk.spec", rt::test::quick_heartbeat());
    require_all_pass(fx.run("*"));
}

TEST_CASE("every case passes against rt serve on inventory.spec") {
    rt::test::check_fixture fx("inventory.spec", rt::test::quick_heartbeat());
    require_all_pass(fx.run("*"));
}

TEST_CASE("every case passes through a relay that breaks nothing") {
    rt::test::check_fixture fx("kanban.spec", rt::test::quick_heartbeat());
    require_all_pass(fx.run_broken("*", rt::test::pass_through()));
}

TEST_CASE("case ids are numbered per group and unique") {
    std::set<std::string> ids;
    for (const auto& g : rt::check::case_groups())
        for (std::size_t i = 0; i < g.cases.size(); ++i) {
            REQUIRE(g.cases[i].id == std::to_string(g.number) + "." + std::to_string(i + 1));
            REQUIRE(!g.cases[i].section.empty());
            REQUIRE(g.cases[i].section.rfind("§", 0) == 0);
            REQUIRE(ids.insert(g.cases[i].id).second);
        }
}

TEST_CASE("case selection (--case) takes a case, a group by number or name, and refuses what matches nothing") {
    auto one = rt::check::select_cases({"2.3"});
    REQUIRE(one.ok());
    REQUIRE(one->size() == 1);
    REQUIRE(one->front().def->id == "2.3");
    auto group = rt::check::select_cases({"2.*"});
    REQUIRE(group.ok());
    REQUIRE(group->size() == rt::check::case_groups()[1].cases.size());
    auto by_name = rt::check::select_cases({"snapshot,1.1"});
    REQUIRE(by_name.ok());
    REQUIRE(by_name->size() == group->size() + 1);
    REQUIRE(by_name->front().def->id == "1.1");  // suite order, not the order asked
    auto none = rt::check::select_cases({"99.1"});
    REQUIRE_FALSE(none.ok());
    REQUIRE(none.error().find("99.1") != std::string::npos);
}

TEST_CASE("the rt check command passes against rt serve, writes JSON and HTML, exits 0") {
    rt::test::rt_server server({}, rt::test::check_spec_path("helpdesk.spec"));
    const std::string json_path = rt::test::temp_path("check.json"), html_path = rt::test::temp_path("check.html");
    auto r = rt::test::run_rt({"check", "--url", server.ws_url(), "--case", "2.*,3.*", "--json", json_path, "--report", html_path},
                              std::chrono::seconds(60));
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(r.out.find("2.1  pass") != std::string::npos);
    REQUIRE(r.out.find("0 failed") != std::string::npos);
    std::ifstream jf(json_path);
    const auto j = nlohmann::json::parse(jf, nullptr, false);
    REQUIRE(j.is_object());
    REQUIRE(j["verdict"] == "pass");
    REQUIRE(j["failed"] == 0);
    REQUIRE(j["cases"].size() == rt::check::case_groups()[1].cases.size() + rt::check::case_groups()[2].cases.size());
    std::ifstream hf(html_path);
    const std::string html((std::istreambuf_iterator<char>(hf)), std::istreambuf_iterator<char>());
    REQUIRE(html.find("<!DOCTYPE html>") == 0);
    REQUIRE(html.find("conforms") != std::string::npos);
}

TEST_CASE("the rt check command exits 1 and prints the frames when a case fails") {
    rt::test::rt_server server;
    // A spec that does not match the server's app: the check's subscription does not exist there.
    auto r = rt::test::run_rt({"check", "--url", server.ws_url(), "--spec", "check", "--case", "2.1"}, std::chrono::seconds(30));
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 1);
    REQUIRE(r.out.find("2.1  FAIL") != std::string::npos);
    REQUIRE(r.out.find("UNKNOWN_SUBSCRIPTION") != std::string::npos);
    REQUIRE(r.out.find(" > {") != std::string::npos);  // the transcript: a sent frame
}

TEST_CASE("usage errors exit 2 naming the problem") {
    auto bad_case = rt::test::run_rt({"check", "--case", "42.*", "--url", "ws://127.0.0.1:1/live"});
    REQUIRE(bad_case.exit_code == 2);
    REQUIRE(bad_case.err.find("42.*") != std::string::npos);
    auto bad_url = rt::test::run_rt({"check", "--url", "http://x"});
    REQUIRE(bad_url.exit_code == 2);
    REQUIRE(bad_url.err.find("--url") != std::string::npos);
    auto unreachable = rt::test::run_rt({"check", "--url", "ws://127.0.0.1:1/live", "--spec", "check"});
    REQUIRE(unreachable.exit_code == 2);
    REQUIRE(unreachable.err.find("127.0.0.1:1") != std::string::npos);
    auto list = rt::test::run_rt({"check", "--list"});
    REQUIRE(list.exit_code == 0);
    REQUIRE(list.out.find("2.3") != std::string::npos);
    auto spec = rt::test::run_rt({"check", "--print-spec"});
    REQUIRE(spec.exit_code == 0);
    REQUIRE(spec.out.find("subscription ItemUpdates") != std::string::npos);
}

TEST_CASE("the check spec runs every case when a server loads it") {
    const std::string path = rt::test::temp_path("check.spec");
    {
        std::ofstream out(path);
        out << rt::check::check_spec_text();
    }
    rt::test::rt_server server(rt::test::quick_heartbeat(), path);
    auto in = rt::check::prepare_check(server.ws_url(), "", "check", std::chrono::milliseconds(2000));
    REQUIRE(in.ok());
    REQUIRE(in->shape.leave.has_value());
    REQUIRE_FALSE(in->shape.second_subscription.empty());
    auto cases = rt::check::select_cases({});
    REQUIRE(cases.ok());
    require_all_pass(rt::check::run_cases(in->target, in->shape, in->info, *cases, "rtcheck-spec"));
}

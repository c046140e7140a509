// Black-box: `rt partition run` against an external target — an `rt serve` this test starts itself,
// outside the scenario — with the fault proxy between the scenario's subscribers and it. The
// scenario workload is the kanban demo's (Task / TaskUpdates by board), so the target serves
// scenarios/kanban.spec.
#include <catch2/catch.hpp>

#include <signal.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report_checks.hpp"
#include "support/rt_process.hpp"

using namespace rt::test;
using namespace std::chrono_literals;

namespace {

// The pid in `path` (written by the test or by its restart command), or 0.
int external_read_pid(const std::string& path) {
    std::ifstream in(path);
    int pid = 0;
    in >> pid;
    return pid;
}

}  // namespace

TEST_CASE("partition run: external target with a token, latency, blackhole and reset through the proxy",
          "[chaos][scenario][target][slow]") {
    const std::string tokens = external_write("external-tokens.toml",
                                              "[tokens.chaos-token]\nuser = \"chaos\"\n"
                                              "subscribe = [\"TaskUpdates\"]\npublish = [\"Task\"]\n");
    // The target's heartbeat is what notices a blackholed connection.
    rt_server target({"--tokens", tokens, "--ping-interval", "1s", "--pong-timeout", "500ms", "--log-level", "warn"});
    auto o = external_run("external-faults",
                          "target = \"" + target.ws_url() + "\"\n"
                          "token = \"chaos-token\"\n"
                          "subscribers = 20\nboards = 4\nrate = \"20/s\"\nduration = \"5s\"\n"
                          "timeline = \"0.3s latency 50ms jitter 10ms; 1s blackhole; 3s heal; 3.5s reset\"\n"
                          "drain_timeout = \"10s\"\n"
                          "[client]\nbackoff_cap = \"1s\"\n"
                          "[expect]\nmax_resyncs = 0\nmin_reconnects = 20\nmin_resumed = 20\n");
    INFO(o.run.out);
    INFO(o.run.err);
    CHECK(o.run.exit_code == 0);
    CHECK_THAT(o.run.err, Catch::Contains("using the external target " + target.ws_url()));
    CHECK_THAT(o.run.err, !Catch::Contains("started rt serve"));
    external_check_exactly_once(o.report);
    CHECK(o.report["resynced"] == 0);
    CHECK(o.report["resumed"].get<int>() >= 20);  // every subscriber was cut and resumed through the proxy
    CHECK(o.report["delivery"]["totals"]["replayed"].get<int>() > 0);
    CHECK(target.proc().running());  // the run never touched the target itself
}

TEST_CASE("partition run: external target restarted by kill_cmd and restart_cmd resumes exactly once",
          "[chaos][scenario][target][slow]") {
    const std::string db = temp_path("external-restart.db");
    const std::string pid_file = temp_path("external-restart.pid");
    const std::string log = temp_path("external-restart.log");
    // --db: the target keeps each stream's history across its restart, so subscribers resume.
    rt_server target({"--db", db, "--log-level", "warn"});
    std::ofstream(pid_file) << target.proc().pid() << "\n";
    const std::string restart = std::string(RT_BINARY) + " serve --spec " + kanban_spec_path() + " --db " + db +
                                " --listen 127.0.0.1:" + std::to_string(target.port()) + " --log-level warn >" + log +
                                " 2>&1 & echo $! >" + pid_file;
    // The target comes from the flag: the scenario carries only the commands.
    auto o = external_run("external-restart",
                          "kill_cmd = \"kill -9 $(cat " + pid_file + ")\"\n"
                          "restart_cmd = \"" + restart + "\"\n"
                          "command_timeout = \"10s\"\n"
                          "subscribers = 20\nboards = 4\nrate = \"20/s\"\nduration = \"5s\"\n"
                          "timeline = \"1s kill_server; 2.5s restart_server\"\n"
                          "drain_timeout = \"10s\"\n"
                          "[client]\nbackoff_cap = \"1s\"\n"
                          "[expect]\nmax_resyncs = 0\nmin_reconnects = 20\n",
                          {"--target", target.ws_url()});
    const int restarted = external_read_pid(pid_file);
    if (restarted > 0 && restarted != target.proc().pid()) kill(restarted, SIGKILL);  // the restarted target is ours
    INFO(o.run.out);
    INFO(o.run.err);
    CHECK(o.run.exit_code == 0);
    CHECK(restarted != target.proc().pid());  // restart_cmd ran and started a new server
    CHECK_FALSE(target.proc().running());      // kill_cmd killed the first one
    external_check_exactly_once(o.report);
    CHECK(o.report["resynced"] == 0);
    CHECK(o.report["resumed"].get<int>() >= 20);  // across the restart, from the target's --db
    REQUIRE(o.report["steps"].size() == 2);
    CHECK(o.report["steps"][0]["outcome"] == "ok");
    CHECK(o.report["steps"][1]["outcome"] == "ok");
}

TEST_CASE("partition run: external target published to over REST", "[chaos][scenario][target]") {
    rt_server target({"--log-level", "warn"});
    auto o = external_run("external-rest",
                          "target = \"" + target.ws_url() + "\"\n"
                          "publish_url = \"" + target.http_base() + "/api\"\n"
                          "subscribers = 4\nboards = 2\nrate = \"20/s\"\nduration = \"2s\"\n"
                          "timeline = \"1s reset\"\n"
                          "[expect]\nmin_reconnects = 4\n",
                          {}, 40s);
    INFO(o.run.out);
    INFO(o.run.err);
    CHECK(o.run.exit_code == 0);
    CHECK_THAT(o.run.err, Catch::Contains("publishing over REST to " + target.http_base() + "/api"));
    external_check_exactly_once(o.report);
    CHECK(o.report["publisher"]["refused"] == 0);
    CHECK(o.report["acked_not_delivered"] == 0);  // every change the REST replies acknowledged became an event
    CHECK(o.report["published_events"].get<int>() >= o.report["publisher"]["acked"].get<int>());
}

TEST_CASE("partition run: external target without kill_cmd or restart_cmd is refused at load time",
          "[chaos][scenario][target]") {
    const std::string no_kill = external_write("external-no-kill.toml",
                                               "target = \"ws://127.0.0.1:1/live\"\n"
                                               "timeline = \"1s kill_server; 2s restart_server\"\n");
    auto r = run_rt({"partition", "run", no_kill}, 10s);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("step \"1s kill_server\" needs kill_cmd"));

    // --target on a scenario that restarts the server it would start: the same check.
    auto flag = run_rt({"partition", "run", std::string(RT_SOURCE_DIR) + "/scenarios/server-restart.toml", "--target",
                        "ws://127.0.0.1:1/live"},
                       10s);
    CHECK(flag.exit_code == 2);
    CHECK_THAT(flag.err, Catch::Contains("needs kill_cmd"));
    CHECK_THAT(flag.err, Catch::Contains("(--target)"));

    const std::string faults_only = external_write("external-faults-only.toml", "timeline = \"1s reset\"\n");
    auto both = run_rt({"partition", "run", faults_only, "--target", "ws://127.0.0.1:1/live", "--upstream", "127.0.0.1:1"}, 10s);
    CHECK(both.exit_code == 2);
    CHECK_THAT(both.err, Catch::Contains("give one of them"));
}

TEST_CASE("partition run: a failing restart_cmd fails the run and says why", "[chaos][scenario][target]") {
    rt_server target({"--log-level", "warn"});
    auto o = external_run("external-bad-restart",
                          "target = \"" + target.ws_url() + "\"\n"
                          "kill_cmd = \"true\"\n"
                          "restart_cmd = \"echo no such service >&2; exit 4\"\n"
                          "subscribers = 2\nboards = 1\nrate = \"10/s\"\nduration = \"1s\"\n"
                          "timeline = \"0.2s kill_server; 0.5s restart_server\"\n",
                          {}, 40s);
    INFO(o.run.err);
    CHECK(o.run.exit_code == 1);
    CHECK_THAT(o.run.out, Catch::Contains("restart_cmd: `echo no such service >&2; exit 4` exited with status 4"));
    CHECK_THAT(o.run.out, Catch::Contains("no such service"));
    CHECK(o.report["ok"] == false);
}

TEST_CASE("partition run: --server-listen and --proxy-listen place the server and the proxy", "[chaos][scenario]") {
    const std::string scenario = "spec = \"" + kanban_spec_path() + "\"\nsubscribers = 2\nboards = 1\nrate = \"10/s\"\nduration = \"1s\"\ntimeline = \"0.5s reset\"\n";
    auto o = external_run("external-listen", scenario, {"--server-listen", "127.0.0.2:0", "--proxy-listen", "127.0.0.3:0"},
                          40s);
    INFO(o.run.out);
    INFO(o.run.err);
    CHECK(o.run.exit_code == 0);
    CHECK_THAT(o.run.err, Catch::Contains("started rt serve on ws://127.0.0.2:"));
    CHECK_THAT(o.run.err, Catch::Contains("fault proxy on 127.0.0.3:"));
    check_report_passed_exactly_once(o.report);

    auto bad = external_run("external-bad-listen", scenario, {"--proxy-listen", "somewhere"}, 10s);
    CHECK(bad.run.exit_code == 2);
    CHECK_THAT(bad.run.err, Catch::Contains("--proxy-listen: "));
}

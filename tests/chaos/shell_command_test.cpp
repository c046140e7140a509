// run_shell_command: the exit status is checked, the output's tail explains a failure, and a
// command that runs too long is killed with its process group.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <fstream>
#include <string>

#include "chaos/shell_command.hpp"
#include "support/rt_process.hpp"

using rt::chaos::run_shell_command;
using namespace std::chrono_literals;

TEST_CASE("shell command: exit 0 is success, another status an error with its output", "[chaos][command]") {
    CHECK(run_shell_command("true", 10s).ok());
    CHECK(run_shell_command("echo restarting; exit 0", 10s).ok());

    auto failed = run_shell_command("echo cannot bind port >&2; exit 3", 10s);
    REQUIRE_FALSE(failed.ok());
    CHECK_THAT(failed.error(), Catch::Contains("exited with status 3"));
    CHECK_THAT(failed.error(), Catch::Contains("cannot bind port"));

    auto missing = run_shell_command("/nonexistent/restart-script", 10s);
    REQUIRE_FALSE(missing.ok());
    CHECK_THAT(missing.error(), Catch::Contains("exited with status 127"));
}

TEST_CASE("shell command: past its timeout the command is killed", "[chaos][command]") {
    const auto t0 = std::chrono::steady_clock::now();
    auto slow = run_shell_command("echo started; sleep 30", 300ms);
    const auto took = std::chrono::steady_clock::now() - t0;
    REQUIRE_FALSE(slow.ok());
    CHECK_THAT(slow.error(), Catch::Contains("did not finish within 300 ms"));
    CHECK_THAT(slow.error(), Catch::Contains("started"));
    CHECK(took < 10s);  // not the 30 s the command asked for
}

TEST_CASE("shell command: a background process it leaves does not hold the step", "[chaos][command]") {
    // Like a restart_cmd that starts a server in the background: done when the shell exits.
    const std::string pid_file = rt::test::temp_path("background.pid");
    const auto t0 = std::chrono::steady_clock::now();
    auto r = run_shell_command("sleep 30 & echo $! > " + pid_file + "; exit 0", 10s);
    const auto took = std::chrono::steady_clock::now() - t0;
    std::ifstream in(pid_file);
    int pid = 0;
    in >> pid;
    REQUIRE(pid > 0);
    CHECK(kill(pid, 0) == 0);  // still running after the step ended
    kill(pid, SIGKILL);        // ours: stop it
    CHECK(r.ok());
    CHECK(took < 5s);
}

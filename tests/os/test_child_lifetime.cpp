// The test helpers' children die with the test process: an rt serve started by rt::test::rt_server
// gets SIGKILL (PR_SET_PDEATHSIG) when the test that started it is killed, instead of lingering.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "support/rt_process.hpp"

namespace {

// The start time (field 22 of /proc/PID/stat, in clock ticks since boot) of `pid` while it is a live
// process; empty once it is gone or a zombie waiting for its new parent to reap it. With the start
// time a PID reused by another process is not mistaken for the one watched.
std::string live_start_time(int pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return {};
    const auto paren = line.rfind(')');  // "PID (COMM) STATE ...": COMM may hold spaces
    if (paren == std::string::npos) return {};
    std::istringstream fields(line.substr(paren + 2));
    std::string field, state, start;
    fields >> state;                                // field 3
    for (int i = 4; i <= 22 && fields >> field; ++i) start = field;
    return state == "Z" ? std::string() : start;
}

}  // namespace

TEST_CASE("rt_server: the rt serve it started dies when the test process is killed", "[os][child]") {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    // A stand-in for a test process: it starts a server, reports the server's PID, then waits to be killed.
    const pid_t test_process = ::fork();
    REQUIRE(test_process >= 0);
    if (test_process == 0) {
        ::close(fds[0]);
        int pid = -1;
        try {
            rt::test::rt_server server;
            pid = server.proc().pid();
            (void)!::write(fds[1], &pid, sizeof pid);
            for (;;) ::pause();
        } catch (...) {
            (void)!::write(fds[1], &pid, sizeof pid);
        }
        ::_exit(1);
    }
    ::close(fds[1]);
    int server_pid = -1;
    const bool got = ::read(fds[0], &server_pid, sizeof server_pid) == static_cast<ssize_t>(sizeof server_pid);
    ::close(fds[0]);
    const std::string started = got && server_pid > 0 ? live_start_time(server_pid) : std::string();
    ::kill(test_process, SIGKILL);
    int status = 0;
    ::waitpid(test_process, &status, 0);
    REQUIRE(got);
    REQUIRE(server_pid > 0);
    REQUIRE_FALSE(started.empty());  // it ran while its parent lived

    // The kernel sends the SIGKILL as the parent exits; polled (no event to wait on for a process
    // that is not our child), bounded well above what a loaded machine needs.
    const auto alive = [&] { return live_start_time(server_pid) == started; };
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (alive() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const bool gone = !alive();
    if (!gone) ::kill(server_pid, SIGKILL);  // do not leave it behind when the check fails
    CHECK(gone);
}

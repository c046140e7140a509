// os::child_process against /bin/sh: output, exit codes, the SIGTERM-then-SIGKILL stop, the
// bounded tail of output.
#include <catch2/catch.hpp>

#include <signal.h>

#include <string>

#include "os/child_process.hpp"

using namespace std::chrono_literals;
using rt::os::child_options;
using rt::os::child_process;
using rt::os::child_stream;

namespace {

std::unique_ptr<child_process> child_sh(const std::string& script, const child_options& options = {}) {
    auto c = child_process::spawn({"/bin/sh", "-c", script}, options);
    REQUIRE(c.ok());
    return std::move(*c);
}

}  // namespace

TEST_CASE("child_process: stdin in, stdout and stderr captured, exit code out", "[os][child]") {
    child_options o;
    o.stdin_text = "hello\n";
    auto c = child_sh("read line; echo \"out:$line\"; echo \"err:$line\" >&2; exit 3", o);
    CHECK(c->wait_for_output("out:hello", 10s, child_stream::out));
    CHECK(c->wait_for_output("err:hello", 10s));
    CHECK(c->wait_exit(10s) == 3);
    c->join_output();
    CHECK(c->out() == "out:hello\n");
    CHECK(c->err() == "err:hello\n");
    CHECK_FALSE(c->running());
}

TEST_CASE("child_process: a program that cannot be run exits 127", "[os][child]") {
    auto c = child_process::spawn({"/nonexistent/rt"});
    REQUIRE(c.ok());
    CHECK((*c)->wait_exit(10s) == 127);
}

TEST_CASE("child_process: stop sends SIGTERM and returns the exit code", "[os][child]") {
    auto c = child_sh("trap 'echo bye >&2; exit 7' TERM; echo ready >&2; while :; do sleep 0.05; done");
    REQUIRE(c->wait_for_output("ready", 10s));
    CHECK(c->stop(10s) == 7);
    c->join_output();
    CHECK_THAT(c->err(), Catch::Contains("bye"));
}

TEST_CASE("child_process: stop kills a child that ignores SIGTERM after the grace", "[os][child]") {
    auto c = child_sh("trap '' TERM; echo ready >&2; exec sleep 30");
    REQUIRE(c->wait_for_output("ready", 10s));
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(c->stop(300ms) == std::nullopt);
    const auto took = std::chrono::steady_clock::now() - t0;
    CHECK(took >= 300ms);
    CHECK(took < 10s);
    CHECK_FALSE(c->running());
}

TEST_CASE("child_process: wait_for_output gives up when the stream closes without the text", "[os][child]") {
    auto c = child_sh("echo something else >&2");
    const auto t0 = std::chrono::steady_clock::now();
    CHECK_FALSE(c->wait_for_output("never printed", 30s));
    CHECK(std::chrono::steady_clock::now() - t0 < 20s);
}

TEST_CASE("child_process: recent_lines keeps whole lines, and max_kept_bytes bounds the text", "[os][child]") {
    child_options o;
    o.max_kept_bytes = 100;
    o.capture_stdout = false;
    auto c = child_sh("i=0; while [ $i -lt 200 ]; do echo \"line $i\" >&2; i=$((i+1)); done; printf partial >&2", o);
    CHECK(c->wait_exit(10s) == 0);
    c->join_output();
    const std::string err = c->err();
    CHECK(err.size() <= 100);
    CHECK(err.rfind("line ", 0) == 0);  // starts at a whole line
    CHECK(c->recent_lines(2) == "  line 198\n  line 199\n");  // the unterminated "partial" is not a line
    CHECK(c->out().empty());
}

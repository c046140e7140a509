// os::start_serve against the real rt binary (helpdesk spec), and the address it reads.
#include <catch2/catch.hpp>

#include <string>

#include "os/serve_child.hpp"

using namespace std::chrono_literals;

namespace {

std::string serve_child_spec(const char* name) { return std::string(RT_SOURCE_DIR) + "/scenarios/" + name; }

}  // namespace

TEST_CASE("serve_child: listening_port reads the address rt serve prints", "[os][serve]") {
    using rt::os::listening_port;
    CHECK(listening_port("rt serve: listening on ws://127.0.0.1:41357/live (REST ...)") == 41357);
    CHECK(listening_port("x\nrt serve: listening on ws://[::1]:9000/live\n") == 9000);
    CHECK(listening_port("rt serve: listening on ws://127.0.0.1:413") == 0);  // not complete yet
    CHECK(listening_port("listening on ws://127.0.0.1:0/live") == 0);
    CHECK(listening_port("listening on ws://127.0.0.1:99999/live") == 0);
    CHECK(listening_port("something else") == 0);
}

TEST_CASE("serve_child: start_serve learns the port, stop ends it with exit code 0", "[os][serve]") {
    auto c = rt::os::start_serve(RT_BINARY, {"--spec", serve_child_spec("helpdesk.spec"), "--listen", "127.0.0.1:0"}, {},
                                 15s);
    REQUIRE(c.ok());
    CHECK(c->port != 0);
    CHECK(c->process->running());
    CHECK(c->process->stop(5s) == 0);
}

TEST_CASE("serve_child: a server that cannot start is reported with its exit code and output", "[os][serve]") {
    auto c = rt::os::start_serve(RT_BINARY, {"--spec", serve_child_spec("no-such.spec"), "--listen", "127.0.0.1:0"}, {},
                                 15s);
    REQUIRE_FALSE(c.ok());
    CHECK_THAT(c.error(), Catch::Contains("exited with code 2"));
    CHECK_THAT(c.error(), Catch::Contains("no-such.spec"));
}

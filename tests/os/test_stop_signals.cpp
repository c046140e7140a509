// os::stop_signals: a signal sent to this process comes out of wait(), in order; cancel() ends
// every wait with 0.
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <thread>

#include "os/stop_signals.hpp"

using rt::os::stop_signals;

TEST_CASE("stop_signals: SIGTERM and SIGINT are queued for wait instead of ending the process", "[os][signals]") {
    stop_signals signals;
    REQUIRE(::kill(::getpid(), SIGTERM) == 0);
    REQUIRE(::kill(::getpid(), SIGINT) == 0);
    CHECK(signals.wait() == SIGTERM);
    CHECK(signals.wait() == SIGINT);
    CHECK(std::string(stop_signals::name(SIGINT)) == "SIGINT");
}

TEST_CASE("stop_signals: cancel wakes a waiting thread, and every later wait returns 0", "[os][signals]") {
    stop_signals signals{SIGINT, SIGTERM, SIGHUP};
    int got = -1;
    std::thread waiter([&] { got = signals.wait(); });
    signals.cancel();
    waiter.join();
    CHECK(got == 0);
    CHECK(signals.wait() == 0);
}

TEST_CASE("stop_signals: a signal from another thread reaches the waiting thread", "[os][signals]") {
    stop_signals signals{SIGINT, SIGTERM, SIGHUP};
    int got = -1;
    std::thread waiter([&] { got = signals.wait(); });
    std::thread sender([] { ::kill(::getpid(), SIGHUP); });
    sender.join();
    waiter.join();
    CHECK(got == SIGHUP);
}

TEST_CASE("stop_signals: first_only serves one delivery, then the default action is back", "[os][signals]") {
    stop_signals signals({SIGINT}, stop_signals::handle::first_only);
    struct sigaction now {};
    REQUIRE(::sigaction(SIGINT, nullptr, &now) == 0);
    CHECK(now.sa_handler != SIG_DFL);
    REQUIRE(::kill(::getpid(), SIGINT) == 0);
    CHECK(signals.wait() == SIGINT);
    REQUIRE(::sigaction(SIGINT, nullptr, &now) == 0);
    CHECK(now.sa_handler == SIG_DFL);  // a second Ctrl-C would end the process
}

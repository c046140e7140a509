#pragma once
// Test support: a real `redis-server` on a free loopback port, for the --broker tests. Redis does
// not take `--port 0`, so a free port is found by binding one first; the server runs without
// persistence (`--save '' --appendonly no`) unless the test asks for AOF. Stopped by its PID
// (the child process's destructor).
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "os/child_process.hpp"

namespace rt::test {

class redis_process {
public:
    // The redis-server binary, or "" when it is not installed (then the tests skip with a message).
    static std::string binary();
    // Starts it and waits until it accepts connections. `aof_dir` (not empty): append-only file
    // with appendfsync always in that folder, so a restart keeps every acknowledged write.
    explicit redis_process(std::string aof_dir = {});
    ~redis_process();
    redis_process(const redis_process&) = delete;
    redis_process& operator=(const redis_process&) = delete;

    int port() const { return port_; }
    std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
    // Stops it (SIGTERM; a clean shutdown) and waits; restart() starts it again on the same port.
    void stop();
    void restart();
    // A redis-cli command's output ("" when it failed).
    std::string cli(const std::vector<std::string>& args) const;

private:
    void start();
    std::string aof_dir_;
    int port_ = 0;
    std::unique_ptr<os::child_process> proc_;
};

}  // namespace rt::test

// Starts `var` as a redis_process, or WARNs and returns from the test when redis-server is missing.
#define RT_REQUIRE_REDIS(var, ...)                                                                   \
    if (::rt::test::redis_process::binary().empty()) {                                             \
        WARN("redis-server is not installed (apt-get install redis-server): --broker test skipped"); \
        return;                                                                                     \
    }                                                                                               \
    ::rt::test::redis_process var{__VA_ARGS__}

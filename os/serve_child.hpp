#pragma once
// `rt serve` as a child process, shared by the tests (`tests/support/rt_process.*`) and
// `rt partition` (`chaos/server_process.*`): started with its arguments, ready once it printed the
// address it bound ("listening on ws://HOST:PORT/..." on stderr), stopped by PID with SIGTERM then
// SIGKILL after a bound (`child_process::stop`).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "os/child_process.hpp"
#include "protocol/result.hpp"

namespace rt::os {

// The port in "... listening on ws://HOST:PORT/..." (or wss://); 0 when there is no such complete address
// (no marker, no '/' after the port yet, not a port, or port 0).
std::uint16_t listening_port(std::string_view text);

struct serve_child {
    std::unique_ptr<child_process> process;
    std::uint16_t port = 0;  // the port it listens on
};

// Runs `BINARY serve ARGS...` and waits until it prints its address, at most `timeout`. On
// failure the child is killed and the error says why: it exited, or did not start in time, with
// its last lines of output.
result<serve_child, std::string> start_serve(const std::string& binary, const std::vector<std::string>& args,
                                             const child_options& options, std::chrono::milliseconds timeout);

}  // namespace rt::os

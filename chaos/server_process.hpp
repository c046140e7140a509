#pragma once
// An `rt serve` child process that the scenario runner owns: started on 127.0.0.1:0, or the
// launch's listen address (it learns the port from the "listening on ws://..." line), killed with
// SIGKILL, restarted on the same port with the same arguments (and so the same --db), stopped at
// the end. The launching, the address and the stop are `os/serve_child.*`'s (shared with the
// tests); this keeps the arguments and the port across restarts. Only the tail of its stderr is
// kept, for error messages.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "os/child_process.hpp"
#include "protocol/result.hpp"

namespace rt::chaos {

struct server_launch {
    std::string binary;  // the rt executable (the runner passes /proc/self/exe)
    std::string spec_path;
    std::string db_path;  // empty: in-memory store
    std::vector<std::string> extra_args;  // e.g. --ping-interval 1s
    std::string listen_host = "127.0.0.1";  // an IP literal (`rt partition run --server-listen`)
    std::uint16_t listen_port = 0;          // 0: ephemeral on the first start
};

class server_process {
public:
    explicit server_process(server_launch launch);
    ~server_process();  // SIGKILL if still running
    server_process(const server_process&) = delete;
    server_process& operator=(const server_process&) = delete;

    // Starts the server on an ephemeral port (first call) or on the port it had (after kill()),
    // and waits until it prints its address, at most `timeout`. The error says why (exit code
    // and the last lines it printed).
    result<void, std::string> start(std::chrono::milliseconds timeout);
    // SIGKILL and reap. No-op when not running.
    void kill_hard();
    // SIGTERM, wait up to `grace`, then SIGKILL. No-op when not running.
    void stop(std::chrono::milliseconds grace);

    bool running();
    std::uint16_t port() const { return port_; }
    std::string ws_url() const;  // ws://HOST:PORT/live (127.0.0.1 when it listens on every address)
    std::string recent_output() const;

    // Parses the port out of "... listening on ws://127.0.0.1:PORT/live ..."; 0 if absent
    // (os::listening_port).
    static std::uint16_t port_from_line(const std::string& line);

private:
    server_launch launch_;
    std::uint16_t port_ = 0;
    std::unique_ptr<os::child_process> child_;
    std::string ws_path_ = "/live";
};

}  // namespace rt::chaos

#pragma once
// An `rt serve` child process that the scenario runner owns: started on 127.0.0.1:0, or the
// launch's listen address (it learns the port from the "listening on ws://..." line), killed with SIGKILL, restarted on the same
// port with the same arguments (and so the same --db), stopped at the end. Its stderr is drained
// on a thread of its own; the last lines are kept for error messages.
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <condition_variable>
#include <string>
#include <thread>
#include <vector>

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
    result<bool, std::string> start(std::chrono::milliseconds timeout);
    // SIGKILL and reap. No-op when not running.
    void kill_hard();
    // SIGTERM, wait up to `grace`, then SIGKILL. No-op when not running.
    void stop(std::chrono::milliseconds grace);

    bool running();
    std::uint16_t port() const { return port_; }
    std::string ws_url() const;  // ws://HOST:PORT/live (127.0.0.1 when it listens on every address)
    std::string recent_output() const;

    // Parses the port out of "... listening on ws://127.0.0.1:PORT/live ..."; 0 if absent.
    static std::uint16_t port_from_line(const std::string& line);

private:
    void read_stderr(int fd);
    void reap(bool wait);

    server_launch launch_;
    std::uint16_t port_ = 0;
    int pid_ = -1;
    std::thread reader_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::string> last_lines_;  // guarded by mu_
    std::uint16_t announced_port_ = 0;    // guarded by mu_: from the current child's output
    bool output_closed_ = false;          // guarded by mu_
    std::string ws_path_ = "/live";
};

}  // namespace rt::chaos

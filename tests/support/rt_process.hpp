#pragma once
// Test support: run the real `rt` binary. `rt_server` starts `rt serve` on an ephemeral loopback
// port and learns the port from the line it prints; `run_rt` runs a command to completion.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "os/child_process.hpp"

namespace rt::test {

struct run_result {
    int exit_code = -1;  // -1: killed after the timeout
    std::string out;
    std::string err;
};

// Runs `rt ARGS...` with optional stdin text; kills it after `timeout`.
run_result run_rt(const std::vector<std::string>& args, std::chrono::milliseconds timeout = std::chrono::seconds(20),
                  const std::string& stdin_text = {});

// `rt ARGS...` as a child process (an os::child_process running the rt binary under test).
// It gets SIGKILL when the test process dies (PR_SET_PDEATHSIG): no rt lingers after a killed test.
// The kernel ties that to the thread that started it: start a child on a thread that outlives it.
class rt_process {
public:
    // Starts `rt ARGS...` with `stdin_text` on its stdin (then end of file), capturing stdout and
    // stderr in the background. Throws when it cannot start.
    explicit rt_process(const std::vector<std::string>& args, const std::string& stdin_text = {});
    // Adopts a child already started (rt_server's, by os::start_serve).
    explicit rt_process(std::unique_ptr<os::child_process> child) : child_(std::move(child)) {}
    rt_process(const rt_process&) = delete;
    rt_process& operator=(const rt_process&) = delete;

    // Waits until stderr (or stdout with `on_stdout`) contains `text`; false on timeout or exit.
    bool wait_for_output(const std::string& text, std::chrono::milliseconds timeout, bool on_stdout = false) {
        return child_->wait_for_output(text, timeout, on_stdout ? os::child_stream::out : os::child_stream::err);
    }
    std::string err() const { return child_->err(); }
    std::string out() const { return child_->out(); }
    void signal(int sig) { child_->signal(sig); }
    // Waits for exit, then until its stdout and stderr are read to the end (their reader threads may
    // lag behind the exit on a loaded machine: out()/err() right after would miss the last lines);
    // returns the exit code, or nullopt on timeout.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout);
    int pid() const { return child_->pid(); }
    bool running() { return child_->running(); }
    // Waits until the child's stdout and stderr are closed (it exited, or handed them on).
    void join_output() { child_->join_output(); }
    os::child_process& child() { return *child_; }

private:
    std::unique_ptr<os::child_process> child_;  // killed (SIGKILL) and reaped by its destructor
};

// `rt serve --spec SPEC --listen 127.0.0.1:0 EXTRA...`, ready to accept when constructed.
class rt_server {
public:
    explicit rt_server(std::vector<std::string> extra = {}, std::string spec = {});
    int port() const { return port_; }
    std::string ws_url(const std::string& query = {}) const;  // ws://127.0.0.1:PORT/live[?query]
    std::string http_base() const;                            // http://127.0.0.1:PORT
    rt_process& proc() { return *proc_; }
    // SIGTERM and wait; returns the exit code (nullopt if it did not exit in time: then it is killed).
    std::optional<int> stop(std::chrono::milliseconds timeout = std::chrono::seconds(5));

private:
    std::unique_ptr<rt_process> proc_;
    int port_ = 0;
};

// A minimal blocking HTTP/1.1 client for the REST tests (loopback only).
struct http_reply {
    int status = 0;
    std::string body;
    std::string headers;
};
http_reply http_request(int port, const std::string& method, const std::string& path, const std::string& body = {},
                        const std::vector<std::string>& headers = {});

// A process's resident memory (VmRSS) in KiB, or -1 when it cannot be read.
long rss_kib(int pid);

// For a test that bounds a server's RSS growth: while one lives, the servers it starts run, in an
// AddressSanitizer build (./dev.sh asan), with ASan's quarantine off (ASAN_OPTIONS
// quarantine_size_mb=0, appended to the caller's). The quarantine holds up to 256 MiB of freed
// blocks back from reuse, so a server that churns through memory grew 50 to 400 MiB under ASan
// where a normal build grows 1 to 20 MiB; without it the growth is that of a normal build plus
// redzones and shadow, and the tests keep their exact bounds. Those servers still catch overflows
// (redzones), not use-after-free. Does nothing in a normal build. One at a time, not across threads.
class rss_bounded_servers {
public:
    rss_bounded_servers();
    ~rss_bounded_servers();
    rss_bounded_servers(const rss_bounded_servers&) = delete;
    rss_bounded_servers& operator=(const rss_bounded_servers&) = delete;

private:
    bool had_options_ = false;
    std::string options_;  // ASAN_OPTIONS as it was
};

// True in an AddressSanitizer build (./dev.sh asan), where the code under test runs several times
// slower: a bound on time or throughput that is not the point of a test may be raised there only.
bool built_with_asan();

std::string kanban_spec_path();
std::string temp_path(const std::string& name);  // a fresh path under the test temp dir

}  // namespace rt::test

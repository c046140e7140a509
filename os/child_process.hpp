#pragma once
// A child process with its output captured: fork + exec of an argv, stdin fed from a string (then
// end of file) or /dev/null, stdout and stderr read on threads of their own into buffers that
// callers wait on. Used to run `rt serve` from the tests (`tests/support/rt_process.*`) and from
// `rt partition` (`chaos/server_process.*`) through `os/serve_child.*`.
//
// Contract: one owner thread calls everything but `wait_until`, `wait_for_output`, `err`, `out`,
// `recent_lines`, which any thread may call. Every descriptor is close-on-exec, so a child started on one thread
// never holds another child's pipes open. The destructor kills (SIGKILL) a child still running,
// reaps it and joins the reader threads.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "protocol/result.hpp"

namespace rt::os {

struct child_options {
    std::string stdin_text;        // written to the child's stdin, then end of file
    bool stdin_null = false;       // stdin from /dev/null instead (stdin_text ignored)
    bool capture_stdout = true;    // false: stdout goes to /dev/null
    bool die_with_parent = false;  // PR_SET_PDEATHSIG: the child gets SIGKILL if this process dies
    // Keep the child's stdin open for write_stdin() (stdin_text and stdin_null ignored): a
    // control channel. It ends with close_stdin() or the destructor.
    bool stdin_pipe = false;
    // A process group of its own (setpgid): a terminal's Ctrl-C then reaches only this process,
    // which decides what the child gets.
    bool own_process_group = false;
    // Captured text kept per stream; past it the oldest whole lines go. Unbounded by default: a
    // test reads everything a short-lived child printed; a long chaos run keeps only the tail.
    std::size_t max_kept_bytes = 0;  // 0 = keep everything
};

enum class child_stream { out, err };

// The path of this process's own executable (/proc/self/exe), to start another copy of it;
// empty when it cannot be read.
std::string self_executable();

class child_process {
public:
    // Starts argv[0] (a path, not searched in PATH) with `argv`. Error: which system call failed.
    static result<std::unique_ptr<child_process>, std::string> spawn(const std::vector<std::string>& argv,
                                                                     const child_options& options = {});
    ~child_process();
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    // Waits until `done(text so far)` holds; false on timeout, or once the stream closed without it.
    // `done` runs under the buffer's lock: it must only look at the text.
    bool wait_until(const std::function<bool(std::string_view)>& done, std::chrono::milliseconds timeout,
                    child_stream which = child_stream::err);
    // Waits until the stream holds `text` (wait_until with a search).
    bool wait_for_output(std::string_view text, std::chrono::milliseconds timeout,
                         child_stream which = child_stream::err);
    std::string err() const;
    std::string out() const;
    // The last `n` complete lines of stderr, each indented by two spaces and ending in '\n'.
    std::string recent_lines(std::size_t n) const;

    int pid() const { return pid_; }
    void signal(int sig);
    // Reaps the child if it has exited; true while it runs.
    bool running();
    // Waits for exit; the exit code (128 + signal number when killed), or nullopt on timeout.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout);
    // SIGTERM, then SIGKILL if it has not exited after `grace`; returns the exit code, or nullopt
    // when it had to be killed. No-op (returns the known code) when it already exited.
    std::optional<int> stop(std::chrono::milliseconds grace);
    // SIGKILL and reap; no-op when not running.
    void kill_now();
    // With child_options::stdin_pipe: writes all of `text` to the child's stdin. False when the
    // pipe is closed or the child has gone (the caller must ignore SIGPIPE). Any thread.
    bool write_stdin(std::string_view text);
    // Closes the child's stdin (end of file there). Idempotent; any thread.
    void close_stdin();
    // Waits until the child's stdout and stderr are closed (it exited, or handed them on).
    void join_output();

private:
    child_process() = default;
    struct buffer {
        std::string text;
        bool open = true;
    };
    void read_into(int fd, buffer& sink);
    buffer& stream(child_stream which) { return which == child_stream::out ? out_ : err_; }

    int pid_ = -1;
    std::mutex in_mu_;
    int in_fd_ = -1;  // stdin_pipe: our end of the child's stdin; guarded by in_mu_
    std::size_t max_kept_bytes_ = 0;
    std::optional<int> exit_code_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    buffer out_, err_;  // guarded by mu_
    std::thread in_thread_, out_thread_, err_thread_;
};

}  // namespace rt::os

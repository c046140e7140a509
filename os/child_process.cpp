#include "os/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rt::os {
namespace {

std::string sys_error(const char* call) { return std::string(call) + ": " + std::strerror(errno); }

void close_all(std::initializer_list<int> fds) {
    for (int fd : fds)
        if (fd >= 0) ::close(fd);
}

// Polling a child's exit: waitpid has no timeout; 5 ms steps keep this cheap.
constexpr auto exit_poll_step = std::chrono::milliseconds(5);

}  // namespace

std::string self_executable() {
    char buf[4096];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

result<std::unique_ptr<child_process>, std::string> child_process::spawn(const std::vector<std::string>& argv_text,
                                                                          const child_options& options) {
    if (argv_text.empty()) return make_unexpected(std::string("spawn: empty argv"));
    std::vector<std::string> storage = argv_text;
    std::vector<char*> argv;
    for (auto& a : storage) argv.push_back(a.data());
    argv.push_back(nullptr);

    int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
    const bool feed_stdin = !options.stdin_null || options.stdin_pipe;
    if ((feed_stdin && ::pipe2(in_pipe, O_CLOEXEC) != 0) ||
        (options.capture_stdout && ::pipe2(out_pipe, O_CLOEXEC) != 0) || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
        std::string why = sys_error("pipe");
        close_all({in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]});
        return make_unexpected(std::move(why));
    }
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
        std::string why = sys_error("fork");
        close_all({in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]});
        return make_unexpected(std::move(why));
    }
    if (pid == 0) {
        // Only async-signal-safe calls between fork and exec. dup2 clears close-on-exec on the copy.
        if (options.die_with_parent) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) ::_exit(127);  // the parent died before prctl took effect
        }
        if (options.own_process_group) ::setpgid(0, 0);
        const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
        ::dup2(feed_stdin ? in_pipe[0] : null_fd, 0);
        ::dup2(options.capture_stdout ? out_pipe[1] : null_fd, 1);
        ::dup2(err_pipe[1], 2);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    close_all({in_pipe[0], out_pipe[1], err_pipe[1]});

    std::unique_ptr<child_process> p(new child_process());
    p->pid_ = pid;
    p->max_kept_bytes_ = options.max_kept_bytes;
    p->out_.open = options.capture_stdout;
    if (options.stdin_pipe) {
        p->in_fd_ = in_pipe[1];
    } else if (feed_stdin) {
        p->in_thread_ = std::thread([fd = in_pipe[1], text = options.stdin_text] {
            std::size_t off = 0;
            while (off < text.size()) {
                const ssize_t n = ::write(fd, text.data() + off, text.size() - off);
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) break;
                off += static_cast<std::size_t>(n);
            }
            ::close(fd);
        });
    }
    child_process* self = p.get();
    if (options.capture_stdout) p->out_thread_ = std::thread([self, fd = out_pipe[0]] { self->read_into(fd, self->out_); });
    p->err_thread_ = std::thread([self, fd = err_pipe[0]] { self->read_into(fd, self->err_); });
    return p;
}

void child_process::read_into(int fd, buffer& sink) {
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        std::lock_guard<std::mutex> lock(mu_);
        sink.text.append(buf, static_cast<std::size_t>(n));
        if (max_kept_bytes_ != 0 && sink.text.size() > max_kept_bytes_) {
            // Drop the oldest whole lines, so what is kept starts at a line.
            std::size_t cut = sink.text.find('\n', sink.text.size() - max_kept_bytes_);
            sink.text.erase(0, cut == std::string::npos ? sink.text.size() - max_kept_bytes_ : cut + 1);
        }
        cv_.notify_all();
    }
    ::close(fd);
    std::lock_guard<std::mutex> lock(mu_);
    sink.open = false;
    cv_.notify_all();
}

child_process::~child_process() {
    close_stdin();
    kill_now();
    join_output();
}

void child_process::join_output() {
    if (in_thread_.joinable()) in_thread_.join();
    if (out_thread_.joinable()) out_thread_.join();
    if (err_thread_.joinable()) err_thread_.join();
}

bool child_process::wait_until(const std::function<bool(std::string_view)>& done, std::chrono::milliseconds timeout,
                               child_stream which) {
    std::unique_lock<std::mutex> lock(mu_);
    const buffer& b = stream(which);
    cv_.wait_for(lock, timeout, [&] { return done(b.text) || !b.open; });
    return done(b.text);
}

bool child_process::wait_for_output(std::string_view text, std::chrono::milliseconds timeout, child_stream which) {
    return wait_until([text](std::string_view s) { return s.find(text) != std::string_view::npos; }, timeout, which);
}

std::string child_process::err() const {
    std::lock_guard<std::mutex> lock(mu_);
    return err_.text;
}

std::string child_process::out() const {
    std::lock_guard<std::mutex> lock(mu_);
    return out_.text;
}

std::string child_process::recent_lines(std::size_t n) const {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string_view t = err_.text;
    std::size_t stop = t.rfind('\n');  // complete lines only: each ends at a '\n'
    std::vector<std::string_view> lines;
    while (stop != std::string_view::npos && lines.size() < n) {
        const std::size_t prev = stop == 0 ? std::string_view::npos : t.rfind('\n', stop - 1);
        const std::size_t start = prev == std::string_view::npos ? 0 : prev + 1;
        lines.push_back(t.substr(start, stop - start));
        stop = prev;
    }
    std::string out;
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        out += "  ";
        out += *it;
        out += '\n';
    }
    return out;
}

bool child_process::write_stdin(std::string_view text) {
    std::lock_guard<std::mutex> lock(in_mu_);
    std::size_t off = 0;
    while (in_fd_ >= 0 && off < text.size()) {
        const ssize_t n = ::write(in_fd_, text.data() + off, text.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        off += static_cast<std::size_t>(n);
    }
    return in_fd_ >= 0;
}

void child_process::close_stdin() {
    std::lock_guard<std::mutex> lock(in_mu_);
    if (in_fd_ >= 0) ::close(in_fd_);
    in_fd_ = -1;
}

void child_process::signal(int sig) {
    if (running()) ::kill(pid_, sig);
}

bool child_process::running() {
    if (exit_code_ || pid_ <= 0) return false;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return false;
    }
    if (r < 0 && errno == ECHILD) {  // reaped elsewhere: the code is unknown
        exit_code_ = -1;
        return false;
    }
    return r == 0;
}

std::optional<int> child_process::wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
        if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
        std::this_thread::sleep_for(exit_poll_step);
    }
    return exit_code_;
}

std::optional<int> child_process::stop(std::chrono::milliseconds grace) {
    if (!running()) return exit_code_;
    ::kill(pid_, SIGTERM);
    if (auto code = wait_exit(grace)) return code;
    kill_now();
    return std::nullopt;
}

void child_process::kill_now() {
    if (!running()) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    exit_code_ = 128 + SIGKILL;
}

}  // namespace rt::os

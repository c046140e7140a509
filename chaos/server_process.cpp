#include "chaos/server_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rt::chaos {
namespace {

// Why 20: enough to show a start-up error and the log lines before it.
constexpr std::size_t kept_lines = 20;

}  // namespace

server_process::server_process(server_launch launch) : launch_(std::move(launch)), port_(launch_.listen_port) {}

server_process::~server_process() { kill_hard(); }

std::uint16_t server_process::port_from_line(const std::string& line) {
    const std::string marker = "listening on ws://";
    std::size_t at = line.find(marker);
    if (at == std::string::npos) return 0;
    std::size_t colon = line.find(':', at + marker.size());
    if (colon == std::string::npos) return 0;
    unsigned long port = 0;
    std::size_t i = colon + 1;
    for (; i < line.size() && line[i] >= '0' && line[i] <= '9' && port <= 65535; ++i) port = port * 10 + (line[i] - '0');
    if (i == colon + 1 || port == 0 || port > 65535) return 0;
    return static_cast<std::uint16_t>(port);
}

std::string server_process::ws_url() const {
    const std::string& h = launch_.listen_host;
    std::string host = h == "0.0.0.0" ? "127.0.0.1" : h == "::" ? "[::1]" : h.find(':') != std::string::npos ? "[" + h + "]" : h;
    return "ws://" + host + ":" + std::to_string(port_) + ws_path_;
}

std::string server_process::recent_output() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::string out;
    for (const auto& l : last_lines_) out += "  " + l + "\n";
    return out;
}

result<bool, std::string> server_process::start(std::chrono::milliseconds timeout) {
    if (running()) return make_unexpected(std::string("the server is already running"));
    if (reader_.joinable()) reader_.join();
    const std::string& h = launch_.listen_host;
    std::vector<std::string> args{launch_.binary, "serve", "--spec", launch_.spec_path, "--listen",
                                  (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + std::to_string(port_)};
    if (!launch_.db_path.empty()) {
        args.push_back("--db");
        args.push_back(launch_.db_path);
    }
    for (const auto& a : launch_.extra_args) args.push_back(a);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return make_unexpected(std::string("pipe: ") + std::strerror(errno));
    {
        std::lock_guard<std::mutex> lock(mu_);
        announced_port_ = 0;
        output_closed_ = false;
    }
    const pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return make_unexpected(std::string("fork: ") + std::strerror(errno));
    }
    if (pid == 0) {
        // Only async-signal-safe calls between fork and exec.
        prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the runner
        if (getppid() != parent) _exit(127);
        dup2(fds[1], 2);
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, 0);
            dup2(devnull, 1);
        }
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(fds[1]);
    pid_ = pid;
    reader_ = std::thread([this, fd = fds[0]] { read_stderr(fd); });

    std::unique_lock<std::mutex> lock(mu_);
    bool announced = cv_.wait_for(lock, timeout, [&] { return announced_port_ != 0 || output_closed_; }) &&
                     announced_port_ != 0;
    if (!announced) {
        lock.unlock();
        kill_hard();
        return make_unexpected("the server did not start within " + std::to_string(timeout.count()) +
                               " ms; its last output:\n" + recent_output());
    }
    port_ = announced_port_;
    return true;
}

void server_process::read_stderr(int fd) {
    std::string partial;
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        partial.append(buf, static_cast<std::size_t>(n));
        std::size_t nl;
        while ((nl = partial.find('\n')) != std::string::npos) {
            std::string line = partial.substr(0, nl);
            partial.erase(0, nl + 1);
            std::lock_guard<std::mutex> lock(mu_);
            if (announced_port_ == 0) announced_port_ = port_from_line(line);
            last_lines_.push_back(std::move(line));
            if (last_lines_.size() > kept_lines) last_lines_.pop_front();
            cv_.notify_all();
        }
    }
    close(fd);
    std::lock_guard<std::mutex> lock(mu_);
    output_closed_ = true;
    cv_.notify_all();
}

bool server_process::running() {
    if (pid_ <= 0) return false;
    reap(false);
    return pid_ > 0;
}

void server_process::reap(bool wait) {
    if (pid_ <= 0) return;
    int status = 0;
    pid_t r = waitpid(pid_, &status, wait ? 0 : WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) pid_ = -1;
}

void server_process::kill_hard() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        reap(true);
    }
    if (reader_.joinable()) reader_.join();  // the pipe closes with the process
}

void server_process::stop(std::chrono::milliseconds grace) {
    if (!running()) {
        if (reader_.joinable()) reader_.join();
        return;
    }
    ::kill(pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (running() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // waitpid has no timeout
    kill_hard();
}

}  // namespace rt::chaos

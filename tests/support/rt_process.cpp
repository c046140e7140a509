#include "support/rt_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <cctype>
#include <cstring>
#include <stdexcept>

namespace rt::test {

namespace {

std::vector<char*> argv_of(const std::vector<std::string>& args, std::vector<std::string>& storage) {
    storage.clear();
    storage.push_back(RT_BINARY);
    for (const auto& a : args) storage.push_back(a);
    std::vector<char*> argv;
    for (auto& s : storage) argv.push_back(s.data());
    argv.push_back(nullptr);
    return argv;
}

}  // namespace

long rss_kib(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

std::string kanban_spec_path() { return std::string(RT_SOURCE_DIR) + "/scenarios/kanban.spec"; }

std::string temp_path(const std::string& name) {
    static std::atomic<int> n{0};
    char tmpl[] = "/tmp/rt-test-XXXXXX";
    static std::string dir = mkdtemp(tmpl);
    return dir + "/" + std::to_string(getpid()) + "-" + std::to_string(n++) + "-" + name;
}

rt_process::rt_process(const std::vector<std::string>& args, const std::string& stdin_text) {
    int in_pipe[2], out_pipe[2], err_pipe[2];
    if (pipe(in_pipe) != 0 || pipe(out_pipe) != 0 || pipe(err_pipe) != 0) throw std::runtime_error("pipe failed");
    std::vector<std::string> storage;
    auto argv = argv_of(args, storage);
    pid_ = fork();
    if (pid_ == 0) {
        dup2(in_pipe[0], 0);
        dup2(out_pipe[1], 1);
        dup2(err_pipe[1], 2);
        for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) close(fd);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(in_pipe[0]);
    close(out_pipe[1]);
    close(err_pipe[1]);
    out_fd_ = out_pipe[0];
    err_fd_ = err_pipe[0];
    // The child's stdin: the given text, then end of file.
    in_thread_ = std::thread([fd = in_pipe[1], stdin_text] {
        std::size_t off = 0;
        while (off < stdin_text.size()) {
            ssize_t n = write(fd, stdin_text.data() + off, stdin_text.size() - off);
            if (n <= 0) break;
            off += static_cast<std::size_t>(n);
        }
        close(fd);
    });
    out_thread_ = std::thread([this] { reader(out_fd_, out_); });
    err_thread_ = std::thread([this] { reader(err_fd_, err_); });
}

void rt_process::reader(int fd, std::string& sink) {
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) break;
        std::lock_guard<std::mutex> lock(mu_);
        sink.append(buf, static_cast<std::size_t>(n));
        cv_.notify_all();
    }
    std::lock_guard<std::mutex> lock(mu_);
    --open_streams_;
    cv_.notify_all();
}

rt_process::~rt_process() {
    if (running()) {
        kill(pid_, SIGKILL);
        wait_exit(std::chrono::seconds(5));
    }
    join_output();
    close(out_fd_);
    close(err_fd_);
}

void rt_process::join_output() {
    if (in_thread_.joinable()) in_thread_.join();
    if (out_thread_.joinable()) out_thread_.join();
    if (err_thread_.joinable()) err_thread_.join();
}

bool rt_process::wait_for_output(const std::string& text, std::chrono::milliseconds timeout, bool on_stdout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
        const std::string& s = on_stdout ? out_ : err_;
        return s.find(text) != std::string::npos || open_streams_ == 0;
    }) && (on_stdout ? out_ : err_).find(text) != std::string::npos;
}

std::string rt_process::err() const { std::lock_guard<std::mutex> lock(mu_); return err_; }
std::string rt_process::out() const { std::lock_guard<std::mutex> lock(mu_); return out_; }
void rt_process::signal(int sig) { if (pid_ > 0) kill(pid_, sig); }

bool rt_process::running() {
    if (exit_code_) return false;
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return false;
    }
    return r == 0;
}

std::optional<int> rt_process::wait_exit(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
        if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
        // Polling a child's exit: waitpid has no timeout; 5 ms steps keep this cheap.
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return exit_code_;
}

run_result run_rt(const std::vector<std::string>& args, std::chrono::milliseconds timeout, const std::string& stdin_text) {
    run_result r;
    {
        rt_process p(args, stdin_text);
        auto code = p.wait_exit(timeout);
        if (!code) {  // over time: kill it and report -1
            p.signal(SIGKILL);
            p.wait_exit(std::chrono::seconds(5));
        }
        p.join_output();
        r.exit_code = code ? *code : -1;
        r.out = p.out();
        r.err = p.err();
    }
    return r;
}

rt_server::rt_server(std::vector<std::string> extra, std::string spec) {
    std::vector<std::string> args{"serve", "--spec", spec.empty() ? kanban_spec_path() : spec, "--listen", "127.0.0.1:0"};
    for (auto& e : extra) args.push_back(e);
    proc_ = std::make_unique<rt_process>(args);
    if (!proc_->wait_for_output("listening on ws://", std::chrono::seconds(15)))
        throw std::runtime_error("rt serve did not start: " + proc_->err());
    std::string err = proc_->err();
    const std::string marker = "listening on ws://127.0.0.1:";
    auto at = err.find(marker);
    if (at == std::string::npos || !std::isdigit(static_cast<unsigned char>(err[at + marker.size()])))
        throw std::runtime_error("no port in rt serve output: " + err);
    port_ = std::stoi(err.substr(at + marker.size()));
}

std::string rt_server::ws_url(const std::string& query) const {
    return "ws://127.0.0.1:" + std::to_string(port_) + "/live" + (query.empty() ? "" : "?" + query);
}

std::string rt_server::http_base() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::optional<int> rt_server::stop(std::chrono::milliseconds timeout) {
    proc_->signal(SIGTERM);
    return proc_->wait_exit(timeout);
}

http_reply http_request(int port, const std::string& method, const std::string& path, const std::string& body,
                        const std::vector<std::string>& headers) {
    http_reply r;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) { close(fd); return r; }
    std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n";
    for (const auto& h : headers) req += h + "\r\n";
    req += "\r\n" + body;
    ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
    std::string resp;
    char buf[4096];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0) resp.append(buf, static_cast<std::size_t>(n));
    close(fd);
    auto sp = resp.find(' ');
    if (sp != std::string::npos) r.status = std::atoi(resp.c_str() + sp + 1);
    auto hdr_end = resp.find("\r\n\r\n");
    if (hdr_end != std::string::npos) {
        r.headers = resp.substr(0, hdr_end);
        r.body = resp.substr(hdr_end + 4);
    }
    return r;
}

}  // namespace rt::test

#include "support/redis_process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace rt::test {

namespace {

// A port nobody listens on now (the kernel's pick for port 0). Another process may take it before
// Redis does: start() retries with another then.
int redis_free_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    socklen_t len = sizeof addr;
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        if (fd >= 0) close(fd);
        throw std::runtime_error("cannot find a free port");
    }
    close(fd);
    return ntohs(addr.sin_port);
}

std::string redis_find(const char* name) {
    for (const char* dir : {"/usr/bin/", "/usr/local/bin/", "/usr/sbin/"})
        if (std::string p = std::string(dir) + name; access(p.c_str(), X_OK) == 0) return p;
    return {};
}

}  // namespace

std::string redis_process::binary() { return redis_find("redis-server"); }

redis_process::redis_process(std::string aof_dir) : aof_dir_(std::move(aof_dir)) {
    for (int attempt = 0; attempt < 3 && !proc_; ++attempt) {
        port_ = redis_free_port();
        try {
            start();
        } catch (const std::exception&) {
            if (attempt == 2) throw;
        }
    }
}

redis_process::~redis_process() = default;  // the child process's destructor kills and reaps it

void redis_process::start() {
    std::vector<std::string> argv{binary(), "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", ""};
    if (aof_dir_.empty()) {
        argv.insert(argv.end(), {"--appendonly", "no"});
    } else {
        argv.insert(argv.end(), {"--appendonly", "yes", "--appendfsync", "always", "--dir", aof_dir_});
    }
    os::child_options opt;
    opt.stdin_null = true;
    opt.die_with_parent = true;
    auto p = os::child_process::spawn(argv, opt);
    if (!p) throw std::runtime_error("cannot start redis-server: " + p.error());
    proc_ = std::move(p.value());
    // Redis logs to stdout; this line comes once it listens.
    if (!proc_->wait_for_output("Ready to accept connections", std::chrono::seconds(10), os::child_stream::out)) {
        std::string out = proc_->out();
        proc_.reset();
        throw std::runtime_error("redis-server did not start on port " + std::to_string(port_) + ": " + out);
    }
}

void redis_process::stop() {
    if (proc_) proc_->stop(std::chrono::seconds(5));
    proc_.reset();
}

void redis_process::restart() {
    stop();
    start();
}

std::string redis_process::cli(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{redis_find("redis-cli"), "-p", std::to_string(port_)};
    argv.insert(argv.end(), args.begin(), args.end());
    auto p = os::child_process::spawn(argv);
    if (!p) return {};
    (*p)->wait_exit(std::chrono::seconds(5));
    (*p)->join_output();
    return (*p)->out();
}

}  // namespace rt::test

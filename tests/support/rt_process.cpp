#include "support/rt_process.hpp"

#include "os/serve_child.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <cstring>
#include <stdexcept>

namespace rt::test {

long rss_kib(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

// GCC defines __SANITIZE_ADDRESS__ under -fsanitize=address; Clang answers __has_feature.
#if defined(__SANITIZE_ADDRESS__)
#define RT_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RT_TEST_ASAN 1
#endif
#endif
#ifdef RT_TEST_ASAN
constexpr bool rt_test_asan = true;
#else
constexpr bool rt_test_asan = false;
#endif

rss_bounded_servers::rss_bounded_servers() {
    if (!rt_test_asan) return;
    const char* was = std::getenv("ASAN_OPTIONS");
    had_options_ = was != nullptr;
    if (was) options_ = was;
    // Later options win: these override a quarantine the caller set.
    const std::string off = "quarantine_size_mb=0:thread_local_quarantine_size_kb=0";
    ::setenv("ASAN_OPTIONS", (options_.empty() ? off : options_ + ":" + off).c_str(), 1);
}

rss_bounded_servers::~rss_bounded_servers() {
    if (!rt_test_asan) return;
    if (had_options_)
        ::setenv("ASAN_OPTIONS", options_.c_str(), 1);
    else
        ::unsetenv("ASAN_OPTIONS");
}

bool built_with_asan() { return rt_test_asan; }

std::string kanban_spec_path() { return std::string(RT_SOURCE_DIR) + "/scenarios/kanban.spec"; }

std::string temp_path(const std::string& name) {
    static std::atomic<int> n{0};
    char tmpl[] = "/tmp/rt-test-XXXXXX";
    static std::string dir = mkdtemp(tmpl);
    return dir + "/" + std::to_string(getpid()) + "-" + std::to_string(n++) + "-" + name;
}

rt_process::rt_process(const std::vector<std::string>& args, const std::string& stdin_text) {
    std::vector<std::string> argv{RT_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    os::child_options options;
    options.stdin_text = stdin_text;
    options.die_with_parent = true;  // a killed test process takes its rt children with it
    auto child = os::child_process::spawn(argv, options);
    if (!child) throw std::runtime_error("cannot start rt: " + child.error());
    child_ = std::move(*child);
}

std::optional<int> rt_process::wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto code = child_->wait_exit(timeout);
    if (!code) return code;
    // Until each stream closes (wait_until returns then), within what is left of `timeout` plus a
    // margin: a grandchild that inherited a pipe must not hang the test.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    const auto bound = std::max(left, std::chrono::milliseconds(0)) + std::chrono::seconds(5);
    const auto never = [](std::string_view) { return false; };
    child_->wait_until(never, bound, os::child_stream::out);
    child_->wait_until(never, bound, os::child_stream::err);
    return code;
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
    std::vector<std::string> args{"--spec", spec.empty() ? kanban_spec_path() : spec, "--listen", "127.0.0.1:0"};
    for (auto& e : extra) args.push_back(e);
    os::child_options options;
    options.die_with_parent = true;  // a killed test process takes its rt serve with it
    auto started = os::start_serve(RT_BINARY, args, options, std::chrono::seconds(15));
    if (!started) throw std::runtime_error("rt serve did not start: " + started.error());
    proc_ = std::make_unique<rt_process>(std::move(started->process));
    port_ = started->port;
}

std::string rt_server::ws_url(const std::string& query) const {
    return "ws://127.0.0.1:" + std::to_string(port_) + "/live" + (query.empty() ? "" : "?" + query);
}

std::string rt_server::http_base() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::optional<int> rt_server::stop(std::chrono::milliseconds timeout) { return proc_->child().stop(timeout); }

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

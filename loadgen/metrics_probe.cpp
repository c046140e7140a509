#include "loadgen/metrics_probe.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace rt::loadgen {

std::map<std::string, double> parse_prometheus(std::string_view text) {
    std::map<std::string, double> out;
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (line.empty() || line.front() == '#') continue;
        // The value follows the last space (a label value may contain spaces inside quotes,
        // the sample value never does).
        auto sp = line.rfind(' ');
        if (sp == std::string_view::npos || sp == 0) continue;
        std::string value(line.substr(sp + 1));
        char* end = nullptr;
        double v = std::strtod(value.c_str(), &end);
        if (end == value.c_str() || *end != '\0') continue;
        out[std::string(line.substr(0, sp))] = v;
    }
    return out;
}

std::optional<server_counters> counters_from(const std::map<std::string, double>& m) {
    auto get = [&](const char* name) -> std::optional<std::uint64_t> {
        auto it = m.find(name);
        if (it == m.end() || it->second < 0) return std::nullopt;
        return static_cast<std::uint64_t>(it->second);
    };
    auto dropped = get("rt_events_dropped_total");
    if (!dropped) return std::nullopt;
    server_counters c;
    c.events_dropped = *dropped;
    c.slow_disconnects = get("rt_slow_consumer_disconnects_total").value_or(0);
    c.rate_limited = get("rt_rate_limited_total").value_or(0);
    return c;
}

namespace {

// Closes the descriptor on every path out.
struct fd_guard {
    int fd;
    ~fd_guard() {
        if (fd >= 0) ::close(fd);
    }
};

bool wait_ready(int fd, short events, std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    return ::poll(&p, 1, static_cast<int>(left.count())) == 1;
}

}  // namespace

std::optional<server_counters> fetch_server_counters(const std::string& host, std::uint16_t port,
                                                     std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (::inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host.c_str(), &addr.sin_addr) != 1)
        return std::nullopt;  // only IPv4 literals: this is a loopback benchmark tool
    fd_guard s{::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
    if (s.fd < 0) return std::nullopt;
    if (::connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        if (errno != EINPROGRESS || !wait_ready(s.fd, POLLOUT, deadline)) return std::nullopt;
        int err = 0;
        socklen_t len = sizeof err;
        if (::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) return std::nullopt;
    }
    const std::string req = "GET /metrics HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
    std::size_t sent = 0;
    while (sent < req.size()) {
        if (!wait_ready(s.fd, POLLOUT, deadline)) return std::nullopt;
        ssize_t n = ::send(s.fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return std::nullopt;
        sent += static_cast<std::size_t>(n);
    }
    std::string reply;
    constexpr std::size_t max_reply_bytes = 1 << 20;  // the metrics page is a few KiB
    char buf[4096];
    while (reply.size() < max_reply_bytes) {
        if (!wait_ready(s.fd, POLLIN, deadline)) return std::nullopt;
        ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
        if (n < 0) return std::nullopt;
        if (n == 0) break;
        reply.append(buf, static_cast<std::size_t>(n));
    }
    if (reply.rfind("HTTP/1.1 200", 0) != 0 && reply.rfind("HTTP/1.0 200", 0) != 0) return std::nullopt;
    auto body = reply.find("\r\n\r\n");
    if (body == std::string::npos) return std::nullopt;
    return counters_from(parse_prometheus(std::string_view(reply).substr(body + 4)));
}

}  // namespace rt::loadgen

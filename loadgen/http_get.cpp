#include "loadgen/http_get.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace rt::loadgen {

namespace {

// Closes the descriptor on every path out.
struct http_fd_guard {
    int fd;
    ~http_fd_guard() {
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

std::optional<http_reply> http_get(const std::string& host, std::uint16_t port, const std::string& path,
                                   const std::string& token, std::chrono::milliseconds timeout, std::size_t max_bytes) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (::inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host.c_str(), &addr.sin_addr) != 1)
        return std::nullopt;  // only IPv4 literals: this is a loopback benchmark tool
    http_fd_guard s{::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
    if (s.fd < 0) return std::nullopt;
    if (::connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        if (errno != EINPROGRESS || !wait_ready(s.fd, POLLOUT, deadline)) return std::nullopt;
        int err = 0;
        socklen_t len = sizeof err;
        if (::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) return std::nullopt;
    }
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n";
    if (!token.empty()) req += "Authorization: Bearer " + token + "\r\n";
    req += "\r\n";
    std::size_t sent = 0;
    while (sent < req.size()) {
        if (!wait_ready(s.fd, POLLOUT, deadline)) return std::nullopt;
        ssize_t n = ::send(s.fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return std::nullopt;
        sent += static_cast<std::size_t>(n);
    }
    std::string reply;
    char buf[4096];
    for (;;) {
        if (reply.size() > max_bytes) return std::nullopt;
        if (!wait_ready(s.fd, POLLIN, deadline)) return std::nullopt;
        ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
        if (n < 0) return std::nullopt;
        if (n == 0) break;
        reply.append(buf, static_cast<std::size_t>(n));
    }
    // "HTTP/1.1 200 OK": the status is the three digits after the first space.
    if (reply.rfind("HTTP/1.", 0) != 0 || reply.size() < 12) return std::nullopt;
    const int status = std::atoi(reply.c_str() + 9);
    auto body = reply.find("\r\n\r\n");
    if (body == std::string::npos) return std::nullopt;
    return http_reply{status, reply.substr(body + 4)};
}

}  // namespace rt::loadgen
